/**
 * Every call to a platform administration route is a security event with the
 * administrator's id (P9, P16). `defineRoute` puts this stage in front of stage 4 on
 * EVERY route declared `superAdmin: true`, whoever wrote it, so no admin route can be
 * added without it. After the route answered (the pipeline's and the handler's failures
 * included: Hono turns them into the response before this frame resumes), it records,
 * after the response (`waitUntil`):
 * - `admin_action` for a caller stage 4 admitted as a super administrator at aal2:
 *   method, route pattern, status, the organization the path names; one stored row per
 *   call (only super administrators get here, under the route's rate limits);
 * - `admin_access_refused` for a genuine signed-in user refused there (forbidden,
 *   mfa_required, invalid_token for a revoked session, rate_limited), bounded to one row
 *   per (user, code) and window (./refused.ts).
 * Anonymous requests and credentials that do not verify record nothing: anyone can send
 * them. Never a token, a body or a raw address. Body-stage refusals (413, 415, 400) come
 * before this stage and record nothing either: no authentication decision was made.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../../context";
import { API_KEY_PREFIX } from "../../crypto/api-keys";
import { verifyAccessToken } from "../../crypto/jwt";
import { createDatabase, inContext, schema } from "../../db";
import { sqlState } from "../../db/errors";
import { AppError } from "../../http/errors";
import { log } from "../../lib/log";
import { SECURITY_EVENTS, securityEvent } from "../../lib/security-events";
import { CLIENT_IP_HEADER, clientAddress, identifierHash } from "../rate-limit";
import { ADMIN_REFUSAL_CODES, storeAdminRefusal, type AdminRefusalCode } from "./refused";

const BEARER = /^Bearer +([^\s]+) *$/i;
const METHOD = /^[A-Z]{1,16}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REFUSALS: ReadonlySet<string> = new Set(ADMIN_REFUSAL_CODES);

/** The refusal the route answered with, when it is one recorded. RA403: `app.require_super_admin` did not confirm the claim. */
function refusalOf(error: Error | undefined): AdminRefusalCode | undefined {
  if (error === undefined) return undefined;
  if (error instanceof AppError) return REFUSALS.has(error.code) ? (error.code as AdminRefusalCode) : undefined;
  return sqlState(error) === "RA403" ? "forbidden" : undefined;
}

/** The user refused before stage 4 set a principal (no `adm` claim, aal1): the bearer token, verified now, in the isolate. */
async function refusedUser(c: Context<AppEnv>): Promise<string | undefined> {
  const principal = c.get("principal");
  if (principal !== undefined) return principal.kind === "user" ? principal.id : undefined;
  const token = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
  if (token === undefined || token.startsWith(API_KEY_PREFIX)) return undefined;
  const verdict = await verifyAccessToken(c.env.edge.config, token);
  return verdict.ok ? verdict.value.userId : undefined;
}

function afterResponse(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (the app run outside a request): the work runs unawaited; it handles its own failures.
  }
}

/** Stores the `admin_action` of a super administrator's call. */
async function storeAdminAction(c: Context<AppEnv>, userId: string, method: string, route: string, status: number): Promise<void> {
  const config = c.env.edge.config;
  const requestId = c.env.edge.requestId;
  const org = c.req.param("org");
  const details = { method, route, status, ...(org !== undefined && UUID.test(org) ? { target_org_id: org.toLowerCase() } : {}) };
  const ipHash = await identifierHash(config.secrets.identifierHashSecret, "ip", clientAddress(c.req.header(CLIENT_IP_HEADER)));
  const db = await createDatabase(config.database);
  await inContext(db, { actor: { kind: "user", userId } }, (tx) => [
    tx.insert(schema.securityEvents).values({
      type: "admin_action",
      severity: SECURITY_EVENTS.admin_action.severity,
      actorUserId: userId,
      requestId,
      ipHash,
      details,
    }),
  ]);
  securityEvent("admin_action", { request_id: requestId, user_id: userId, ...details });
}

/**
 * The stage (defineRoute adds it to every `superAdmin: true` route, before stage 4).
 *
 * @example
 * ```ts
 * defineRoute(route, { auth: { principals: ["user"], superAdmin: true } }); // adds adminAudit()
 * ```
 */
export function adminAudit(): MiddlewareHandler<AppEnv> {
  return async function adminAudit(c, next) {
    await next();
    const status = c.res.status;
    const code = refusalOf(c.error);
    const method = METHOD.test(c.req.method) ? c.req.method : "OTHER";
    const route = routePath(c, -1);
    const requestId = c.env.edge.requestId;
    const principal = c.get("principal");
    const work = (async () => {
      if (code !== undefined) {
        const userId = await refusedUser(c);
        if (userId === undefined) return;
        await storeAdminRefusal(c.env.edge.config, { userId, code, requestId, method, route }, c.req.header(CLIENT_IP_HEADER));
        return;
      }
      if (principal?.kind !== "user" || !principal.superAdmin) return;
      await storeAdminAction(c, principal.id, method, route, status);
    })().catch((failure: unknown) => {
      log.warn("admin_event_not_stored", { request_id: requestId, route, status, error: failure });
    });
    afterResponse(c, work);
  };
}
