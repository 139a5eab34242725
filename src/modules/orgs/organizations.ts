/**
 * Organizations (`/v1/orgs`): create (the caller becomes its owner), read, change
 * settings, delete. Each is one transaction, one round trip; the organization
 * routes' check (`inOrg`, stage 6) is its first statement and the security event
 * of a change its last, so a refused or failed change leaves nothing behind.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { createDatabase, inContext, schema } from "../../db";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { inOrg } from "../../pipeline/authorize";
import { defineRoute } from "../../pipeline/route";
import { currentUser } from "../auth/auth.principal";
import { prepareOrgEvent } from "./orgs.events";
import { CreateOrgBody, DeleteOrgQuery, Organization, OrgParams, UpdateOrgBody } from "./orgs.schemas";
import { purgeOrganization } from "../files/files.purge";

const tags = ["organizations"];
const o = schema.organizations;
const COLUMNS = {
  id: o.id,
  name: o.name,
  plan: o.plan,
  requireMfa: o.requireMfa,
  deadlineRegimes: o.deadlineRegimes,
  createdAt: o.createdAt,
  updatedAt: o.updatedAt,
};

interface OrgRow {
  readonly id: string;
  readonly name: string;
  readonly plan: string;
  readonly requireMfa: boolean;
  readonly deadlineRegimes: readonly string[];
  readonly createdAt: string | Date;
  readonly updatedAt: string | Date;
}

const iso = (value: string | Date): string => new Date(value).toISOString();

function present(row: OrgRow, role: string | null) {
  return Organization.parse({
    id: row.id,
    name: row.name,
    plan: row.plan,
    require_mfa: row.requireMfa,
    deadline_regimes: row.deadlineRegimes,
    role,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  });
}

/** A Postgres array literal of validated enum values (no quoting needed: they are plain words). */
const textArray = (values: readonly string[]): string => `{${values.join(",")}}`;

export const createOrgRoute = defineRoute(
  {
    method: "post",
    path: "/",
    operationId: "createOrganization",
    tags,
    summary: "Create an organization",
    description:
      "You become its owner. Enabling `require_mfa` needs a session verified with a second factor (you would lock yourself out).",
    request: jsonBody(CreateOrgBody),
    responses: { 201: json("Created", Organization) },
  },
  { auth: { principals: ["user"] }, errors: ["mfa_required"] },
);

export const getOrgRoute = defineRoute(
  {
    method: "get",
    path: "/{org}",
    operationId: "getOrganization",
    tags,
    summary: "One organization you belong to",
    request: { params: OrgParams },
    responses: { 200: json("The organization", Organization) },
  },
  { auth: { principals: ["user", "api_key"] }, permission: "read" },
);

export const updateOrgRoute = defineRoute(
  {
    method: "patch",
    path: "/{org}",
    operationId: "updateOrganization",
    tags,
    summary: "Change its settings",
    description: "Owners and admins. Turning `require_mfa` on needs your own session at `aal2`.",
    request: { params: OrgParams, ...jsonBody(UpdateOrgBody) },
    responses: { 200: json("The organization, changed", Organization) },
  },
  { auth: { principals: ["user"] }, permission: "manage" },
);

export const deleteOrgRoute = defineRoute(
  {
    method: "delete",
    path: "/{org}",
    operationId: "deleteOrganization",
    tags,
    summary: "Delete it, with everything in it",
    description:
      "The owner only, with a session at `aal2`, confirming with the organization's exact name in `?confirm=` (a DELETE carries no body). Its audit log stays.",
    request: { params: OrgParams, query: DeleteOrgQuery },
    responses: { 204: { description: "Deleted" } },
  },
  { auth: { principals: ["user"], aal: "aal2" }, permission: "own", errors: ["confirmation_mismatch"] },
);

const createOrg: RouteHandler<typeof createOrgRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const body = c.req.valid("json");
  if (body.require_mfa && user.aal !== "aal2") throw new AppError("mfa_required");
  const orgId = crypto.randomUUID();
  const event = await prepareOrgEvent(c, "org_created", { orgId });
  const db = await createDatabase(c.env.edge.config.database);
  // The new id is the request's org: the event after the creation lands in it.
  const [created] = await inContext(db, { orgId, actor: { kind: "user", userId: user.id } }, (tx) => [
    tx.execute<{
      id: string;
      name: string;
      plan: string;
      require_mfa: boolean;
      deadline_regimes: string[];
      created_at: string;
      updated_at: string;
    }>(
      sql`select * from app.create_organization(${orgId}, ${body.name}, ${body.require_mfa}, ${textArray(body.deadline_regimes)}::text[])`,
    ),
    event.insert(tx),
  ]);
  const row = created.rows[0];
  if (row === undefined) throw new Error("app.create_organization returned no row");
  event.log();
  const org = {
    id: row.id,
    name: row.name,
    plan: row.plan,
    requireMfa: row.require_mfa,
    deadlineRegimes: row.deadline_regimes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  return c.json(present(org, "owner"), 201, { Location: `/v1/orgs/${row.id}` });
};

const getOrg: RouteHandler<typeof getOrgRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    role,
    results: [rows],
  } = await inOrg(c, (tx) => [tx.select(COLUMNS).from(o).where(eq(o.id, org))]);
  const row = rows[0];
  if (row === undefined) throw new AppError("not_found");
  return c.json(present(row, role), 200);
};

const updateOrg: RouteHandler<typeof updateOrgRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const { org } = c.req.valid("param");
  const body = c.req.valid("json");
  if (body.require_mfa === true && user.aal !== "aal2") throw new AppError("mfa_required");
  const changes = {
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.require_mfa !== undefined ? { requireMfa: body.require_mfa } : {}),
    ...(body.deadline_regimes !== undefined ? { deadlineRegimes: body.deadline_regimes } : {}),
  };
  const fields = Object.keys(body).filter((key) => body[key as keyof typeof body] !== undefined);
  const event = await prepareOrgEvent(c, "org_settings_changed", {
    orgId: org,
    details: { fields, ...(body.require_mfa !== undefined ? { require_mfa: body.require_mfa } : {}) },
  });
  const {
    role,
    results: [rows],
  } = await inOrg(c, (tx) => [
    tx
      .update(o)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(o.id, org))
      .returning(COLUMNS),
    event.insert(tx),
  ]);
  const row = rows[0];
  if (row === undefined) throw new AppError("not_found");
  event.log();
  return c.json(present(row, role), 200);
};

const deleteOrg: RouteHandler<typeof deleteOrgRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const { confirm } = c.req.valid("query");
  // Stored without the org (its rows go with it); written only if the deletion commits.
  const event = await prepareOrgEvent(c, "org_deleted", { orgId: null, details: { org } });
  const values = event.values;
  // One statement: the event is written only by a deletion that happened (a mismatched name deletes nothing).
  const {
    results: [deleted],
  } = await inOrg(c, (tx) => [
    tx.execute<{ id: string }>(sql`
      with gone as (delete from public.organizations where id = ${org} and name = ${confirm.trim()} returning id),
      logged as (
        insert into public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
        select null, ${values.type}, ${values.severity}, ${values.actorUserId}, ${values.requestId}, ${values.ipHash}, ${JSON.stringify(values.details)}::jsonb
        from gone
      )
      select id from gone`),
  ]);
  if (deleted.rows.length === 0) throw new AppError("confirmation_mismatch");
  event.log();
  // Its evidence files' objects (everything under its R2 prefix, P12), after the commit and the response.
  c.executionCtx.waitUntil(purgeOrganization(c.env.EVIDENCE, org, c.env.edge.requestId));
  return c.body(null, 204);
};
/** Registers the organization routes. */
export function registerOrganizations(router: OpenAPIHono<AppEnv>): void {
  router.openapi(createOrgRoute, createOrg);
  router.openapi(getOrgRoute, getOrg);
  router.openapi(updateOrgRoute, updateOrg);
  router.openapi(deleteOrgRoute, deleteOrg);
}
