/**
 * P16: the ONE table of alert kinds. Each kind names what feeds its counter, what the
 * counter is kept per (its Redis key's subject), the rule in the configuration that sets
 * its threshold and window (src/config/alerts.ts), whether the threshold is fixed or a
 * floor under a moving baseline, and who is told. Every alert is an `alert_raised`
 * security event (details.kind is a name of this table) and an email.
 *
 * Counter keys (P12: an organization's carry its id; people, keys and addresses only as
 * keyed hashes): `<ALERT_KEY_PREFIX>:<tag>:<subject>:<window number>`, e.g.
 * `al:del:org:<org id>:user:<hash>:2893012`.
 */
import type { AlertsConfig } from "../config/alerts";

/**
 * What a counter is kept per:
 * - `account`: one user (`acct:<hash>`);
 * - `network`: a client's address range, IPv4 /24 or IPv6 /48 (`net:<hash of the range>`);
 * - `platform`: everything (`all`);
 * - `org`: one organization (`org:<org id>`);
 * - `api_key`: one API key in its organization (`org:<org id>:key:<hash>`);
 * - `session`: one session of one user (`acct:<hash>:sess:<hash>`);
 * - `actor`: one user or API key in one organization (`org:<org id>:user:<hash>` / `…:key:<hash>`).
 */
export type AlertSubjectKind = "account" | "network" | "platform" | "org" | "api_key" | "session" | "actor";

/**
 * What feeds a counter: a stored security event of that type (counted after the
 * response), every request an organization admitted (in the rate limits' batch that
 * already runs after the response), or a record deleted.
 */
export type AlertSource = "login_failed" | "refresh_token_reused" | "admitted_request" | "record_deleted";

/** Who is emailed: the organization's owners and admins, the account's holder, or the platform's operators. */
export type AlertAudience = "org" | "account" | "operators";

/** One alert kind. */
export interface AlertKindSpec {
  /** Short name in its counters' keys, `[a-z]`. */
  readonly tag: string;
  readonly source: AlertSource;
  readonly subject: AlertSubjectKind;
  /** Its rule in `config.alerts.rules`. */
  readonly rule: keyof AlertsConfig["rules"];
  /** `fixed`: alert when the window's count reaches the threshold; `baseline`: the threshold is a floor under factor × the mean of the previous windows. */
  readonly measure: "fixed" | "baseline";
  readonly audience: AlertAudience;
  /** The email's subject line (after "Rampart alert: "). */
  readonly title: string;
  /** What happened, in the email: `{count}` and `{window}` are filled in. */
  readonly summary: string;
  /** What to do about it, in the email. */
  readonly advice: string;
}

/** Every alert kind. */
export const ALERT_KINDS = {
  failed_logins_account: {
    tag: "fla",
    source: "login_failed",
    subject: "account",
    rule: "failedLoginsAccount",
    measure: "fixed",
    audience: "account",
    title: "failed sign-ins to your account",
    summary: "There were {count} failed sign-in attempts to your Rampart account within {window}.",
    advice:
      "If these were not you, someone may be guessing your password: make sure it is long and unique, and turn on " +
      "two-factor authentication. Sign-ins from addresses you used before keep working.",
  },
  failed_logins_network: {
    tag: "fln",
    source: "login_failed",
    subject: "network",
    rule: "failedLoginsNetwork",
    measure: "fixed",
    audience: "operators",
    title: "failed sign-ins from one network",
    summary: "{count} failed sign-ins came from one address range (IPv4 /24 or IPv6 /48) within {window}.",
    advice:
      "Credential stuffing or password spraying from one network. The event's `network` is a keyed pseudonym of the " +
      "range; compare it with the login_failed events and the zone's logs, and block the range at the zone if it persists.",
  },
  failed_logins_platform: {
    tag: "flp",
    source: "login_failed",
    subject: "platform",
    rule: "failedLoginsPlatform",
    measure: "baseline",
    audience: "operators",
    title: "failed sign-ins across the platform",
    summary: "{count} failed sign-ins across the platform within {window}, well above the usual rate.",
    advice:
      "A distributed attack (many networks, many accounts) or a broken client. Check the login_failed events' reasons " +
      "and sources; consider Turnstile (TURNSTILE_SECRET_KEY) and a zone rule on the login route.",
  },
  request_spike_org: {
    tag: "rso",
    source: "admitted_request",
    subject: "org",
    rule: "requestSpikeOrg",
    measure: "baseline",
    audience: "org",
    title: "unusual request volume in your organization",
    summary: "Your organization made {count} API requests within {window}, well above its usual rate.",
    advice:
      "Check which members and API keys were active (the security events and audit log); revoke a key or remove a " +
      "member you do not recognise.",
  },
  request_spike_api_key: {
    tag: "rsk",
    source: "admitted_request",
    subject: "api_key",
    rule: "requestSpikeApiKey",
    measure: "baseline",
    audience: "org",
    title: "unusual request volume from an API key",
    summary: "One of your organization's API keys made {count} requests within {window}, well above its usual rate.",
    advice: "If the key's integration did not change, the key may have leaked: revoke it and issue a new one.",
  },
  refresh_token_reuse: {
    tag: "rtr",
    source: "refresh_token_reused",
    subject: "session",
    rule: "refreshTokenReuse",
    measure: "fixed",
    audience: "account",
    title: "a sign-in session of yours was ended",
    summary: "A refresh token of one of your sessions was used twice, so the session was ended (within {window}).",
    advice:
      "A copy of the token may have been taken from one of your devices. Sign in again, review your active sessions, " +
      "and change your password if you do not recognise them.",
  },
  mass_deletion: {
    tag: "del",
    source: "record_deleted",
    subject: "actor",
    rule: "massDeletion",
    measure: "fixed",
    audience: "org",
    title: "many records deleted",
    summary: "One member or API key deleted {count} records of your organization within {window}.",
    advice:
      "If this was not planned, suspend the actor (remove the member or revoke the key) and restore the records from " +
      "the audit log's before-images or the latest backup.",
  },
} as const satisfies Record<string, AlertKindSpec>;

/** The name of an alert kind, e.g. `mass_deletion`. */
export type AlertKind = keyof typeof ALERT_KINDS;

/** The kinds fed by `source`. */
export function kindsFedBy(source: AlertSource): AlertKind[] {
  return (Object.keys(ALERT_KINDS) as AlertKind[]).filter((kind) => ALERT_KINDS[kind].source === source);
}
