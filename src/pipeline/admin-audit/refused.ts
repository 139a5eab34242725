/**
 * Storing a refused attempt on an admin route as `admin_access_refused` (P16), after the
 * response and bounded three times, like an organization's `request_refused`
 * (../authorize/refusal-events.ts), so a user spraying admin routes costs at most one
 * database write per (user, code) and window:
 * 1. this isolate remembers what it recorded for a window (no I/O for a repeat);
 * 2. across isolates, `SET NX` on `rs:admin-refused:<keyed hash of the user>:<code>` with the
 *    window as its expiry: only the request that set it goes on; Redis failing stores nothing
 *    (logged), since without it nothing would bound the calls to the database;
 * 3. `app.record_admin_refusal` (drizzle/0027_admin_security.sql) writes at most one event per
 *    (user, code) and window itself, under an advisory lock, and only for a user that exists.
 */
import { sql } from "drizzle-orm";
import type { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../../env";
import { createDatabase, inContext } from "../../db";
import { securityEvent } from "../../lib/security-events";
import { createRedis } from "../../redis";
import { clientAddress, identifierHash } from "../rate-limit";

/** One event stands for every refusal of its (user, code) in this many seconds. */
export const ADMIN_REFUSAL_WINDOW_SECONDS = 600;
/** Prefix of the Redis keys that bound the writes (the user is a keyed hash, P12). */
export const ADMIN_REFUSAL_KEY_PREFIX = "rs:admin-refused:";
/** The refusals recorded (the database function accepts the same list). */
export const ADMIN_REFUSAL_CODES = ["forbidden", "mfa_required", "invalid_token", "rate_limited"] as const;
export type AdminRefusalCode = (typeof ADMIN_REFUSAL_CODES)[number];

// After the response, so it may wait longer than a request's limits; still bounded, never retried.
const REDIS_TIMEOUT_MS = 3000;
// Entries kept before expired ones are swept (a short key and a number each).
const MEMO_SWEEP_AT = 10_000;

/** A refused attempt, as stored (never a token or a body). */
export interface AdminRefusal {
  readonly userId: string;
  readonly code: AdminRefusalCode;
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
}

const clients = new WeakMap<Config, Redis>();

function redisOf(config: Config): Redis {
  let client = clients.get(config);
  if (client === undefined) {
    client = createRedis(config.redis, { retry: false, signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS) });
    clients.set(config, client);
  }
  return client;
}

const recorded = new Map<string, number>();

/** Whether `key` was recorded in this isolate within the window; if not, marks it first (no race between concurrent refusals). */
function recordedLately(key: string, nowMs: number): boolean {
  if (recorded.size > MEMO_SWEEP_AT) {
    for (const [k, until] of recorded) if (until <= nowMs) recorded.delete(k);
    if (recorded.size > MEMO_SWEEP_AT) recorded.clear();
  }
  if ((recorded.get(key) ?? 0) > nowMs) return true;
  recorded.set(key, nowMs + ADMIN_REFUSAL_WINDOW_SECONDS * 1000);
  return false;
}

/** Stores `refusal` unless its (user, code) was stored within the window; resolves whether it was. */
export async function storeAdminRefusal(config: Config, refusal: AdminRefusal, clientIpHeader: string | undefined): Promise<boolean> {
  const { userId, code } = refusal;
  if (recordedLately(`${userId}|${code}`, Date.now())) return false;
  const secret = config.secrets.identifierHashSecret;
  const key = `${ADMIN_REFUSAL_KEY_PREFIX}${await identifierHash(secret, "user", userId)}:${code}`;
  if ((await redisOf(config).set(key, 1, { nx: true, ex: ADMIN_REFUSAL_WINDOW_SECONDS })) !== "OK") return false;
  const ipHash = await identifierHash(secret, "ip", clientAddress(clientIpHeader));
  const db = await createDatabase(config.database);
  const [result] = await inContext(db, {}, (tx) => [
    tx.execute<{ stored: boolean }>(sql`select app.record_admin_refusal(${userId}::uuid, ${code}, ${refusal.requestId},
      ${refusal.method}, ${refusal.route}, ${ipHash}, ${ADMIN_REFUSAL_WINDOW_SECONDS}::integer) as stored`),
  ]);
  const stored = result.rows[0]?.stored === true;
  if (stored) {
    securityEvent("admin_access_refused", {
      request_id: refusal.requestId,
      user_id: userId,
      code,
      method: refusal.method,
      route: refusal.route,
    });
  }
  return stored;
}
