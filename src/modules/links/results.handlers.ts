/**
 * The handlers of assessment results. Each is ONE transaction in ONE round trip
 * (`inOrg`); the audit entry is the table's trigger, in that transaction.
 */
import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AssessmentResult as Result } from "../../db/schema";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import { ASSESSMENT, CONTROL, LINK_LIST_CAP } from "./ends";
import { pathIds } from "./ids";
import type {
  deleteResultRoute,
  getResultRoute,
  listAssessmentResultsRoute,
  listControlResultsRoute,
  putResultRoute,
} from "./results.routes";
import type { AssessmentResultListOut, ControlResultListOut, ResultOut } from "./results.schemas";
import { deleteResult, listResults, resultCounts, selectResult, upsertResult, type ResultRow } from "./results.statements";
import { iso, jsonOf, recordExists } from "./statements";

function present(row: ResultRow): ResultOut {
  return {
    assessment_id: row.assessment_id,
    control_id: row.control_id,
    result: row.result as Result,
    notes: row.notes,
    created_at: iso(row.created_at),
    created_by: row.created_by,
    updated_at: iso(row.updated_at),
    updated_by: row.updated_by,
  };
}

const pair = (c: Context<AppEnv>) => {
  const {
    org,
    ids: [assessmentId = "", controlId = ""],
  } = pathIds(c, ["id", "control_id"]);
  return { org, assessmentId, controlId };
};

export const putResult: RouteHandler<typeof putResultRoute, AppEnv> = async (c) => {
  const { org, assessmentId, controlId } = pair(c);
  const body = c.req.valid("json");
  // The read before the upsert tells new (201) from replaced (200); the read after it
  // answers the result, or tells that the records are not here (404).
  const {
    results: [before, , after],
  } = await inOrg(c, (tx) => [
    selectResult(tx, org, assessmentId, controlId),
    upsertResult(tx, org, assessmentId, controlId, body),
    selectResult(tx, org, assessmentId, controlId),
  ]);
  const row = after.rows[0];
  if (row === undefined) throw new AppError("not_found");
  return before.rows.length === 0 ? c.json(present(row), 201) : c.json(present(row), 200);
};

export const getResult: RouteHandler<typeof getResultRoute, AppEnv> = async (c) => {
  const { org, assessmentId, controlId } = pair(c);
  const {
    results: [found],
  } = await inOrg(c, (tx) => [selectResult(tx, org, assessmentId, controlId)]);
  const row = found.rows[0];
  if (row === undefined) throw new AppError("not_found");
  return c.json(present(row), 200);
};

export const removeResult: RouteHandler<typeof deleteResultRoute, AppEnv> = async (c) => {
  const { org, assessmentId, controlId } = pair(c);
  const {
    results: [deleted],
  } = await inOrg(c, (tx) => [deleteResult(tx, org, assessmentId, controlId)]);
  if (deleted.rows.length === 0) throw new AppError("not_found");
  return c.body(null, 204);
};

type Listed = readonly (ResultRow & { record: unknown })[];
type ControlSummary = AssessmentResultListOut["items"][number]["control"];
type AssessmentSummary = ControlResultListOut["items"][number]["assessment"];

export const listAssessmentResults: RouteHandler<typeof listAssessmentResultsRoute, AppEnv> = async (c) => {
  const {
    org,
    ids: [id = ""],
  } = pathIds(c, ["id"]);
  const {
    results: [found, rows, counted],
  } = await inOrg(c, (tx) => [recordExists(tx, ASSESSMENT, org, id), listResults(tx, ASSESSMENT, org, id), resultCounts(tx, org, id)]);
  if (found.rows.length === 0) throw new AppError("not_found");
  const count = (result: Result): number => counted.rows.find((x) => x.result === result)?.n ?? 0;
  const listed: Listed = rows.rows;
  const body: AssessmentResultListOut = {
    items: listed.slice(0, LINK_LIST_CAP).map((row) => ({ ...present(row), control: jsonOf(row.record) as ControlSummary })),
    truncated: listed.length > LINK_LIST_CAP,
    counts: { compliant: count("compliant"), partial: count("partial"), non_compliant: count("non_compliant") },
  };
  return c.json(body, 200);
};

export const listControlResults: RouteHandler<typeof listControlResultsRoute, AppEnv> = async (c) => {
  const {
    org,
    ids: [id = ""],
  } = pathIds(c, ["id"]);
  const {
    results: [found, rows],
  } = await inOrg(c, (tx) => [recordExists(tx, CONTROL, org, id), listResults(tx, CONTROL, org, id)]);
  if (found.rows.length === 0) throw new AppError("not_found");
  const listed: Listed = rows.rows;
  const body: ControlResultListOut = {
    items: listed.slice(0, LINK_LIST_CAP).map((row) => ({ ...present(row), assessment: jsonOf(row.record) as AssessmentSummary })),
    truncated: listed.length > LINK_LIST_CAP,
  };
  return c.json(body, 200);
};
