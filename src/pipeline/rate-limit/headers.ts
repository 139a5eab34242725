/**
 * P4: the rate-limit response fields of draft-ietf-httpapi-ratelimit-headers-09/-10
 * (structured fields, RFC 9651), one list item per limit applied to the request:
 *
 *   RateLimit-Policy: "ip";q=1200;w=60, "login-account";q=10;w=900
 *   RateLimit: "ip";r=1187;t=42, "login-account";r=0;t=512
 *
 * `q` quota and `w` window (seconds) describe the policy; `r` remaining and `t`
 * seconds until the quota resets describe now. Item names are the limits' names in
 * the table (policies.ts). No `pk` (partition key): it would echo the hashed
 * identifier for no benefit to the client. A 429 also gets `Retry-After` (seconds).
 */
import type { LimitRule, Window } from "./policies";

/** The response field names. */
export const RATE_LIMIT_POLICY_HEADER = "RateLimit-Policy";
export const RATE_LIMIT_HEADER = "RateLimit";

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** A window in seconds, e.g. `"15 m"` → 900. */
export function windowSeconds(window: Window): number {
  const [amount = "0", unit = "s"] = window.split(" ");
  return Math.round(Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS]);
}

/** The state of one limit after this request. */
export interface LimitState {
  readonly rule: LimitRule;
  readonly remaining: number;
  /** When the quota resets, epoch ms. */
  readonly resetAtMs: number;
  readonly allowed: boolean;
}

/** Seconds until `resetAtMs`, at least 1 for a quota not yet reset. */
export function secondsUntil(resetAtMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000));
}

/** The `RateLimit-Policy` value for `rules`. */
export function policyHeader(rules: readonly LimitRule[]): string {
  return rules.map((rule) => `"${rule.name}";q=${rule.tokens};w=${windowSeconds(rule.window)}`).join(", ");
}

/** The `RateLimit` value for `states`. */
export function rateLimitHeader(states: readonly LimitState[], nowMs: number): string {
  return states.map((s) => `"${s.rule.name}";r=${Math.max(0, s.remaining)};t=${secondsUntil(s.resetAtMs, nowMs)}`).join(", ");
}

/**
 * The fields of a response: both lists, plus `Retry-After` when a limit refused
 * (the longest wait among the refusing limits).
 */
export function rateLimitFields(states: readonly LimitState[], nowMs: number): Record<string, string> {
  const fields: Record<string, string> = {
    [RATE_LIMIT_POLICY_HEADER]: policyHeader(states.map((s) => s.rule)),
    [RATE_LIMIT_HEADER]: rateLimitHeader(states, nowMs),
  };
  const refused = states.filter((s) => !s.allowed);
  if (refused.length > 0) fields["Retry-After"] = String(Math.max(...refused.map((s) => secondsUntil(s.resetAtMs, nowMs))));
  return fields;
}
