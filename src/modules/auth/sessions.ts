/**
 * The signed-in user's sessions (P8): listed with what they were opened from, and
 * revocable one by one, at once (the revoked session's access tokens fail on their
 * next request). Row security limits both to the user's own sessions, so another
 * user's session id answers 404 like an unknown one.
 */
import { z, type OpenAPIHono, type RouteHandler } from "@hono/zod-openapi";
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { createDatabase, inContext, schema } from "../../db";
import { AppError } from "../../http/errors";
import { json } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { recordEvent } from "./auth.events";
import { revokeNow } from "./auth.revoke";
import { currentUser } from "./auth.principal";
import { SessionList, SessionParams } from "./auth.schemas";

const tags = ["auth"];
const iso = (value: string | Date): string => new Date(value).toISOString();

export const listSessionsRoute = defineRoute(
  {
    method: "get",
    path: "/sessions",
    operationId: "listSessions",
    tags,
    summary: "Your active sessions",
    description: "Newest first: created, last seen (updated at most once a minute), network, browser, and which one is this.",
    responses: { 200: json("Sessions", SessionList) },
  },
  { auth: { principals: ["user"] } },
);

export const revokeSessionRoute = defineRoute(
  {
    method: "delete",
    path: "/sessions/{id}",
    operationId: "revokeSession",
    tags,
    summary: "Revoke one session now",
    request: { params: SessionParams },
    responses: { 204: { description: "Revoked" } },
  },
  { auth: { principals: ["user"] }, errors: ["not_found"] },
);

const listSessions: RouteHandler<typeof listSessionsRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const s = schema.sessions;
  const now = new Date();
  const [rows] = await inContext(await createDatabase(c.env.edge.config.database), { actor: { kind: "user", userId: user.id } }, (tx) => [
    tx
      .select({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        aal: s.aal,
        ipPrefix: s.ipPrefix,
        userAgent: s.userAgent,
      })
      .from(s)
      .where(and(eq(s.userId, user.id), isNull(s.revokedAt), gt(s.expiresAt, now), gt(s.absoluteExpiresAt, now)))
      .orderBy(desc(s.createdAt))
      .limit(200),
  ]);
  const data = rows.map((row) => ({
    id: row.id,
    created_at: iso(row.createdAt),
    last_seen_at: iso(row.lastSeenAt),
    expires_at: iso(row.expiresAt),
    aal: z.enum(["aal1", "aal2"]).catch("aal1").parse(row.aal),
    ip: row.ipPrefix,
    user_agent: row.userAgent,
    current: row.id === user.sessionId,
  }));
  return c.json({ data }, 200);
};

const revokeSession: RouteHandler<typeof revokeSessionRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const { id } = c.req.valid("param");
  const config = c.env.edge.config;
  const s = schema.sessions;
  const [revoked] = await inContext(await createDatabase(config.database), { actor: { kind: "user", userId: user.id } }, (tx) => [
    tx
      .update(s)
      .set({ revokedAt: new Date(), revokedReason: "user" })
      .where(and(eq(s.id, id), isNull(s.revokedAt)))
      .returning({ id: s.id }),
  ]);
  if (revoked.length === 0) throw new AppError("not_found");
  await revokeNow(c, user.id, [id]);
  recordEvent(c, "session_revoked", { userId: user.id, details: { reason: "user", session_id: id } });
  return c.body(null, 204);
};

/** Registers the sessions routes. */
export function registerSessions(router: OpenAPIHono<AppEnv>): void {
  router.openapi(listSessionsRoute, listSessions);
  router.openapi(revokeSessionRoute, revokeSession);
}
