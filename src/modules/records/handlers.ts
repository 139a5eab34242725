/**
 * The handlers of a resource's five routes. Each is ONE transaction in ONE round trip
 * (`inOrg`): the authorization check first, then the statement; the audit entry is
 * written by the table's trigger in the same transaction, so a refused or failed request
 * leaves nothing behind. Database refusals become problems in stage 8 (a CHECK 422
 * `constraint_violated`, an owner who is not a member 422 `invalid_reference`, a
 * duplicate 409 `already_exists`).
 */
import type { Context } from "hono";
import { countDeletion } from "../../alerts";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import type { Resource } from "./declaration";
import type { HookWork } from "./hooks";
import { etagOf, versionsOf } from "./if-match";
import { listStatement, pageOf, type ListQuery } from "./list";
import { deleteRecord, insertRecord, present, selectRecord, updateRecord, versionOf } from "./statements";

type Body = Readonly<Record<string, unknown>>;

/**
 * The validated input of a request, by target. The routes are built from declarations at
 * load, so their zod types are not known statically; the route's validator has run (422
 * otherwise) and its output has the shape read here.
 */
const valid = (c: Context<AppEnv>, target: "param" | "query" | "json" | "header"): unknown =>
  (c.req.valid as (target: string) => unknown)(target);
const paramsOf = (c: Context<AppEnv>) => valid(c, "param") as { org: string; id?: string };
const queryOf = (c: Context<AppEnv>) => valid(c, "query") as ListQuery;
const bodyOf = (c: Context<AppEnv>) => valid(c, "json") as Body;
const ifMatchOf = (c: Context<AppEnv>) => (valid(c, "header") as { "if-match"?: string })["if-match"];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The org and record ids of the path; a malformed record id names no record (404). */
function target(c: Context<AppEnv>): { org: string; id: string } {
  const { org, id } = paramsOf(c);
  if (id === undefined || !UUID.test(id)) throw new AppError("not_found");
  return { org, id: id.toLowerCase() };
}

const urlOf = (resource: Resource, org: string, id: unknown): string => `/v1/orgs/${org}/${resource.name}/${String(id)}`;

/** A create body's columns, and the fields a create hook declared (never inserted). */
function split(body: Body, hookFields: object | undefined): { columns: Body; extras: Body } {
  if (hookFields === undefined) return { columns: body, extras: {} };
  const columns: Record<string, unknown> = {};
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) (Object.hasOwn(hookFields, key) ? extras : columns)[key] = value;
  return { columns, extras };
}

/** The handlers of one resource. */
export function handlersOf(resource: Resource) {
  const hooks = resource.spec.hooks;
  return {
    list: async (c: Context<AppEnv>) => {
      const { org } = paramsOf(c);
      const query = queryOf(c);
      const {
        results: [rows],
      } = await inOrg(c, (tx) => [listStatement(tx, resource, org, query)]);
      const { page, nextCursor } = pageOf(resource, query, rows.rows);
      return c.json({ items: page.map((row) => present(resource, row)), next_cursor: nextCursor }, 200);
    },

    create: async (c: Context<AppEnv>) => {
      const { org } = paramsOf(c);
      const { columns, extras } = split(bodyOf(c), hooks?.create?.fields);
      // A create hook's statements follow the insert in the same transaction and need the record's id (./hooks.ts).
      const id = hooks?.create === undefined ? undefined : crypto.randomUUID();
      let work: HookWork<Readonly<Record<string, unknown>>> | undefined;
      const {
        results: [inserted, ...hooked],
      } = await inOrg(c, (tx) => {
        work = id === undefined ? undefined : hooks?.create?.work(c, tx, { org, id }, extras);
        return [insertRecord(tx, resource, org, columns, id), ...(work?.statements ?? [])];
      });
      const row = inserted.rows[0];
      if (row === undefined) throw new Error(`records: insert into ${resource.name} returned no row`);
      const added = work === undefined ? {} : await work.settle(hooked);
      return c.json({ ...present(resource, row), ...added }, 201, { Location: urlOf(resource, org, row.id), ETag: etagOf(row.version) });
    },

    get: async (c: Context<AppEnv>) => {
      const { org, id } = target(c);
      const {
        results: [found],
      } = await inOrg(c, (tx) => [selectRecord(tx, resource, org, id)]);
      const row = found.rows[0];
      if (row === undefined) throw new AppError("not_found");
      return c.json(present(resource, row), 200, { ETag: etagOf(row.version) });
    },

    update: async (c: Context<AppEnv>) => {
      const { org, id } = target(c);
      const body = bodyOf(c);
      const versions = versionsOf(ifMatchOf(c));
      // The version read after the update, in the same transaction, tells a stale
      // If-Match (the record exists: 412) from a record that is not there (404).
      const {
        results: [updated, current],
      } = await inOrg(c, (tx) => [updateRecord(tx, resource, org, id, body, versions), versionOf(tx, resource, org, id)]);
      const row = updated.rows[0];
      if (row === undefined) throw new AppError(current.rows.length > 0 ? "precondition_failed" : "not_found");
      return c.json(present(resource, row), 200, { ETag: etagOf(row.version) });
    },

    delete: async (c: Context<AppEnv>) => {
      const { org, id } = target(c);
      // A delete hook's statements run first, in the same transaction (they read what the delete removes).
      let work: HookWork<void> | undefined;
      const { results } = await inOrg(c, (tx) => {
        work = hooks?.delete?.work(c, tx, { org, id });
        const deletion = deleteRecord(tx, resource, org, id);
        // Typed as the non-empty list a transaction takes: the deletion comes last.
        const [first, ...rest] = [...(work?.statements ?? []), deletion];
        return [first, ...rest];
      });
      const deleted = results.at(-1) as { rows: readonly unknown[] } | undefined;
      if (deleted === undefined || deleted.rows.length === 0) throw new AppError("not_found");
      await work?.settle(results.slice(0, -1));
      // The mass-deletion alert counts deletions per actor, after the response (src/alerts).
      countDeletion(c, org);
      return c.body(null, 204);
    },
  };
}
