/**
 * The record ids of a link route's path. A malformed id names no record: 404 before any
 * query, like an unknown id and another organization's (the records module's rule).
 */
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";
import { OrgParams } from "../orgs/orgs.schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ID_EXAMPLE = "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b";

/** A record id in the path, as a string: a malformed one is answered 404 by {@link pathIds}, not 422. */
export const pathId = (name: string, example: string = ID_EXAMPLE) =>
  z
    .string()
    .max(64)
    .openapi({ param: { name, in: "path" }, format: "uuid", example });

/** `{org}` and one record id. */
export const OneRecordParams = OrgParams.extend({ id: pathId("id") });

/** `{org}`, a record id and a second one named `name`. */
export const twoRecordParams = (name: string) =>
  OrgParams.extend({ id: pathId("id"), [name]: pathId(name, "9a8b1c2d-3e4f-4a6b-8f1e-9c2a7b4d4e6f") });

/** A path id, lower-cased; malformed: 404. */
function idOf(value: string | undefined): string {
  if (value === undefined || !UUID.test(value)) throw new AppError("not_found");
  return value.toLowerCase();
}

/**
 * The organization and the named record ids of the path, validated (zod ran first:
 * strings of at most 64 characters). The routes are built from declarations, so the
 * parameter names are data here (`risk_id`, `evidence_id`, `control_id`).
 */
export function pathIds(c: Context<AppEnv>, names: readonly string[]): { org: string; ids: string[] } {
  const params = (c.req.valid as (target: "param") => Readonly<Record<string, string | undefined>>)("param");
  const org = params.org;
  if (org === undefined) throw new Error("links: a route without {org}");
  return { org, ids: names.map((name) => idOf(params[name])) };
}
