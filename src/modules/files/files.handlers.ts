/**
 * Handlers of the evidence-file routes of an organization. Each is ONE transaction in ONE
 * round trip (`inOrg`: the route's check, then the statements); a version's removal is
 * followed, after the commit, by its object's (files.purge.ts).
 */
import type { RouteHandler } from "@hono/zod-openapi";
import { isAllowedMediaType } from "../../config/evidence";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import { downloadUrlOf, uploadInstructions } from "./files.issue";
import { removeObjects } from "./files.purge";
import type { createFileRoute, deleteFileRoute, downloadUrlRoute, listFilesRoute } from "./files.routes";
import {
  availableVersion,
  checkLimits,
  deleteVersion,
  insertVersion,
  listVersions,
  presentFile,
  RECORD_KEY,
  recordExists,
} from "./files.statements";

/** Whether `error` is the database refusing a write by the foreign key `constraint`. */
function violates(error: unknown, constraint: string): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const fields = current as { code?: unknown; constraint?: unknown };
    if (fields.code === "23503" && fields.constraint === constraint) return true;
  }
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed id names nothing: 404 before any query, like an unknown one. */
export function idOf(value: string): string {
  if (!UUID.test(value)) throw new AppError("not_found");
  return value.toLowerCase();
}

export const createFile: RouteHandler<typeof createFileRoute, AppEnv> = async (c) => {
  const { org, id } = c.req.valid("param");
  const record = idOf(id);
  const file = c.req.valid("json");
  if (!isAllowedMediaType(file.media_type)) throw new AppError("media_type_not_allowed");
  const config = c.env.edge.config;
  const {
    results: [, inserted],
  } = await inOrg(c, (tx) => [checkLimits(tx, config, file.size), insertVersion(tx, org, record, file)]).catch((error: unknown) => {
    // Another organization's record, or none: refused by the composite key, answered like an unknown id.
    throw violates(error, RECORD_KEY) ? new AppError("not_found") : error;
  });
  const row = inserted.rows[0];
  if (row === undefined) throw new Error("files: the version's insert returned no row");
  return c.json({ upload: await uploadInstructions(c, org, row) }, 201);
};

export const listFiles: RouteHandler<typeof listFilesRoute, AppEnv> = async (c) => {
  const { org, id } = c.req.valid("param");
  const record = idOf(id);
  const {
    results: [found, versions],
  } = await inOrg(c, (tx) => [recordExists(tx, org, record), listVersions(tx, org, record)]);
  // A caller who may read files but not records (an `evidence:*` key) knows the record by its versions.
  if (found.rows.length === 0 && versions.rows.length === 0) throw new AppError("not_found");
  return c.json({ items: versions.rows.map(presentFile) }, 200);
};

export const deleteFile: RouteHandler<typeof deleteFileRoute, AppEnv> = async (c) => {
  const { org, id, version } = c.req.valid("param");
  const target = { orgId: org, recordId: idOf(id), versionId: idOf(version) };
  const {
    results: [deleted],
  } = await inOrg(c, (tx) => [deleteVersion(tx, target)]);
  if (deleted.rows.length === 0) throw new AppError("not_found");
  // After the commit: a failure leaves an object no row points at, which nothing serves (logged).
  await removeObjects(
    c.env.EVIDENCE,
    deleted.rows.map((r) => r.object_key),
    c.env.edge.requestId,
  );
  return c.body(null, 204);
};

export const getDownloadUrl: RouteHandler<typeof downloadUrlRoute, AppEnv> = async (c) => {
  const { org, id } = c.req.valid("param");
  const record = idOf(id);
  const asked = c.req.valid("query").version;
  const version = asked === undefined ? null : idOf(asked);
  const {
    results: [found, available],
  } = await inOrg(c, (tx) => [recordExists(tx, org, record), availableVersion(tx, org, record, version)]);
  const row = available.rows[0];
  if (row === undefined) throw new AppError(found.rows.length > 0 ? "file_not_available" : "not_found");
  return c.json(await downloadUrlOf(c, org, row), 200);
};
