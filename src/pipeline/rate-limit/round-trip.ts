/**
 * The one round trip of stage 5: every limit's EVALSHA and every deferred check in
 * one pipeline (limiters.ts explains how), bounded by a deadline that holds even
 * if a driver ignored its abort signal. A limit counted only after admission (an
 * organization's, org-admission.ts) is read there, not consumed; its consumption
 * is a batch of its own, after the response, which other counters may ride (the alerts').
 */
import type { Ratelimit } from "@upstash/ratelimit";
import type { Config } from "../../env";
import type { RedisCheck } from "../../context";
import { EPHEMERAL_CACHE, limiterClient, PipelinedCommandError, sendBatch } from "./limiters";
import type { LimitRule } from "./policies";

/** What one `limit()` answers. */
export type RatelimitResponse = Awaited<ReturnType<Ratelimit["limit"]>>;

/** One limit resolved for one request: its rule, limiter prefix and subject key. */
export interface AppliedLimit {
  readonly rule: LimitRule;
  readonly prefix: string;
  readonly subject: string;
  /**
   * Counted only for a request the organization's check admitted: read in the round
   * trip (refused once the quota is used), consumed after the response (org-admission.ts).
   */
  readonly afterAdmission: boolean;
}

/** The deadline passed before Redis answered. */
export class RateLimitTimeout extends Error {
  override readonly name = "RateLimitTimeout";
}

/** A promise that rejects with {@link RateLimitTimeout} after `ms`, and its cancel. */
export function deadline(ms: number): { promise: Promise<never>; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new RateLimitTimeout(`no answer from Redis within ${ms} ms`));
    }, ms);
  });
  return {
    promise,
    cancel: () => {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

/**
 * Reads a limit without consuming it, answered as `limit()` would answer for this
 * request if it were counted: refused when the quota is used up, else the remaining
 * count after it. A refusal is remembered in the isolate like `limit()`'s own.
 */
async function peek(limiter: Ratelimit, a: AppliedLimit): Promise<RatelimitResponse> {
  // getRemaining's EVALSHA is queued synchronously too (the same path as limit()'s).
  const { remaining, reset, limit } = await limiter.getRemaining(a.subject);
  const success = remaining > 0;
  // The key the library's own cache uses for this limiter and subject (limiters.ts).
  if (!success) EPHEMERAL_CACHE.set(`${a.prefix}:${a.subject}`, reset);
  return { success, limit, remaining: success ? remaining - 1 : 0, reset, pending: Promise.resolve() };
}

/** Runs the batch: every limit's EVALSHA and every deferred check, in one pipeline. */
export async function runBatch(
  config: Config,
  applied: readonly AppliedLimit[],
  checks: readonly RedisCheck[],
): Promise<{ results: RatelimitResponse[]; checkResults: readonly unknown[] }> {
  const client = limiterClient(config);
  const batch = client.open();
  let pending: Promise<RatelimitResponse>[];
  try {
    // Each limit() queues its EVALSHA synchronously on the open batch (limiters.ts).
    pending = applied.map((a) => {
      const limiter = client.limiter(a.prefix, a.rule);
      return a.afterAdmission ? peek(limiter, a) : limiter.limit(a.subject);
    });
    for (const check of checks) check.add(batch.pipeline);
  } finally {
    client.close();
  }
  // If the round trip fails or times out these reject too; the caller handles that failure once.
  for (const p of pending) p.catch(() => undefined);
  const checkResults = await sendBatch(batch);
  return { results: await Promise.all(pending), checkResults };
}

/**
 * Consumes the limits counted after admission, once the request was answered (in
 * `waitUntil`): one batch, one round trip, off the request path. A limit already
 * full by then is not raised further (the library refuses to count past it) and its
 * refusal is remembered in the isolate, so the organization's next requests are
 * refused without a round trip.
 */
export async function consumeAdmitted(
  config: Config,
  applied: readonly AppliedLimit[],
  riders: readonly RedisCheck[] = [],
): Promise<RatelimitResponse[]> {
  const { results, checkResults } = await runBatch(
    config,
    applied.map((a) => ({ ...a, afterAdmission: false })),
    riders,
  );
  // Commands riding this batch (the alerts' request counters) only count: the request was answered.
  for (const [i, rider] of riders.entries()) {
    const result = checkResults[i];
    await rider.decide(
      result instanceof PipelinedCommandError ? { ok: false, reason: "command_failed", error: result } : { ok: true, result },
    );
  }
  return results;
}
