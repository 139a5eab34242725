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
