/**
 * Members of an organization (`/v1/orgs/{org}/members`, `/leave`; P9, P16): list them,
 * change a role, remove one, leave. The owner role belongs to owners: only an owner
 * grants, takes, changes or removes it (the API answers 403; the RESTRICTIVE policies
 * of drizzle/0007_members_security.sql refuse it on their own), and the last owner
 * stays (app.keep_an_owner → 409 `last_owner`). Each request is one transaction: the
 * check, the change and its security event commit together or not at all.
 *
 * Removing a member revokes none of their sessions (sessions are not tied to an
 * organization); their next request to this one is a 404, like any outsider's.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { asc, eq, sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { schema } from "../../db";
import type { OrgRole } from "../../db/schema";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { inOrg } from "../../pipeline/authorize";
import { defineRoute } from "../../pipeline/route";
import { currentUser } from "../auth/auth.principal";
import { iso, logEvent, memberEvent, withEvent } from "./members.db";
import { ChangeRoleBody, LIST_CAP, Member, MemberList, MemberParams } from "./members.schemas";
import { OrgParams } from "./orgs.schemas";

const tags = ["members"];
const m = schema.memberships;
const u = schema.users;

/** A member as the functions of 0007 answer one. */
type MemberRow = {
  readonly user_id: string;
  readonly name: string;
  readonly email: string;
  readonly role: OrgRole;
  readonly joined_at: string | Date;
};

const present = (row: MemberRow) =>
  Member.parse({ user_id: row.user_id, name: row.name, email: row.email, role: row.role, joined_at: iso(row.joined_at) });

export const listMembersRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/members",
    operationId: "listMembers",
    tags,
    summary: "The organization's members",
    description:
      `Every role may list them, sorted by role (owner first) then name. An organization's people are few: ` +
      `the list is not paginated and stops at ${LIST_CAP} (then \`truncated\` is true).`,
    request: { params: OrgParams },
    responses: { 200: json("The members", MemberList) },
  },
  { auth: { principals: ["user"] }, permission: "read" },
);

export const changeRoleRoute = defineRoute(
  {
    method: "patch",
    path: "/{org}/members/{user}",
    operationId: "changeMemberRole",
    tags,
    summary: "Change a member's role",
    description:
      "Owners and admins. Only an owner grants or takes the `owner` role, so an admin cannot change an owner (403). " +
      "The last owner cannot be demoted (409 `last_owner`): transfer ownership first. A member of another organization is 404.",
    request: { params: MemberParams, ...jsonBody(ChangeRoleBody) },
    responses: { 200: json("The member, with the new role", Member) },
  },
  { auth: { principals: ["user"] }, permission: "manage", errors: ["last_owner"] },
);

export const removeMemberRoute = defineRoute(
  {
    method: "delete",
    path: "/{org}/members/{user}",
    operationId: "removeMember",
    tags,
    summary: "Remove a member",
    description:
      "Owners and admins; only an owner removes an owner, and never the last one (409 `last_owner`). " +
      "Their sessions stay (they are not tied to an organization), but their next request to this one is a 404.",
    request: { params: MemberParams },
    responses: { 204: { description: "Removed" } },
  },
  { auth: { principals: ["user"] }, permission: "manage", errors: ["last_owner"] },
);

export const leaveRoute = defineRoute(
  {
    method: "post",
    path: "/{org}/leave",
    operationId: "leaveOrganization",
    tags,
    summary: "Leave the organization",
    description: "Any member. The last owner cannot leave (409 `last_owner`): transfer ownership first.",
    request: { params: OrgParams },
    responses: { 204: { description: "You are no longer a member" } },
  },
  { auth: { principals: ["user"] }, permission: "read", errors: ["last_owner"] },
);

const listMembers: RouteHandler<typeof listMembersRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [
    tx
      .select({ user_id: m.userId, name: u.name, email: u.email, role: m.role, joined_at: m.createdAt })
      .from(m)
      .innerJoin(u, eq(u.id, m.userId))
      .where(eq(m.orgId, org))
      // The enum's order is the role table's: owner, admin, member, auditor, viewer.
      .orderBy(asc(m.role), asc(u.name), asc(m.userId))
      .limit(LIST_CAP + 1),
  ]);
  return c.json({ data: rows.slice(0, LIST_CAP).map(present), truncated: rows.length > LIST_CAP }, 200);
};

const changeRole: RouteHandler<typeof changeRoleRoute, AppEnv> = async (c) => {
  const { org, user } = c.req.valid("param");
  const { role } = c.req.valid("json");
  const event = await memberEvent(c, "member_role_changed", org, { member_id: user, role });
  const {
    results: [changed],
  } = await inOrg(c, (tx) => [
    tx.execute<MemberRow & { previous_role: OrgRole }>(
      withEvent(
        event,
        sql`select * from app.change_member_role(${user}::uuid, ${role}::public.org_role)`,
        // Setting the role a member already has changes nothing, and records nothing.
        { extra: sql`jsonb_build_object('previous_role', done.previous_role)`, when: sql`done.previous_role <> done.role` },
      ),
    ),
  ]);
  const row = changed.rows[0];
  if (row === undefined) throw new AppError("not_found");
  if (row.previous_role !== row.role) logEvent(event, { previous_role: row.previous_role });
  return c.json(present(row), 200);
};

const removeMember: RouteHandler<typeof removeMemberRoute, AppEnv> = async (c) => {
  const { org, user } = c.req.valid("param");
  const event = await memberEvent(c, "member_removed", org, { member_id: user });
  const {
    results: [removed],
  } = await inOrg(c, (tx) => [
    tx.execute<{ user_id: string; role: OrgRole }>(
      withEvent(event, sql`select * from app.remove_member(${user}::uuid)`, { extra: sql`jsonb_build_object('role', done.role)` }),
    ),
  ]);
  const row = removed.rows[0];
  if (row === undefined) throw new AppError("not_found");
  logEvent(event, { role: row.role });
  return c.body(null, 204);
};

const leave: RouteHandler<typeof leaveRoute, AppEnv> = async (c) => {
  const me = currentUser(c);
  const { org } = c.req.valid("param");
  const event = await memberEvent(c, "member_left", org, {});
  const {
    results: [left],
  } = await inOrg(c, (tx) => [
    tx.execute<{ role: OrgRole }>(
      withEvent(event, sql`delete from public.memberships where org_id = ${org} and user_id = ${me.id} returning role`, {
        extra: sql`jsonb_build_object('role', done.role)`,
      }),
    ),
  ]);
  const row = left.rows[0];
  if (row === undefined) throw new AppError("not_found");
  logEvent(event, { role: row.role });
  return c.body(null, 204);
};

/** Registers the members routes. */
export function registerMembers(router: OpenAPIHono<AppEnv>): void {
  router.openapi(listMembersRoute, listMembers);
  router.openapi(changeRoleRoute, changeRole);
  router.openapi(removeMemberRoute, removeMember);
  router.openapi(leaveRoute, leave);
}
