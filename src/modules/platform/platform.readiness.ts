/**
 * Readiness probes: one `select 1` through the Neon HTTP driver and one PING
 * through the Upstash client, concurrently, each aborted after READY_TIMEOUT_MS.
 * A failure is logged (redacted) for operators; the client only learns which
 * dependency is down.
 */
import type { Config } from "../../env";
import { createSql } from "../../db/client";
import { createRedis } from "../../redis";
import { log } from "../../lib/log";

/** State of one dependency. */
export type DependencyState = "up" | "down";

/** Each dependency's state. */
export interface ReadinessChecks {
  readonly database: DependencyState;
  readonly redis: DependencyState;
}

class ProbeTimeout extends Error {
  override readonly name = "ProbeTimeout";
}

async function probe(
  dependency: keyof ReadinessChecks,
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<boolean>,
  requestId: string,
): Promise<DependencyState> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The race bounds the probe even if a driver ignores the abort signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new ProbeTimeout(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    if (await Promise.race([run(controller.signal), deadline])) return "up";
    log.warn("readiness_check_failed", { request_id: requestId, dependency, reason: "unexpected answer" });
    return "down";
  } catch (error) {
    log.warn("readiness_check_failed", { request_id: requestId, dependency, error });
    return "down";
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/**
 * Checks every dependency; never throws.
 *
 * @example
 * ```ts
 * const checks = await checkReadiness(c.env.edge.config, c.env.edge.requestId);
 * ```
 */
export async function checkReadiness(config: Config, requestId: string): Promise<ReadinessChecks> {
  const timeoutMs = config.readyTimeoutMs;
  const [database, redis] = await Promise.all([
    probe(
      "database",
      timeoutMs,
      async (signal) => {
        const rows = await (await createSql(config.database, { signal })).query("select 1 as ok");
        return rows.length === 1;
      },
      requestId,
    ),
    probe("redis", timeoutMs, async (signal) => (await createRedis(config.redis, { signal, retry: false }).ping()) === "PONG", requestId),
  ]);
  return { database, redis };
}
