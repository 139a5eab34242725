/**
 * The hook through which other stages put their Redis reads into stage 5's one
 * round trip (README "Rate limits": one Redis round trip for limits and
 * revocation together). Stage 4 (authenticate) defers its session-revocation read
 * here instead of calling Redis itself; stage 5 sends it in the same pipeline as
 * the limits and calls `decide` with its result before the handler runs.
 */
import type { Context } from "hono";
import type { AppEnv, RedisCheck } from "../../context";

/**
 * Queues `check` for this request's rate-limit round trip. Call it before stage 5
 * runs (stage 4, or a guard listed before it); a route whose policy is `exempt`
 * still runs queued checks, in a round trip of their own.
 *
 * @example
 * ```ts
 * deferRedisCheck(c, {
 *   name: "session_revocation",
 *   add: (pipeline) => pipeline.exists(`rs:revoked:${sessionHash}`),
 *   decide: (outcome) => {
 *     if (!outcome.ok || outcome.result !== 0) throw new AppError("session_revoked");
 *   },
 * });
 * ```
 */
export function deferRedisCheck(c: Context<AppEnv>, check: RedisCheck): void {
  const checks = c.get("redisChecks");
  if (checks === undefined) c.set("redisChecks", [check]);
  else checks.push(check);
}
