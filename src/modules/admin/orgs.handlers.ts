/**
 * Handlers of the admin organization routes. Each is ONE round trip: the context (the
 * administrator as actor) and the SECURITY DEFINER calls that check the administrator
 * again in the database, then do the work (and, for suspend/reinstate, read the result).
 */
import type { Context } from "hono";
import type { RouteHandler } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createDatabase, inContext } from "../../db";
import { decodeCursor, encodeCursor } from "../../http/cursor";
import { AppError } from "../../http/errors";
import { securityEvent } from "../../lib/security-events";
import { CLIENT_IP_HEADER, clientAddress, identifierHash } from "../../pipeline/rate-limit";
import { currentUser } from "../auth/auth.principal";
import type { AdminOrgDetail } from "./admin.schemas";
import { changeSuspension, selectOrgs, type OrgFilters, type OrgRow } from "./admin.statements";
import type { getOrgRoute, listOrgsRoute, reinstateOrgRoute, suspendOrgRoute } from "./orgs.routes";

const LIST = "admin-orgs";
const MICROSECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const Position = z.object({ at: z.string().regex(MICROSECONDS), id: z.uuid() });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Detail = z.infer<typeof AdminOrgDetail>;

/** Postgres arrays arrive parsed or, from some drivers, as their text form `{a,b}`. */
function uuidList(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, "");
  return inner === "" ? [] : inner.split(",");
}

function present(row: OrgRow): Detail {
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    billing_status: row.billing_status,
    members: Number(row.members),
    api_keys: Number(row.api_keys),
    suspended_at: row.suspended_at,
    suspension:
      row.suspended_at === null ? null : { reason: row.suspension_reason, suspended_by: row.suspended_by, suspended_at: row.suspended_at },
    created_at: row.created_at,
    last_activity_at: row.last_activity_at,
    owner_ids: uuidList(row.owner_ids),
  };
}

const one = (id: string): OrgFilters => ({ id, name: null, plan: null, suspended: null, before: undefined, fetch: 1 });

async function asAdmin(c: Context<AppEnv>) {
  const user = currentUser(c);
  return { db: await createDatabase(c.env.edge.config.database), actor: { kind: "user", userId: user.id } as const, user };
}

/** GET /v1/admin/orgs. */
export const listOrgs: RouteHandler<typeof listOrgsRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  const before = query.cursor === undefined ? undefined : decodeCursor(LIST, Position, query.cursor);
  const byId = query.q !== undefined && UUID.test(query.q);
  const { db, actor } = await asAdmin(c);
  const [page] = await inContext(db, { actor }, (tx) => [
    tx.execute<OrgRow>(
      selectOrgs({
        id: byId ? (query.q ?? null) : null,
        name: byId ? null : (query.q ?? null),
        plan: query.plan ?? null,
        suspended: query.suspended ?? null,
        before,
        fetch: query.limit + 1,
      }),
    ),
  ]);
  const rows = page.rows.slice(0, query.limit);
  const last = rows.at(-1);
  const more = page.rows.length > query.limit && last !== undefined;
  return c.json(
    {
      data: rows.map((row) => {
        const { owner_ids: _owners, ...org } = present(row);
        return org;
      }),
      next_cursor: more ? encodeCursor(LIST, { at: last.created_at, id: last.id }) : null,
    },
    200,
  );
};

/** GET /v1/admin/orgs/{org}. */
export const getOrg: RouteHandler<typeof getOrgRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const { db, actor } = await asAdmin(c);
  const [page] = await inContext(db, { actor }, (tx) => [tx.execute<OrgRow>(selectOrgs(one(org)))]);
  const row = page.rows[0];
  if (row === undefined) throw new AppError("not_found");
  return c.json(present(row), 200);
};

/** Suspends or reinstates, and reads the organization back, in one transaction. */
async function changeState(c: Context<AppEnv>, action: "suspend" | "reinstate", org: string, reason: string | null) {
  const config = c.env.edge.config;
  const { db, actor, user } = await asAdmin(c);
  const requestId = c.env.edge.requestId;
  const ipHash = await identifierHash(config.secrets.identifierHashSecret, "ip", clientAddress(c.req.header(CLIENT_IP_HEADER)));
  // An unknown organization raises RA404 in the function: 404, nothing written.
  const [changed, page] = await inContext(db, { actor }, (tx) => [
    tx.execute<{ changed: boolean }>(changeSuspension(action, org, reason, requestId, ipHash)),
    tx.execute<OrgRow>(selectOrgs(one(org))),
  ]);
  const row = page.rows[0];
  if (row === undefined) throw new AppError("not_found");
  const didChange = changed.rows[0]?.changed === true;
  if (didChange) {
    securityEvent(action === "suspend" ? "org_suspended" : "org_reinstated", { request_id: requestId, org_id: org, user_id: user.id });
  }
  return { changed: didChange, organization: present(row) };
}

/** POST /v1/admin/orgs/{org}/suspend. */
export const suspendOrg: RouteHandler<typeof suspendOrgRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const { reason } = c.req.valid("json");
  return c.json(await changeState(c, "suspend", org, reason), 200);
};

/** POST /v1/admin/orgs/{org}/reinstate. */
export const reinstateOrg: RouteHandler<typeof reinstateOrgRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  return c.json(await changeState(c, "reinstate", org, null), 200);
};
