/**
 * Stage 4 (P7, P8): who is calling. A route that is not public reads
 * `Authorization: Bearer <token>`, verifies the access JWT in the isolate (no I/O:
 * keys imported once, src/crypto/jwt.ts), enforces the declared assurance level
 * and super-administrator flag, and puts the principal on the request. Whether the
 * session was revoked is NOT asked here: the read is deferred into stage 5's one
 * Upstash pipeline, with the rate limits, so an authenticated request costs 0
 * database and at most 1 Redis round trip before its handler. If Redis cannot
 * answer, the request fails closed (503 `auth_unavailable`).
 *
 * API keys (`rk_live_…`, README "API keys") are accepted only by routes that
 * declare `principals: [..., "api_key"]` (organization routes: the key is
 * authenticated by the handler's transaction, see ./api-key.ts); elsewhere a key is
 * refused like any invalid token.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv, RedisCheck } from "../../context";
import { verifyAccessToken, type AccessClaims } from "../../crypto/jwt";
import { createDatabase, inContext, schema } from "../../db";
import { AppError } from "../../http/errors";
import { log } from "../../lib/log";
import { eq } from "drizzle-orm";
import { ORG_PARAM } from "../authorize";
import { deferRedisCheck } from "../rate-limit";
import { API_KEY_PREFIX } from "../../crypto/api-keys";
import { invalidToken, presentApiKey } from "./api-key";
import { needsAal2, type AuthRequirement } from "./requirement";
import { LAST_SEEN_INTERVAL_SECONDS, REVOKED_SESSION_PREFIX, SEEN_SESSION_PREFIX } from "./revocation";

/** Seconds a client is asked to wait after 503 `auth_unavailable`. */
const UNAVAILABLE_RETRY_AFTER = "5";

const BEARER = /^Bearer +([^\s]+) *$/i;

/** The revocation read: refuse the request if the session was revoked; fail closed if Redis did not answer. */
function revocationCheck(sessionId: string): RedisCheck {
  return {
    name: "session_revocation",
    add: (pipeline) => pipeline.exists(`${REVOKED_SESSION_PREFIX}${sessionId}`),
    decide: (outcome) => {
      if (!outcome.ok)
        throw new AppError("auth_unavailable", { headers: { "Retry-After": UNAVAILABLE_RETRY_AFTER }, cause: outcome.error });
      if (outcome.result !== 0) throw invalidToken();
    },
  };
}

/**
 * The once-a-minute "last seen" throttle: SET NX with a one-minute expiry rides in
 * the same pipeline; only the request that set it writes `last_seen_at`, after the
 * response. Losing one update (Redis or the database failing) costs nothing but a
 * stale "last seen", so a failure is logged and not retried.
 */
function lastSeenCheck(c: Context<AppEnv>, claims: AccessClaims): RedisCheck {
  return {
    name: "session_last_seen",
    add: (pipeline) => pipeline.set(`${SEEN_SESSION_PREFIX}${claims.sessionId}`, 1, { nx: true, ex: LAST_SEEN_INTERVAL_SECONDS }),
    decide: (outcome) => {
      if (!outcome.ok || outcome.result !== "OK") return;
      const config = c.env.edge.config;
      const update = (async () => {
        const db = await createDatabase(config.database);
        await inContext(db, { actor: { kind: "user", userId: claims.userId } }, (tx) => [
          tx.update(schema.sessions).set({ lastSeenAt: new Date() }).where(eq(schema.sessions.id, claims.sessionId)),
        ]);
      })().catch((error: unknown) => {
        log.warn("session_last_seen_failed", { request_id: c.env.edge.requestId, error });
      });
      try {
        c.executionCtx.waitUntil(update);
      } catch {
        // No execution context (the app run outside a request): the update still runs, unawaited.
      }
    },
  };
}

/** Options of {@link authenticate}. */
export interface AuthenticateOptions {
  /**
   * The route works in the organization named by its `{org}` path parameter: the
   * principal carries that id (rate-limit keys and stage 6 use it, P12).
   */
  readonly orgScoped?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The organization id of the path; a malformed one names no organization (404, before any I/O). */
function orgOfPath(c: Context<AppEnv>): string {
  const id = c.req.param(ORG_PARAM);
  if (id === undefined || !UUID.test(id)) throw new AppError("not_found");
  return id.toLowerCase();
}

/**
 * The stage for one route's requirement (never for public routes).
 *
 * @example
 * ```ts
 * authenticate({ principals: ["user"], aal: "aal2" }); // defineRoute adds it from `auth`
 * ```
 */
export function authenticate(
  requirement: Exclude<AuthRequirement, "public">,
  options: AuthenticateOptions = {},
): MiddlewareHandler<AppEnv> {
  const acceptsUser = requirement.principals.includes("user");
  const acceptsApiKey = requirement.principals.includes("api_key");
  const orgScoped = options.orgScoped === true;
  const aal2 = needsAal2(requirement);
  // A key is authenticated by the organization transaction (`inOrg`) and has no second
  // factor: a route that could take one anywhere else would take any well-formed key.
  if (acceptsApiKey && (!orgScoped || aal2)) {
    throw new Error("authenticate: a route that accepts API keys must be an organization route (a permission) without aal2");
  }
  return async function authenticate(c, next) {
    const header = c.req.header("authorization");
    // No credentials, or another scheme (Basic, …): RFC 6750 §3.1 answers without an error code.
    if (header === undefined || !/^Bearer(?: |$)/i.test(header)) {
      throw new AppError("authentication_required", { headers: { "WWW-Authenticate": 'Bearer realm="rampart"' } });
    }
    const token = BEARER.exec(header)?.[1];
    if (token === undefined) throw invalidToken();
    if (token.startsWith(API_KEY_PREFIX)) {
      // Routes for people only (sessions, members, keys, settings) refuse a key like any invalid token.
      if (!acceptsApiKey) throw invalidToken();
      await presentApiKey(c, token, orgOfPath(c));
      await next();
      return;
    }
    if (!acceptsUser) throw invalidToken();
    const verdict = await verifyAccessToken(c.env.edge.config, token);
    if (!verdict.ok) throw invalidToken();
    const claims = verdict.value;
    if (requirement.superAdmin === true && !claims.superAdmin) throw new AppError("forbidden");
    if (aal2 && claims.aal !== "aal2") throw new AppError("mfa_required");
    c.set("principal", {
      kind: "user",
      id: claims.userId,
      sessionId: claims.sessionId,
      aal: claims.aal,
      amr: claims.amr,
      superAdmin: claims.superAdmin,
      ...(orgScoped ? { orgId: orgOfPath(c) } : {}),
    });
    deferRedisCheck(c, revocationCheck(claims.sessionId));
    deferRedisCheck(c, lastSeenCheck(c, claims));
    await next();
  };
}
