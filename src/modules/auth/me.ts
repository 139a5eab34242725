/** GET /v1/auth/me: the signed-in user, their organizations and roles, and the session's assurance level. */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createDatabase, inContext } from "../../db";
import { json } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { authSql, first } from "./auth.db";
import { currentUser } from "./auth.principal";
import { Me } from "./auth.schemas";

export const meRoute = defineRoute(
  {
    method: "get",
    path: "/me",
    operationId: "getMe",
    tags: ["auth"],
    summary: "The signed-in user",
    responses: { 200: json("You", Me) },
  },
  { auth: { principals: ["user"] } },
);

const me: RouteHandler<typeof meRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const [result] = await inContext(await createDatabase(c.env.edge.config.database), { actor: { kind: "user", userId: user.id } }, (tx) => [
    authSql.me(tx),
  ]);
  const row = first(result);
  if (row === undefined) throw new Error("auth.me found no user for a valid session");
  return c.json(
    {
      id: row.id,
      email: row.email,
      name: row.name,
      email_verified: row.email_verified,
      mfa_enabled: row.totp_enabled,
      super_admin: row.is_super_admin,
      aal: user.aal,
      amr: [...user.amr],
      memberships: row.memberships,
    },
    200,
  );
};

/** Registers GET /me. */
export function registerMe(router: OpenAPIHono<AppEnv>): void {
  router.openapi(meRoute, me);
}
