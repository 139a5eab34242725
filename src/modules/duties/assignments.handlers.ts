/**
 * Handlers of the training-assignment routes: each is ONE transaction in ONE round trip
 * (`inOrg`: the authorization check, then the statements). A write finds the training
 * or the assignment in its own statement, and the assignment read after it in the same
 * transaction tells the outcomes apart (created or existing, completed now or before,
 * not the caller's to complete, not there). Audit entries are the table's trigger.
 */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { TRAINING_STATUSES } from "../../db/schema";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import type { assignRoute, completeRoute, listAssignmentsRoute, unassignRoute } from "./assignments.routes";
import { assign, assignmentOf, assignmentsOf, complete, trainingWithCounts, unassign } from "./assignments.statements";
import { DUTY_LIST_CAP } from "./duties.schemas";
import { assignment, capped, pathId } from "./present";

const isTrainingStatus = (value: string): value is (typeof TRAINING_STATUSES)[number] =>
  (TRAINING_STATUSES as readonly string[]).includes(value);

export const assignTraining: RouteHandler<typeof assignRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = pathId(c.req.valid("param").id);
  const body = c.req.valid("json");
  const {
    results: [written, now],
  } = await inOrg(c, (tx) => [assign(tx, org, id, body), assignmentOf(tx, org, id, body.user_id)]);
  const row = now.rows[0];
  // No training of this organization with that id: the INSERT … SELECT wrote nothing.
  if (row === undefined) throw new AppError("not_found");
  return c.json(assignment(row), written.rows[0]?.created === true ? 201 : 200);
};

export const listAssignments: RouteHandler<typeof listAssignmentsRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = pathId(c.req.valid("param").id);
  const { status } = c.req.valid("query");
  const {
    results: [found, rows],
  } = await inOrg(c, (tx) => [trainingWithCounts(tx, org, id), assignmentsOf(tx, org, id, status)]);
  const training = found.rows[0];
  if (training === undefined) throw new AppError("not_found");
  if (!isTrainingStatus(training.status)) throw new Error(`duties: training ${training.id} has an unknown status`);
  const items = capped(rows.rows, DUTY_LIST_CAP);
  return c.json(
    {
      training: { id: training.id, title: training.title, status: training.status, due_date: training.due_date },
      counts: {
        assigned: training.assigned,
        pending: training.assigned - training.completed - training.overdue,
        overdue: training.overdue,
        completed: training.completed,
      },
      items: items.rows.map(assignment),
      truncated: items.truncated,
    },
    200,
  );
};

export const unassignTraining: RouteHandler<typeof unassignRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = pathId(c.req.valid("param").id);
  const user = pathId(c.req.valid("param").user);
  const {
    results: [deleted],
  } = await inOrg(c, (tx) => [unassign(tx, org, id, user)]);
  if (deleted.rows.length === 0) throw new AppError("not_found");
  return c.body(null, 204);
};

export const completeTraining: RouteHandler<typeof completeRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = pathId(c.req.valid("param").id);
  const user = pathId(c.req.valid("param").user);
  const body = c.req.valid("json");
  const {
    results: [updated, now],
  } = await inOrg(c, (tx) => [complete(tx, org, id, user, body), assignmentOf(tx, org, id, user)]);
  const row = now.rows[0];
  if (row === undefined) throw new AppError("not_found");
  if (updated.rows.length > 0) return c.json(assignment(row), 201);
  // Not updated: someone else's assignment (the row policy skipped it), or completed before.
  if (!row.may_record) throw new AppError("forbidden");
  if (row.completed_at === null) throw new AppError("conflict");
  return c.json(assignment(row), 200);
};
