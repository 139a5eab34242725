/**
 * P4 without lock-out: past a `challenge` limit (the login preset's per-account
 * limit), refusing outright would let anyone lock a victim out by failing logins in
 * their name. Instead, the request goes on when
 * - its address signed in to this account recently (a key written after each
 *   successful login and read in the stage's one round trip), or
 * - Turnstile is configured and the body carries a solved challenge
 *   (`turnstile_token`, verified with siteverify);
 * otherwise it is refused: 403 `captcha_required` / `captcha_failed` with Turnstile,
 * the preset's 429 without. The per-IP limits still apply to every request.
 */
import type { Context } from "hono";
import type { AppEnv, RedisCheck, RedisCheckOutcome } from "../../context";
import { verifyTurnstile } from "../../clients/turnstile";
import { AppError } from "../../http/errors";
import { securityEvent } from "../../lib/security-events";
import { bodyField } from "./body-field";
import { rateLimitFields, type LimitState } from "./headers";
import { recentSuccessKey, type SubjectSources } from "./keys";
import type { RateLimitPolicy } from "./policies";

/** Body field carrying a Turnstile token. */
export const TURNSTILE_FIELD = "turnstile_token";

/** The "known address" read for a policy with a challenge rule, or `undefined` when it has none or the request names no account. */
export async function knownAddressCheck(
  secret: string,
  policy: RateLimitPolicy,
  sources: SubjectSources,
  result: { known: boolean },
): Promise<RedisCheck | undefined> {
  if (sources.account === undefined || !policy.limits.some((rule) => rule.onExceeded === "challenge")) return undefined;
  const key = await recentSuccessKey(secret, sources.account, sources.ip);
  return {
    name: "known_address",
    add: (pipeline) => pipeline.exists(key),
    decide: (outcome: RedisCheckOutcome) => {
      result.known = outcome.ok && outcome.result === 1;
    },
  };
}

/**
 * Decides a request whose refused limits are all `challenge` rules: returns when it
 * may go on, throws the refusal otherwise.
 */
export async function answerChallenge(
  c: Context<AppEnv>,
  policy: RateLimitPolicy,
  route: string,
  states: readonly LimitState[],
  nowMs: number,
  knownAddress: boolean,
  ip: string,
): Promise<void> {
  if (knownAddress) return;
  const config = c.env.edge.config;
  const event = { request_id: c.env.edge.requestId, policy: policy.name, route };
  const headers = rateLimitFields(states, nowMs);
  if (!config.identity.turnstile.enabled) {
    securityEvent("rate_limited", { ...event, limits: states.filter((s) => !s.allowed).map((s) => s.rule.name), from_cache: false });
    throw new AppError("rate_limited", { headers });
  }
  const verdict = await verifyTurnstile(config, await bodyField(c, TURNSTILE_FIELD), ip === "unknown" ? undefined : ip);
  if (verdict.ok) return;
  securityEvent("login_challenged", { ...event, outcome: verdict.reason });
  const { "Retry-After": _wait, ...fields } = headers;
  throw new AppError(verdict.reason === "missing" ? "captcha_required" : "captcha_failed", { headers: fields });
}
