/**
 * `@upstash/ratelimit` limiters, built once per isolate, whose Redis commands of
 * one request all leave in ONE HTTP request to Upstash.
 *
 * Measured facts this relies on (test/conformance, test/security/p04-*):
 * - `@upstash/redis` auto-pipelining sends reads and writes in separate batches, so
 *   limits (EVALSHA, writes) plus a revocation read (EXISTS) would be two requests.
 *   Instead, each request gets an explicit `redis.pipeline()`.
 * - `Ratelimit.limit()` calls `redis.evalsha` synchronously (no await before it).
 *   The limiters' client is a proxy: while a batch is open, `evalsha` is queued on
 *   the batch's pipeline; the stage opens the batch, calls every `limit()`, adds the
 *   deferred checks, closes it and sends it. Should a future release await before
 *   `evalsha`, the call goes straight to Redis: still correct, only more round
 *   trips, which the P4 round-trip test would report.
 * - A script unknown to Redis (first use after a restart) answers NOSCRIPT; the
 *   library then sends EVAL on its own, a second round trip, once per script.
 * - Ratelimit's own `timeout` *allows* the request when it fires, which would break
 *   fail-closed: it is off (0). The client aborts each HTTP request after
 *   RATE_LIMIT_TIMEOUT_MS (a signal *function*: only then does the SDK throw), and
 *   does not retry (the SDK's default retries would take ~4 s).
 * - `enableProtection` would download an IP list from GitHub: off. Analytics: off
 *   (more keys and round trips per request); `pending` still goes to waitUntil.
 */
import { Ratelimit } from "@upstash/ratelimit";
import type { Pipeline, Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../../env";
import { createRedis } from "../../redis";
import type { LimitRule } from "./policies";

/**
 * Denials known in this isolate (key → reset time in ms), shared by every limiter:
 * a caller already refused is refused again without any Redis round trip until
 * the window resets. Keys are the limiters' `<prefix>:<subject>`.
 */
export const EPHEMERAL_CACHE = new Map<string, number>();

/** One request's batch: the pipeline and the callers waiting for their command's result. */
export interface Batch {
  readonly pipeline: Pipeline;
  readonly waiting: { resolve(value: unknown): void; reject(reason: unknown): void }[];
}

/** The limiters of one configuration, their Redis client and its batch switch. */
export interface LimiterClient {
  readonly redis: Redis;
  /** Opens a batch; until `close`, the limiters' EVALSHA calls are queued on it. */
  open(): Batch;
  close(): void;
  /** The limiter of one rule under `prefix`, built on first use and kept for the isolate. */
  limiter(prefix: string, rule: LimitRule): Ratelimit;
}

/** An error answer of one pipelined command, surfaced as the SDK would (safeEval looks for NOSCRIPT in it). */
export class PipelinedCommandError extends Error {
  override readonly name = "PipelinedCommandError";
}

const clients = new WeakMap<Config, LimiterClient>();

function batchingProxy(redis: Redis, current: () => Batch | undefined): Redis {
  const evalsha: Redis["evalsha"] = (sha, keys, args) => {
    const batch = current();
    if (batch === undefined) return redis.evalsha(sha, keys, args);
    batch.pipeline.evalsha(sha, keys, args);
    return new Promise((resolve, reject) => {
      batch.waiting.push({ resolve, reject });
    });
  };
  return new Proxy(redis, {
    get: (target, property, receiver): unknown => (property === "evalsha" ? evalsha : Reflect.get(target, property, receiver)),
  });
}

/**
 * The limiter client of `config`: one per parsed config, i.e. per isolate.
 *
 * @example
 * ```ts
 * const client = limiterClient(config);
 * const batch = client.open();
 * const pending = client.limiter("rl:api:ip", rule).limit("ip:Xo3…");
 * client.close();
 * await sendBatch(batch);
 * ```
 */
export function limiterClient(config: Config): LimiterClient {
  const cached = clients.get(config);
  if (cached) return cached;
  const timeoutMs = config.rateLimit.timeoutMs;
  const redis = createRedis(config.redis, { retry: false, signal: () => AbortSignal.timeout(timeoutMs) });
  const limiters = new Map<string, Ratelimit>();
  let batch: Batch | undefined;
  const proxied = batchingProxy(redis, () => batch);
  const client: LimiterClient = {
    redis,
    open: () => (batch = { pipeline: redis.pipeline(), waiting: [] }),
    close: () => {
      batch = undefined;
    },
    limiter: (prefix, rule) => {
      // A challenge rule's denial depends on more than the counter (challenge.ts), so no
      // limiter of it may refuse from the isolate's cache.
      const cached = rule.onExceeded !== "challenge";
      const id = `${prefix}|${rule.tokens}|${rule.window}|${cached ? "cached" : "uncached"}`;
      let limiter = limiters.get(id);
      if (limiter === undefined) {
        limiter = new Ratelimit({
          redis: proxied,
          prefix,
          limiter: Ratelimit.slidingWindow(rule.tokens, rule.window),
          ephemeralCache: cached ? EPHEMERAL_CACHE : false,
          timeout: 0,
          analytics: false,
          enableProtection: false,
          enableTelemetry: false,
        });
        limiters.set(id, limiter);
      }
      return limiter;
    },
  };
  clients.set(config, client);
  return client;
}

/**
 * Sends the batch and settles every queued command with its own answer. A
 * transport failure (timeout, 5xx, refused connection) rejects them all.
 */
export async function sendBatch(batch: Batch): Promise<readonly unknown[]> {
  if (batch.pipeline.length() === 0) return [];
  try {
    const results = await batch.pipeline.exec({ keepErrors: true });
    batch.waiting.forEach((waiter, i) => {
      const item = results[i];
      if (item?.error !== undefined) waiter.reject(new PipelinedCommandError(`Command failed: ${item.error}`));
      else waiter.resolve(item?.result);
    });
    return results
      .slice(batch.waiting.length)
      .map((item) => (item.error !== undefined ? new PipelinedCommandError(item.error) : item.result));
  } catch (error) {
    for (const waiter of batch.waiting) waiter.reject(error);
    throw error;
  }
}
