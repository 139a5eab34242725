/**
 * Upstash Redis over its REST API. The client is plain configuration (no
 * connection), so it is cheap to create per use; later issues (rate limits,
 * revocation) build on this factory.
 */
import { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../env";

/** The Redis part of the config. */
export type RedisConfig = Config["redis"];

/** Options of {@link createRedis}. */
export interface RedisOptions {
  /**
   * Aborts every request of this client (timeouts). Pass a function (e.g.
   * `() => AbortSignal.timeout(ms)`) for a deadline per HTTP request: only then does
   * the SDK throw on abort; with a plain signal it returns the abort reason as if
   * it were the command's result.
   */
  readonly signal?: AbortSignal | (() => AbortSignal);
  /**
   * Retry network errors (the SDK's default: 5 times with backoff). Health probes
   * turn it off so an outage is reported within the probe's deadline.
   */
  readonly retry?: boolean;
}

/**
 * A Redis client for `config.redis`.
 *
 * @example
 * ```ts
 * const redis = createRedis(config.redis, { retry: false });
 * await redis.ping();
 * ```
 */
export function createRedis(redis: RedisConfig, options: RedisOptions = {}): Redis {
  return new Redis({
    url: redis.url,
    token: redis.token,
    // No telemetry headers: nothing about our runtime leaves with each command.
    enableTelemetry: false,
    ...(options.retry === false ? { retry: false } : {}),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/** Deadline of {@link afterResponseRedis}'s commands: work after the response may wait longer than a request's limits. */
const AFTER_RESPONSE_TIMEOUT_MS = 3000;

const afterResponseClients = new WeakMap<RedisConfig, Redis>();

/**
 * The client for Redis work done after the response (refusal events, alert counters):
 * no retries, each HTTP request bounded by 3 s, one per parsed configuration (so per isolate).
 *
 * @example
 * ```ts
 * const won = await afterResponseRedis(config.redis).set(key, 1, { nx: true, ex: 600 });
 * ```
 */
export function afterResponseRedis(redis: RedisConfig): Redis {
  let client = afterResponseClients.get(redis);
  if (client === undefined) {
    client = createRedis(redis, { retry: false, signal: () => AbortSignal.timeout(AFTER_RESPONSE_TIMEOUT_MS) });
    afterResponseClients.set(redis, client);
  }
  return client;
}
