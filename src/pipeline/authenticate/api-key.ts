/**
 * API keys in the pipeline (P9, P10): stage 4 checks a presented key's format and
 * checksum in the isolate (a forged or mistyped key is refused with no I/O at all),
 * computes its digest and id, and leaves the rest to the handler's ONE transaction:
 * its context statement finds the live key by digest or fails with SQLSTATE `RAKEY`
 * (src/db/tenant.ts), which answers 401 here. So a key costs no round trip of its
 * own, and a revoked or expired key fails on its very next request.
 *
 * "Last used" is written at most once a minute per key, after the response: a
 * `SET NX` rides in stage 5's one Upstash pipeline, and only a request whose
 * transaction found the key live writes it.
 */
import type { Context } from "hono";
import { sql } from "drizzle-orm";
import type { AppEnv, ApiKeyPrincipal, RedisCheck } from "../../context";
import { apiKeyDigest, apiKeyDisplayPrefix, apiKeyIdOf, isWellFormedApiKey } from "../../crypto/api-keys";
import { createDatabase, inContext, type Actor } from "../../db";
import { sqlState } from "../../db/errors";
import { AppError } from "../../http/errors";
import { log } from "../../lib/log";
import { securityEvent } from "../../lib/security-events";
import { deferRedisCheck, identifierHash } from "../rate-limit";
import { LAST_SEEN_INTERVAL_SECONDS } from "./revocation";

/** Prefix of the once-a-minute "last used" throttle keys: `rs:key-seen:<keyed hash of the key id>` (P12). */
export const SEEN_API_KEY_PREFIX = "rs:key-seen:";

/** The SQLSTATE of "no live API key has this digest" (drizzle/0008_api_keys_security.sql). */
export const UNKNOWN_API_KEY_STATE = "RAKEY";

/** 401 `invalid_token` with RFC 6750's challenge; `detail` for an API key's own wording. */
export function invalidToken(detail?: string): AppError {
  return new AppError("invalid_token", {
    headers: { "WWW-Authenticate": 'Bearer realm="rampart", error="invalid_token"' },
    ...(detail === undefined ? {} : { detail }),
  });
}

const KEY_REFUSED = "The API key is malformed, unknown, revoked or expired.";

function rejected(c: Context<AppEnv>, reason: "checksum" | "unknown", fields: Readonly<Record<string, string>> = {}): AppError {
  securityEvent("api_key_rejected", { request_id: c.env.edge.requestId, reason, method: c.req.method, path: c.req.path, ...fields });
  return invalidToken(KEY_REFUSED);
}

/** The once-a-minute throttle: SET NX in stage 5's pipeline; the request that set it writes `last_used_at`. */
function lastUsedCheck(c: Context<AppEnv>, throttleKey: string): RedisCheck {
  return {
    name: "api_key_last_used",
    add: (pipeline) => pipeline.set(throttleKey, 1, { nx: true, ex: LAST_SEEN_INTERVAL_SECONDS }),
    decide: (outcome) => {
      const presented = c.get("apiKey");
      // Redis failing costs a stale "last used" only; the key itself is checked by the database.
      if (presented !== undefined && outcome.ok && outcome.result === "OK") presented.lastUsedDue = true;
    },
  };
}

/**
 * Stage 4 for a bearer token that starts with `rk_live_`, on a route that accepts
 * keys: refuses a bad checksum with no I/O, then sets the principal (`orgId` from
 * the path) and the presented key for the handler's transaction.
 */
export async function presentApiKey(c: Context<AppEnv>, key: string, orgId: string): Promise<void> {
  if (!isWellFormedApiKey(key)) throw rejected(c, "checksum");
  const secrets = c.env.edge.config.secrets;
  const digest = await apiKeyDigest(secrets.apiKeyHashSecret, key);
  const id = await apiKeyIdOf(secrets.apiKeyHashSecret, digest);
  const principal: ApiKeyPrincipal = { kind: "api_key", id, orgId };
  c.set("principal", principal);
  c.set("apiKey", { digest, displayPrefix: apiKeyDisplayPrefix(key), lastUsedDue: false, authenticated: false });
  const throttleKey = `${SEEN_API_KEY_PREFIX}${await identifierHash(secrets.identifierHashSecret, "key", id)}`;
  deferRedisCheck(c, lastUsedCheck(c, throttleKey));
}

/** The actor of an API key principal's transaction: the presented key's digest, which the transaction authenticates. */
export function apiKeyActor(c: Context<AppEnv>): Actor {
  const presented = c.get("apiKey");
  if (presented === undefined) throw new Error("an API key principal without a presented key (stage 4 sets both)");
  return { kind: "api_key", keyDigest: presented.digest };
}

function touchLater(c: Context<AppEnv>, digest: string): void {
  const config = c.env.edge.config;
  const update = (async () => {
    const db = await createDatabase(config.database);
    await inContext(db, {}, (tx) => [tx.execute(sql`select auth.touch_api_key(${digest})`)]);
  })().catch((error: unknown) => {
    // A lost update costs a stale "last used" only: logged, not retried.
    log.warn("api_key_last_used_failed", { request_id: c.env.edge.requestId, error });
  });
  try {
    c.executionCtx.waitUntil(update);
  } catch {
    // No execution context (the app run outside a request): the update still runs, unawaited.
  }
}

/**
 * After the transaction of a request that presented a key: `error` is what it
 * failed with, if it did. A key no live row has (`RAKEY`) is logged and answered
 * 401; a key the transaction found live is marked authenticated and, once a
 * minute, its `last_used_at` is written after the response.
 */
export function settleApiKey(c: Context<AppEnv>, error?: unknown): void {
  const presented = c.get("apiKey");
  if (presented === undefined) return;
  const state = error === undefined ? undefined : sqlState(error);
  if (state === UNKNOWN_API_KEY_STATE) throw rejected(c, "unknown", { key_prefix: presented.displayPrefix });
  if (error === undefined) presented.authenticated = true;
  // A failure without a SQLSTATE (the database unreachable) says nothing of the key; any other
  // refusal (another org's path, a missing scope) came after the context statement found it live.
  else if (state === undefined) return;
  if (presented.lastUsedDue) {
    presented.lastUsedDue = false;
    touchLater(c, presented.digest);
  }
}
