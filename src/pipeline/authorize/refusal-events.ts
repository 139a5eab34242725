/**
 * Storing a refused request as its organization's `request_refused` event (P16),
 * after the response and bounded three times, so a flood of refused requests never
 * becomes a flood of database writes:
 * 1. this isolate remembers what it recorded for a window: a caller refused again and
 *    again costs no I/O at all after the first refusal;
 * 2. across isolates, `SET NX` on `rs:refused:<org>:<kind>:<keyed hash>:<code>` with the
 *    window as its expiry (one Upstash command): only the request that set it goes on
 *    to the database; Redis failing stores nothing (logged), since without it nothing
 *    would bound the calls to the database;
 * 3. the database function `app.record_refused_request` (drizzle/0022_refused_requests_security.sql)
 *    writes at most one event per (org, principal, code) and window itself, under an
 *    advisory lock, and only for an organization that exists and a principal that does
 *    (a live key, an existing user), so even a flushed Redis cannot make more.
 * The request's own round trips are untouched: all of this runs in `waitUntil`.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../../env";
import { createDatabase, inContext } from "../../db";
import { securityEvent } from "../../lib/security-events";
import { recentKeys } from "../../lib/recent-keys";
import { afterResponseRedis } from "../../redis";
import { clientAddress, identifierHash } from "../rate-limit";

/** One event stands for every refusal of its (org, principal, code) in this many seconds. */
export const REFUSAL_WINDOW_SECONDS = 600;
/** Prefix of the Redis keys that bound the writes (P12: the principal is a keyed hash). */
export const REFUSAL_KEY_PREFIX = "rs:refused:";

/** Who was refused: a user, or an API key (by id, never the key). */
export interface RefusedBy {
  readonly kind: "user" | "api_key";
  readonly id: string;
}

/** A refused request, as stored (details: code, method, route pattern). */
export interface Refusal {
  readonly orgId: string;
  readonly by: RefusedBy;
  readonly code: string;
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
}

/** What this isolate recorded lately (a caller refused again and again costs no I/O). */
const recordedLately = recentKeys(REFUSAL_WINDOW_SECONDS);

/**
 * Stores `refusal` unless its (org, principal, code) was stored within the window.
 * Resolves whether it was stored; rejects when Redis or the database failed.
 */
export async function storeRefusal(config: Config, refusal: Refusal, clientIpHeader: string | undefined): Promise<boolean> {
  const { orgId, by, code } = refusal;
  if (recordedLately(`${orgId}|${by.kind}|${by.id}|${code}`, Date.now())) return false;
  const secret = config.secrets.identifierHashSecret;
  const kind = by.kind === "user" ? "user" : "key";
  const key = `${REFUSAL_KEY_PREFIX}${orgId}:${kind}:${await identifierHash(secret, kind, by.id)}:${code}`;
  const won = await afterResponseRedis(config.redis).set(key, 1, { nx: true, ex: REFUSAL_WINDOW_SECONDS });
  if (won !== "OK") return false;
  const ipHash = await identifierHash(secret, "ip", clientAddress(clientIpHeader));
  const db = await createDatabase(config.database);
  const [result] = await inContext(db, {}, (tx) => [
    tx.execute<{ stored: boolean }>(sql`select app.record_refused_request(
      ${orgId}::uuid, ${by.kind === "user" ? by.id : null}::uuid, ${by.kind === "api_key" ? by.id : null}::uuid, ${code},
      ${refusal.requestId}, ${refusal.method}, ${refusal.route}, ${ipHash}, ${REFUSAL_WINDOW_SECONDS}::integer) as stored`),
  ]);
  const stored = result.rows[0]?.stored === true;
  if (stored) {
    securityEvent("request_refused", {
      request_id: refusal.requestId,
      org_id: orgId,
      ...(by.kind === "user" ? { user_id: by.id } : { api_key_id: by.id }),
      code,
      method: refusal.method,
      route: refusal.route,
    });
  }
  return stored;
}
