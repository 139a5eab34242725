/**
 * Ownership transfer (`POST /v1/orgs/{org}/transfer-ownership`; P7, P9, P16): an owner,
 * with a session verified by a second factor, hands the organization to another
 * member, who becomes owner while the caller becomes admin, in one transaction
 * (app.transfer_ownership: the new owner first, so the organization is never without one).
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import type { OrgRole } from "../../db/schema";
import { AppError } from "../../http/errors";
import { jsonBody } from "../../http/schemas";
import { inOrg } from "../../pipeline/authorize";
import { defineRoute } from "../../pipeline/route";
import { logEvent, memberEvent, withEvent } from "./members.db";
import { TransferBody } from "./members.schemas";
import { OrgParams } from "./orgs.schemas";

export const transferOwnershipRoute = defineRoute(
  {
    method: "post",
    path: "/{org}/transfer-ownership",
    operationId: "transferOwnership",
    tags: ["members"],
    summary: "Hand the organization to another member",
    description:
      "The owner only, with a session at `aal2`. The member named becomes owner and you become admin, together. " +
      "Someone who is not another member of this organization is 422 `invalid_reference`.",
    request: { params: OrgParams, ...jsonBody(TransferBody) },
    responses: { 204: { description: "Transferred: you are now an admin" } },
  },
  { auth: { principals: ["user"], aal: "aal2" }, permission: "own", errors: ["invalid_reference"] },
);

const transferOwnership: RouteHandler<typeof transferOwnershipRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const { user } = c.req.valid("json");
  const event = await memberEvent(c, "ownership_transferred", org, { member_id: user });
  const {
    results: [transferred],
  } = await inOrg(c, (tx) => [
    tx.execute<{ user_id: string; previous_role: OrgRole }>(
      withEvent(event, sql`select * from app.transfer_ownership(${user}::uuid)`, {
        extra: sql`jsonb_build_object('previous_role', done.previous_role)`,
      }),
    ),
  ]);
  const row = transferred.rows[0];
  if (row === undefined) throw new AppError("not_found");
  logEvent(event, { previous_role: row.previous_role });
  return c.body(null, 204);
};

/** Registers the ownership route. */
export function registerOwnership(router: OpenAPIHono<AppEnv>): void {
  router.openapi(transferOwnershipRoute, transferOwnership);
}
