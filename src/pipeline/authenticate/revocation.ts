/**
 * Revocation at once (P8): when a session is revoked (logout, a revoked device,
 * refresh-token reuse, a password change or reset), its id is written to Redis for
 * as long as an access token can live; stage 4 reads that key for every request
 * carrying an access token, inside the rate limits' one Redis round trip, so a
 * revoked session's tokens fail on the very next request, not at expiry.
 *
 * Keys: `rs:revoked:<session id>` (value 1, TTL = the access-token lifetime plus
 * the clock tolerance) and `rs:seen:<session id>` (the once-a-minute "last seen"
 * throttle). Session ids are random UUIDs, not personal data.
 */
import type { Config } from "../../env";
import { log } from "../../lib/log";
import { createRedis } from "../../redis";

/** Prefix of the revocation keys. */
export const REVOKED_SESSION_PREFIX = "rs:revoked:";
/** Prefix of the last-seen throttle keys. */
export const SEEN_SESSION_PREFIX = "rs:seen:";
/** How often a session's `last_seen_at` is written, at most. */
export const LAST_SEEN_INTERVAL_SECONDS = 60;
// Tokens are verified with 5 s of clock tolerance: keep the mark a little longer.
const TOLERANCE_SECONDS = 30;

/**
 * Marks sessions revoked for every access token they may still have out. Rejects
 * when Redis refuses: the caller decides what that means (see `revokeAtOnce`).
 */
export async function markSessionsRevoked(config: Config, sessionIds: readonly string[]): Promise<void> {
  if (sessionIds.length === 0) return;
  const redis = createRedis(config.redis, { retry: false, signal: () => AbortSignal.timeout(config.rateLimit.timeoutMs * 2) });
  const pipeline = redis.pipeline();
  const ttl = config.identity.jwt.accessTtlSeconds + TOLERANCE_SECONDS;
  for (const id of sessionIds) pipeline.set(`${REVOKED_SESSION_PREFIX}${id}`, 1, { ex: ttl });
  await pipeline.exec();
}

/**
 * Marks `sessionIds` revoked now, and if Redis refuses, tries again after the
 * response (up to three times, over about 7 s) and logs each failure: the database
 * has already revoked the sessions (no refresh will work), so only access tokens
 * issued in the last minutes could outlive the revocation, and only while Redis is
 * down, when every authenticated request fails closed anyway.
 *
 * @returns whether the first attempt succeeded.
 */
export async function revokeAtOnce(
  config: Config,
  sessionIds: readonly string[],
  waitUntil: (work: Promise<unknown>) => void,
): Promise<boolean> {
  try {
    await markSessionsRevoked(config, sessionIds);
    return true;
  } catch (error) {
    log.warn("session_revocation_retrying", { sessions: sessionIds.length, error });
    waitUntil(retry(config, sessionIds));
    return false;
  }
}

async function retry(config: Config, sessionIds: readonly string[]): Promise<void> {
  for (const delayMs of [1000, 2000, 4000]) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      await markSessionsRevoked(config, sessionIds);
      return;
    } catch (error) {
      log.warn("session_revocation_retrying", { sessions: sessionIds.length, delay_ms: delayMs, error });
    }
  }
  log.error("session_revocation_failed", { sessions: sessionIds.length });
}
