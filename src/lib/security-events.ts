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
  login_succeeded: { severity: "info", stored: true },
  /** A login failed; `reason`: unknown_email, wrong_password, email_not_verified. */
  login_failed: { severity: "warning", stored: true },
  /** A login past its account's limit was refused for want of a solved challenge. */
  login_challenged: { severity: "warning", stored: true },
  /** TOTP was enabled (enrolment confirmed with a code). */
  mfa_enrolled: { severity: "info", stored: true },
  /** TOTP was removed. */
  mfa_disabled: { severity: "warning", stored: true },
  /** A second factor was accepted (`method`: totp or recovery_code). */
  mfa_verified: { severity: "info", stored: true },
  /** A second factor was refused (`reason`: wrong_code, replayed, invalid_recovery_code). */
  mfa_failed: { severity: "warning", stored: true },
  /** A recovery code was used (single-use; `remaining` left). */
  recovery_code_used: { severity: "warning", stored: true },
  /** A rotated refresh token came back: the whole session was revoked. */
  refresh_token_reused: { severity: "warning", stored: true },
  /**
   * A user revoked a session (`reason`: logout, or user for DELETE /sessions/{id}). A password
   * change or reset, and refresh-token reuse, record their own event with what they revoked.
   */
  session_revoked: { severity: "info", stored: true },
  /** Access tokens of revoked sessions could not be blocked at once (Redis refused the revocation). */
  session_revocation_delayed: { severity: "warning", stored: true },
  /** A signed-in user changed their password (every other session revoked). */
  password_changed: { severity: "info", stored: true },
  /** A password-reset link was requested for an existing account. */
  password_reset_requested: { severity: "info", stored: true },
  /** A password was reset by link (every session revoked). */
  password_reset: { severity: "warning", stored: true },
  /** A user became a platform super administrator (by the owner script). */
  admin_granted: { severity: "warning", stored: true },
  /** An organization was created; its creator is its owner. */
  org_created: { severity: "info", stored: true },
  /** An organization's settings changed (`fields`: which; `require_mfa` when that changed). */
  org_settings_changed: { severity: "warning", stored: true },
  /** An organization was deleted with everything in it (stored without the org, which is gone; `org`: its id). */
  org_deleted: { severity: "warning", stored: true },
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
