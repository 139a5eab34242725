/**
 * The hook through which other stages put their Redis reads into stage 5's one
 * round trip (ARCHITECTURE.md: "one Redis round trip for limits and revocation
 * together"). Stage 4 (authenticate) will defer its session-revocation read here
 * instead of calling Redis itself; stage 5 sends it in the same pipeline as the
 * limits and calls `decide` with its result before the handler runs.
 */
import type { Pipeline } from "@upstash/redis/cloudflare";
import type { Context } from "hono";
import type { AppEnv } from "../../env";

/** The answer to a deferred command: its result, or why there is none (Redis failed or timed out). */
export type RedisCheckOutcome =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly reason: "unavailable" | "command_failed"; readonly error: unknown };

/**
 * One deferred Redis command and what to do with its answer.
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
export interface RedisCheck {
  /** For logs. */
  readonly name: string;
  /** Adds exactly ONE command to the pipeline (e.g. `pipeline.exists(key)`). */
  readonly add: (pipeline: Pipeline) => Pipeline;
  /**
   * Decides the request once the answer is in, before the handler: throw an
   * `AppError` to refuse it. Also called with `ok: false` when Redis failed, so the
   * check chooses its own failure policy.
   */
  readonly decide: (outcome: RedisCheckOutcome) => void | Promise<void>;
}

/**
 * Queues `check` for this request's rate-limit round trip. Call it before stage 5
 * runs (stage 4, or a guard listed before it); a route whose policy is `exempt`
 * still runs queued checks, in a round trip of their own.
 */
export function deferRedisCheck(c: Context<AppEnv>, check: RedisCheck): void {
  const checks = c.get("redisChecks");
  if (checks === undefined) c.set("redisChecks", [check]);
  else checks.push(check);
}
