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
import type { Config } from "../../env";
import { createDatabase, inContext } from "../../db";
import { securityEvent } from "../../lib/security-events";
import { recentKeys } from "../../lib/recent-keys";
import { afterResponseRedis } from "../../redis";
import { clientAddress, identifierHash } from "../rate-limit";

/** One event stands for every refusal of its (user, code) in this many seconds. */
export const ADMIN_REFUSAL_WINDOW_SECONDS = 600;
/** Prefix of the Redis keys that bound the writes (the user is a keyed hash, P12). */
export const ADMIN_REFUSAL_KEY_PREFIX = "rs:admin-refused:";
/** The refusals recorded (the database function accepts the same list). */
export const ADMIN_REFUSAL_CODES = ["forbidden", "mfa_required", "invalid_token", "rate_limited"] as const;
export type AdminRefusalCode = (typeof ADMIN_REFUSAL_CODES)[number];

/** A refused attempt, as stored (never a token or a body). */
export interface AdminRefusal {
  readonly userId: string;
  readonly code: AdminRefusalCode;
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
}

/** What this isolate recorded lately (a repeat costs no I/O). */
const recordedLately = recentKeys(ADMIN_REFUSAL_WINDOW_SECONDS);

/** Stores `refusal` unless its (user, code) was stored within the window; resolves whether it was. */
export async function storeAdminRefusal(config: Config, refusal: AdminRefusal, clientIpHeader: string | undefined): Promise<boolean> {
  const { userId, code } = refusal;
  if (recordedLately(`${userId}|${code}`, Date.now())) return false;
  const secret = config.secrets.identifierHashSecret;
  const key = `${ADMIN_REFUSAL_KEY_PREFIX}${await identifierHash(secret, "user", userId)}:${code}`;
  if ((await afterResponseRedis(config.redis).set(key, 1, { nx: true, ex: ADMIN_REFUSAL_WINDOW_SECONDS })) !== "OK") return false;
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
