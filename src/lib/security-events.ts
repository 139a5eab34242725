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

/** Every security event, with its severity. */
export const SECURITY_EVENTS = {
  /** The WAF refused a request (403 `waf_blocked`). */
  waf_blocked: { severity: "warning" },
  /** The WAF would have refused a request, in log-only mode. */
  waf_would_block: { severity: "info" },
  /** A rate limit refused a request (429). */
  rate_limited: { severity: "info" },
  /** Rate limits could not be checked (Redis down or slow); `decision` says whether the request went on. */
  rate_limit_unavailable: { severity: "warning" },
} as const satisfies Record<string, { readonly severity: SecuritySeverity }>;

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
