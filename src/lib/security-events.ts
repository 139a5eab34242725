/**
 * P16: the ONE vocabulary of security events. Every stage and module reports
 * what P16 names (blocked requests, rate limiting, sign-ins, MFA, sessions, roles,
 * API keys, admin actions) through `securityEvent(type, fields)`, whose `type` is a
 * key of this table, so a misspelt or unknown event does not compile and the
 * alerting rules and the `security_events` table read one set of names.
 *
 * A log line is `{"level", "event": "security.<type>", "security_event": true,
 * "severity", ...fields}`; fields pass through the logger's redaction, and callers
 * never put a password, token, key or raw client address in them.
 */
import { log, type LogFields } from "./log";

/** How serious an event is: `warning` is worth a look on its own, `info` only in volume. */
export type SecuritySeverity = "info" | "warning";

/**
 * One kind of event: its severity, and whether it is also kept in the
 * `security_events` table (P16). Edge events (WAF, rate limits) are logged only:
 * a flood of blocked requests must not become a flood of database writes.
 */
export interface SecurityEventSpec {
  readonly severity: SecuritySeverity;
  readonly stored: boolean;
  /**
   * An event about one user's own account (authentication: sign-ins, MFA, password,
   * sessions), stored without an organization: the auditors of every organization the
   * user is a current member of see it, from when they joined
   * (`GET /v1/orgs/{org}/security-events`; the database's list is
   * `app.account_event_types()` in drizzle/0009_audit_routes_security.sql, kept equal by a P16 test).
   */
  readonly account?: true;
}

/** Every security event. */
export const SECURITY_EVENTS = {
  /** The WAF refused a request (403 `waf_blocked`). */
  waf_blocked: { severity: "warning", stored: false },
  /** The WAF would have refused a request, in log-only mode. */
  waf_would_block: { severity: "info", stored: false },
  /** A request the WAF could not inspect whole (too deep, too many values, a value too long): 413, in either mode. */
  waf_inspection_limit: { severity: "warning", stored: false },
  /** A rate limit refused a request (429). */
  rate_limited: { severity: "info", stored: false },
  /** Rate limits could not be checked (Redis down or slow); `decision` says whether the request went on. */
  rate_limit_unavailable: { severity: "warning", stored: false },
  /** An account was created (or an unverified one replaced by a new sign-up). */
  signup: { severity: "info", stored: true },
  /** Someone tried to sign up with an address that already has an account (its owner is told by email). */
  signup_existing_account: { severity: "info", stored: true },
  /** An email address was verified. */
  email_verified: { severity: "info", stored: true },
  /** A password was right and a session (or an MFA challenge) was issued. */
  login_succeeded: { severity: "info", stored: true, account: true },
  /** A login failed; `reason`: unknown_email, wrong_password, email_not_verified. */
  login_failed: { severity: "warning", stored: true, account: true },
  /** A login past its account's limit was refused for want of a solved challenge. */
  login_challenged: { severity: "warning", stored: true, account: true },
  /** TOTP was enabled (enrolment confirmed with a code). */
  mfa_enrolled: { severity: "info", stored: true, account: true },
  /** TOTP was removed. */
  mfa_disabled: { severity: "warning", stored: true, account: true },
  /** A second factor was accepted (`method`: totp or recovery_code). */
  mfa_verified: { severity: "info", stored: true, account: true },
  /** A second factor was refused (`reason`: wrong_code, replayed, invalid_recovery_code). */
  mfa_failed: { severity: "warning", stored: true, account: true },
  /** A recovery code was used (single-use; `remaining` left). */
  recovery_code_used: { severity: "warning", stored: true, account: true },
  /** A rotated refresh token came back: the whole session was revoked. */
  refresh_token_reused: { severity: "warning", stored: true, account: true },
  /**
   * A user revoked a session (`reason`: logout, or user for DELETE /sessions/{id}). A password
   * change or reset, and refresh-token reuse, record their own event with what they revoked.
   */
  session_revoked: { severity: "info", stored: true, account: true },
  /** Access tokens of revoked sessions could not be blocked at once (Redis refused the revocation). */
  session_revocation_delayed: { severity: "warning", stored: true, account: true },
  /** A signed-in user changed their password (every other session revoked). */
  password_changed: { severity: "info", stored: true, account: true },
  /** A password-reset link was requested for an existing account. */
  password_reset_requested: { severity: "info", stored: true, account: true },
  /** A password was reset by link (every session revoked). */
  password_reset: { severity: "warning", stored: true, account: true },
  /** A user became a platform super administrator (by the owner script). */
  admin_granted: { severity: "warning", stored: true },
  /** An organization was created; its creator is its owner. */
  org_created: { severity: "info", stored: true },
  /** An organization's settings changed (`fields`: which; `require_mfa` when that changed). */
  org_settings_changed: { severity: "warning", stored: true },
  /** An organization was deleted with everything in it (stored without the org, which is gone; `org`: its id). */
  org_deleted: { severity: "warning", stored: true },
  /** Someone was invited to an organization (`invitation_id`, `role`; the address stays in the invitation). */
  member_invited: { severity: "info", stored: true },
  /** A pending invitation was revoked (`invitation_id`); its link stops working. */
  invitation_revoked: { severity: "info", stored: true },
  /** An invitation was accepted: its user joined the organization (`invitation_id`, `role`). */
  invitation_accepted: { severity: "info", stored: true },
  /** A member's role changed (`member_id`, `role`, `previous_role`). */
  member_role_changed: { severity: "warning", stored: true },
  /** A member was removed by an owner or admin (`member_id`, `role`). Their sessions stay (they are org-agnostic). */
  member_removed: { severity: "warning", stored: true },
  /** A member left the organization on their own (`role`). */
  member_left: { severity: "info", stored: true },
  /** The owner handed ownership to another member (`member_id`, `previous_role`) and became admin. */
  ownership_transferred: { severity: "warning", stored: true },
  /** An API key was created (`key_id`, `prefix`, `scopes`, `expires_at`; never the key). */
  api_key_created: { severity: "warning", stored: true },
  /** An API key was revoked (`key_id`); it fails from the next request on. */
  api_key_revoked: { severity: "info", stored: true },
  /**
   * A presented API key was refused with 401: `reason` `checksum` (malformed or forged: refused
   * without I/O) or `unknown` (no live key has its digest: unknown, revoked or expired), with the
   * key's non-secret `key_prefix` for the latter. Logged only: anyone can send keys.
   */
  api_key_rejected: { severity: "warning", stored: false },
  /**
   * A request of an authenticated user or API key to one of an organization's routes was
   * refused (`code`: forbidden, mfa_required, not_found for an outsider, organization_suspended,
   * rate_limited, waf_blocked; `method`, `route` pattern, `window_seconds`), stored in that
   * organization at most once per (principal, code) and window, however many were refused
   * (src/pipeline/authorize/refusals.ts): never a token, body or raw address.
   */
  request_refused: { severity: "warning", stored: true },
  /**
   * A signed evidence URL was refused with 403 (`reason`: malformed, unknown_key,
   * bad_signature, expired, too_long_lived; `method`, `path`): tampered, forged, replayed
   * for another object or organization, or too late. Logged only: anyone can send URLs, and
   * the organization named by a forged one is the sender's choice. Never the signature.
   */
  signed_url_refused: { severity: "warning", stored: false },
  /**
   * A `POST /webhooks/stripe` was refused with 400 `invalid_signature` (no secret of
   * STRIPE_WEBHOOK_SECRETS signed it, or its timestamp is outside 5 minutes; `reason`).
   * Logged only: anyone can post to a webhook URL.
   */
  stripe_webhook_rejected: { severity: "warning", stored: false },
  /** A Stripe event changed an organization's plan or billing status (`plan`, `previous_plan`, `status`, `previous_status`, `event_id`). */
  billing_plan_changed: { severity: "info", stored: true },
  /**
   * A verified Stripe event names a customer bound to no organization, or a checkout names
   * no organization (`reason`: unknown_customer, unknown_org): recorded and answered 200 so
   * Stripe stops retrying; stored without an organization.
   */
  billing_event_unmatched: { severity: "warning", stored: true },
  /** A checkout tried to bind a customer to an organization already paid for by another customer, or the reverse. */
  billing_customer_conflict: { severity: "warning", stored: true },
  /** The bank connection was made (`scopes`); its tokens are stored sealed, never logged. */
  bank_connected: { severity: "info", stored: true },
  /** The bank connection was deleted (revoked at the bank where it supports revocation). */
  bank_disconnected: { severity: "info", stored: true },
  /** Refreshing the bank's access token failed (`reason`): the connection is `broken` until reconnected. */
  bank_connection_broken: { severity: "warning", stored: true },
  /**
   * An OAuth callback from the bank ended without a connection (`reason`: the bank's
   * error code, issuer_mismatch, token_exchange_failed, forbidden). Logged only; nothing stored.
   */
  bank_connection_failed: { severity: "warning", stored: false },
  /**
   * The bank callback's `state` was refused (`reason`: malformed, unknown (expired, replayed
   * or never issued), foreign_session, session_revoked): 400, nothing exchanged. Logged only.
   */
  bank_oauth_state_refused: { severity: "warning", stored: false },
  /**
   * A platform administrator suspended an organization (`suspension_id`): its members and keys
   * get 403 `organization_suspended` everywhere. Stored in the organization, with the administrator
   * as actor; the reason stays with the administrators (`GET /v1/admin/orgs/{org}`).
   */
  org_suspended: { severity: "warning", stored: true },
  /** A platform administrator reinstated a suspended organization (`suspension_id`, `suspended_at`). Stored in it. */
  org_reinstated: { severity: "warning", stored: true },
  /**
   * A call to a platform administration route (every route declared `superAdmin: true`) by a super
   * administrator at aal2: `method`, `route` pattern, `status`, `target_org_id` when the path names
   * one. Stored without an organization, with the administrator as actor; never a token or body
   * (src/pipeline/admin-audit/).
   */
  admin_action: { severity: "warning", stored: true },
  /**
   * A signed-in user refused on a platform administration route (`code`: forbidden (no super-administrator
   * claim, or one the database does not confirm), mfa_required (aal1), invalid_token (a revoked session),
   * rate_limited; `method`, `route`, `window_seconds`). Stored without an organization at most once per
   * (user, code) and window; anonymous and invalid credentials are not recorded.
   */
  admin_access_refused: { severity: "warning", stored: true },
  /** A platform administrator ran a batch of the data-key re-encryption job (`resealed`, `remaining`, `key_version`). */
  data_keys_reencrypted: { severity: "warning", stored: true },
  /**
   * An alert fired (src/alerts/kinds.ts): `kind`, `window_seconds`, `window_start`, `count`, `threshold`,
   * `baseline` for the kinds measured against one, and its subject (`org_id`, `api_key_id`, `user_id`
   * or `network`, a keyed pseudonym of the address range); never a raw address, email or token. Stored
   * in the organization it concerns (else without one) once per subject and window; its recipients are
   * emailed after the response.
   */
  alert_raised: { severity: "warning", stored: true },
  /**
   * A backup failed its restore check (`backup_id`, `date`, `reason`: a reason code of
   * src/modules/backups/backups.format.ts, e.g. checksum_mismatch, truncated, decrypt_failed,
   * audit_chain_broken): stored in its organization by the check's own transaction (P15).
   */
  backup_restore_check_failed: { severity: "warning", stored: true },
  /**
   * An owner restored a backup into a new organization, a restore drill (`backup_id`, `date`,
   * `source_org_id`, `restored_org_id`): stored in both organizations (P15).
   */
  backup_restored: { severity: "warning", stored: true },
} as const satisfies Record<string, SecurityEventSpec>;

/** The name of a security event, e.g. `waf_blocked`. */
export type SecurityEventType = keyof typeof SECURITY_EVENTS;

/** Prefix of every security event's log name. */
export const SECURITY_EVENT_PREFIX = "security.";

/**
 * Reports a security event as one structured log line.
 *
 * @example
 * ```ts
 * securityEvent("rate_limited", { request_id, policy: "login", route, limits: ["login-ip"] });
 * ```
 */
export function securityEvent(type: SecurityEventType, fields: LogFields): void {
  const { severity } = SECURITY_EVENTS[type];
  const line = { security_event: true, severity, ...fields };
  if (severity === "info") log.info(`${SECURITY_EVENT_PREFIX}${type}`, line);
  else log.warn(`${SECURITY_EVENT_PREFIX}${type}`, line);
}
