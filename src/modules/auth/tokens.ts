/**
 * Refresh and logout (P8). A refresh token is rotated on every use; a rotated token
 * presented again revokes its whole session (a stolen token is useless once either
 * party uses it), except a retry within REFRESH_REUSE_GRACE_SECONDS (≤ 10 s) of the
 * rotation, which gets the same successor (a lost response does not log anyone out).
 * Browsers refresh with the cookie, from an allowed origin only; other clients send
 * `refresh_token` in the body. Logout revokes the current session at once.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { refreshSuccessor, TOKEN_SHAPE, tokenDigest } from "../../crypto/tokens";
import { createDatabase, inContext, schema } from "../../db";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { authSql, first } from "./auth.db";
import { recordEvent } from "./auth.events";
import { revokeNow } from "./auth.revoke";
import { RefreshBody, SessionTokens } from "./auth.schemas";
import { clearRefreshCookie, clientKind, presentedRefreshToken, sessionTokens } from "./auth.session";
import { currentUser } from "./auth.principal";

const tags = ["auth"];

export const refreshRoute = defineRoute(
  {
    method: "post",
    path: "/token/refresh",
    operationId: "refreshToken",
    tags,
    summary: "Rotate the refresh token",
    description:
      "Browsers send `{}` and the `__Host-rampart-refresh` cookie (from an allowed origin); other clients send `refresh_token`. " +
      "A new pair comes back; a rotated token used again revokes the session.",
    request: jsonBody(RefreshBody),
    responses: { 200: json("A new pair", SessionTokens) },
  },
  { auth: "public", rateLimit: "token", errors: ["invalid_refresh_token", "origin_not_allowed"] },
);

export const logoutRoute = defineRoute(
  {
    method: "post",
    path: "/logout",
    operationId: "logout",
    tags,
    summary: "Sign out",
    description: "Revokes the current session: its access tokens stop working on the next request.",
    responses: { 204: { description: "Signed out" } },
  },
  { auth: { principals: ["user"] } },
);

const refresh: RouteHandler<typeof refreshRoute, AppEnv> = async (c) => {
  const kind = clientKind(c);
  const config = c.env.edge.config;
  const token = presentedRefreshToken(c, kind, c.req.valid("json").refresh_token);
  const refuse = (): AppError => {
    if (kind === "browser") clearRefreshCookie(c);
    return new AppError("invalid_refresh_token");
  };
  if (token === undefined || !TOKEN_SHAPE.test(token)) throw refuse();
  const secret = config.secrets.tokenHashSecret;
  const successor = await refreshSuccessor(secret, token);
  const [digest, nextDigest] = await Promise.all([tokenDigest(secret, "refresh", token), tokenDigest(secret, "refresh", successor)]);
  const { reuseGraceSeconds, idleSeconds } = config.identity.sessions;
  const [result] = await inContext(await createDatabase(config.database), {}, (tx) => [
    authSql.refreshSession(tx, digest, nextDigest, reuseGraceSeconds, idleSeconds),
  ]);
  const row = first(result);
  if (row?.outcome === "reused" && row.session_id !== null) {
    await revokeNow(c, row.user_id ?? undefined, [row.session_id]);
    recordEvent(c, "refresh_token_reused", { userId: row.user_id ?? undefined, details: { session_id: row.session_id } });
    throw refuse();
  }
  if ((row?.outcome !== "rotated" && row?.outcome !== "retried") || row.session_id === null || row.user_id === null) throw refuse();
  const claims = {
    userId: row.user_id,
    sessionId: row.session_id,
    aal: row.aal ?? "aal1",
    amr: row.amr ?? ["pwd"],
    superAdmin: row.is_super_admin === true,
  } as const;
  return c.json(await sessionTokens(c, kind, claims, successor), 200);
};

const logout: RouteHandler<typeof logoutRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const config = c.env.edge.config;
  const sessions = schema.sessions;
  await inContext(await createDatabase(config.database), { actor: { kind: "user", userId: user.id } }, (tx) => [
    tx
      .update(sessions)
      .set({ revokedAt: new Date(), revokedReason: "logout" })
      .where(and(eq(sessions.id, user.sessionId), isNull(sessions.revokedAt))),
  ]);
  await revokeNow(c, user.id, [user.sessionId]);
  recordEvent(c, "session_revoked", { userId: user.id, details: { reason: "logout", session_id: user.sessionId } });
  const origin = c.req.header("origin");
  if (origin !== undefined && config.identity.corsOrigins.includes(origin)) clearRefreshCookie(c);
  return c.body(null, 204);
};

/** Registers the token routes. */
export function registerTokens(router: OpenAPIHono<AppEnv>): void {
  router.openapi(refreshRoute, refresh);
  router.openapi(logoutRoute, logout);
}
