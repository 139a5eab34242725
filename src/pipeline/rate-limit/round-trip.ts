/**
 * The one round trip of stage 5: every limit's EVALSHA and every deferred check in
 * one pipeline (limiters.ts explains how), bounded by a deadline that holds even
 * if a driver ignored its abort signal.
 */
import type { Ratelimit } from "@upstash/ratelimit";
import type { Config } from "../../env";
import type { RedisCheck } from "../../context";
import { limiterClient, sendBatch } from "./limiters";
import type { LimitRule } from "./policies";

/** What one `limit()` answers. */
export type RatelimitResponse = Awaited<ReturnType<Ratelimit["limit"]>>;

/** One limit resolved for one request: its rule, limiter prefix and subject key. */
export interface AppliedLimit {
  readonly rule: LimitRule;
  readonly prefix: string;
  readonly subject: string;
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
    pending = applied.map((a) => client.limiter(a.prefix, a.rule).limit(a.subject));
    for (const check of checks) check.add(batch.pipeline);
  } finally {
    client.close();
  }
  // If the round trip fails or times out these reject too; the caller handles that failure once.
  for (const p of pending) p.catch(() => undefined);
  const checkResults = await sendBatch(batch);
  return { results: await Promise.all(pending), checkResults };
}
