/**
 * The alert counters in Redis: one key per kind, subject and window (fixed windows,
 * aligned to the epoch), counted with INCR (and an EXPIRE in the same pipeline), never
 * on a request's path: they leave in a batch that already runs after the response (the
 * rate limits' consumption of admitted requests) or in one of their own in `waitUntil`.
 *
 * Firing exactly once per subject and window, however many requests count at once:
 * - `fixed` kinds: INCR answers every caller a different number, so exactly one sees
 *   the threshold itself; only that one raises the alert;
 * - `baseline` kinds: the threshold moves with the previous windows' mean, so every
 *   count at or past it may raise, and a `SET NX` on `<key>:fired` (expiring with the
 *   window) picks the one that does. Below the floor nothing more is read; past it, the
 *   previous windows' counts are read once per isolate and window (they no longer change).
 */
import type { AlertRule } from "../config/alerts";
import type { RedisCheck, RedisCheckOutcome } from "../context";
import type { Config } from "../env";
import { log } from "../lib/log";
import { afterResponseRedis } from "../redis";
import { ALERT_KINDS, type AlertKind } from "./kinds";
import { raise } from "./raise";
import { subjectPart, type AlertSubject } from "./subjects";

/** One counter a counted event increments. */
export interface AlertCounter {
  readonly kind: AlertKind;
  readonly subject: AlertSubject;
  readonly rule: AlertRule;
  /** The window's number (epoch seconds / window seconds). */
  readonly window: number;
  /** The key without the window's number. */
  readonly base: string;
  readonly key: string;
  readonly ttlSeconds: number;
}

// Entries each isolate memo keeps before expired ones are swept.
const MEMO_SWEEP_AT = 10_000;

/**
 * The key of one counter.
 *
 * @example
 * ```ts
 * counterKey("al", "del", "org:5f…:user:Xo3…", 2893012); // "al:del:org:5f…:user:Xo3…:2893012"
 * ```
 */
export function counterKey(prefix: string, tag: string, subject: string, window: number): string {
  return `${prefix}:${tag}:${subject}:${window}`;
}

/** The number of the window `nowMs` falls in. */
export const windowOf = (nowMs: number, windowSeconds: number): number => Math.floor(nowMs / 1000 / windowSeconds);

/** The counters of `kinds` for `subject` now; a kind that is off, or whose subject is missing, has none. */
export async function countersFor(
  config: Config,
  kinds: readonly AlertKind[],
  subject: AlertSubject,
  nowMs = Date.now(),
): Promise<AlertCounter[]> {
  const secret = config.secrets.identifierHashSecret;
  const { baseline, keyPrefix, rules } = config.alerts;
  const counters = await Promise.all(
    kinds.map(async (kind): Promise<AlertCounter | undefined> => {
      const spec = ALERT_KINDS[kind];
      const rule = rules[spec.rule];
      const part = rule === null ? undefined : await subjectPart(secret, spec.subject, subject);
      if (rule === null || part === undefined) return undefined;
      const window = windowOf(nowMs, rule.windowSeconds);
      const base = `${keyPrefix}:${spec.tag}:${part}`;
      // A baseline kind's previous windows are read later: they live that much longer.
      const ttlSeconds = rule.windowSeconds * (spec.measure === "baseline" ? baseline.windows + 1 : 1);
      return { kind, subject, rule, window, base, key: counterKey(keyPrefix, spec.tag, part, window), ttlSeconds };
    }),
  );
  return counters.filter((c): c is AlertCounter => c !== undefined);
}

function sweep<V>(memo: Map<string, V>, expired: (value: V) => boolean): void {
  if (memo.size <= MEMO_SWEEP_AT) return;
  for (const [key, value] of memo) if (expired(value)) memo.delete(key);
  if (memo.size > MEMO_SWEEP_AT) memo.clear();
}

// Per isolate: the previous windows' mean, per counter base and window; markers this isolate saw set.
const means = new Map<string, { readonly until: number; readonly mean: Promise<number> }>();
const fired = new Map<string, number>();

/** The mean count of the `n` windows before the counter's, read once per isolate and window. */
function baselineOf(config: Config, counter: AlertCounter, n: number): Promise<number> {
  const nowMs = Date.now();
  sweep(means, (entry) => entry.until <= nowMs);
  const id = `${counter.base}|${counter.window}|${n}`;
  const known = means.get(id);
  if (known !== undefined) return known.mean;
  const keys = Array.from({ length: n }, (_, i) => `${counter.base}:${counter.window - 1 - i}`);
  const mean = afterResponseRedis(config.redis)
    .mget<(string | number | null)[]>(...keys)
    .then((values) => values.reduce<number>((sum, v) => sum + (Number(v) || 0), 0) / n);
  // A failed read is not kept: the next count reads again.
  mean.catch(() => means.delete(id));
  means.set(id, { until: (counter.window + 1) * counter.rule.windowSeconds * 1000, mean });
  return mean;
}

/**
 * Decides whether the counter's new `count` fires its alert, and raises it if so.
 * Rejects only when Redis failed (the caller logs it).
 */
export async function evaluate(config: Config, counter: AlertCounter, count: number, requestId: string): Promise<void> {
  const spec = ALERT_KINDS[counter.kind];
  const { threshold: floor, windowSeconds } = counter.rule;
  const windowStartMs = counter.window * windowSeconds * 1000;
  const alert = { kind: counter.kind, subject: counter.subject, count, windowSeconds, windowStartMs, requestId };
  if (spec.measure === "fixed") {
    if (count === floor) await raise(config, { ...alert, threshold: floor });
    return;
  }
  if (count < floor) return;
  const marker = `${counter.key}:fired`;
  const nowMs = Date.now();
  sweep(fired, (until) => until <= nowMs);
  if ((fired.get(marker) ?? 0) > nowMs) return;
  const { factor, windows } = config.alerts.baseline;
  const baseline = await baselineOf(config, counter, windows);
  const threshold = Math.max(floor, Math.floor(factor * baseline) + 1);
  if (count < threshold) return;
  const won = await afterResponseRedis(config.redis).set(marker, 1, { nx: true, ex: windowSeconds });
  fired.set(marker, windowStartMs + windowSeconds * 1000);
  if (won === "OK") await raise(config, { ...alert, threshold, baseline });
}

/**
 * Counts `counters` in one pipeline of their own and raises what crossed. For the
 * caller's `waitUntil`: never on a request's path. Never rejects (failures are logged).
 */
export async function countNow(config: Config, counters: readonly AlertCounter[], requestId: string): Promise<void> {
  if (counters.length === 0) return;
  try {
    const pipeline = afterResponseRedis(config.redis).pipeline();
    for (const counter of counters) pipeline.incr(counter.key).expire(counter.key, counter.ttlSeconds);
    const results = await pipeline.exec<unknown[]>();
    await Promise.all(counters.map((counter, i) => evaluate(config, counter, Number(results[i * 2]), requestId)));
  } catch (error) {
    log.warn("alert_count_failed", { request_id: requestId, kinds: counters.map((c) => c.kind), error });
  }
}

/**
 * The counters as commands riding a batch that is sent anyway (the rate limits'
 * consumption after the response): per counter an INCR, whose answer is evaluated, and
 * its EXPIRE. A check's `decide` never throws: it cannot refuse a request that was answered.
 */
export function counterChecks(config: Config, counters: readonly AlertCounter[], requestId: string): RedisCheck[] {
  return counters.flatMap((counter): RedisCheck[] => [
    {
      name: `alert_count_${counter.kind}`,
      add: (pipeline) => pipeline.incr(counter.key),
      decide: async (outcome: RedisCheckOutcome) => {
        if (!outcome.ok) {
          log.warn("alert_count_failed", { request_id: requestId, kinds: [counter.kind], error: outcome.error });
          return;
        }
        await evaluate(config, counter, Number(outcome.result), requestId).catch((error: unknown) => {
          log.warn("alert_count_failed", { request_id: requestId, kinds: [counter.kind], error });
        });
      },
    },
    { name: `alert_expiry_${counter.kind}`, add: (pipeline) => pipeline.expire(counter.key, counter.ttlSeconds), decide: () => undefined },
  ]);
}
