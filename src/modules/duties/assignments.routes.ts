/**
 * The routes of training assignments, beside the records module's training routes:
 * writers assign a training to members, readers see who completed it, and a completion
 * is recorded by the assignee themself or by a writer (or an API key with
 * `records:write`: a learning platform reporting results).
 */
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { FREE_TEXT_WAF_GROUPS } from "../records/declaration";
import { AssignBody, Assignment, AssignmentList, AssignmentParams, AssignmentQuery, CompletionBody, RecordParams } from "./duties.schemas";

const tags = ["trainings"];
const auth = { principals: ["user", "api_key"] } as const;
const path = "/{org}/trainings/{id}/assignments";
const STATES =
  "States are computed when read: `completed`, `overdue` (not completed, its due date in UTC passed) or `pending`. The due date is the assignment's own, else the training's.";
const IDS = "Another organization's training id, an unknown and a malformed one: 404.";

export const assignRoute = defineRoute(
  {
    method: "post",
    path,
    operationId: "assignTraining",
    tags,
    summary: "Assign a training to a member",
    description: `Writers (owners, admins, members; API keys with \`records:write\`). \`user_id\` must be a member of the organization (else 422 \`invalid_reference\`, like an unknown id). Assigning someone again answers the existing assignment with 200 and changes nothing, except its due date when \`due_date\` is sent. ${STATES} ${IDS}`,
    request: { params: RecordParams, ...jsonBody(AssignBody) },
    responses: {
      201: json("Assigned", Assignment),
      200: json("Already assigned: the assignment (its due date changed if one was sent)", Assignment),
    },
  },
  { auth, permission: "write", errors: ["invalid_reference", "constraint_violated"] },
);

export const listAssignmentsRoute = defineRoute(
  {
    method: "get",
    path,
    operationId: "listTrainingAssignments",
    tags,
    summary: "Who must do a training, and who did",
    description: `Every reader. The assignments by the assignee's name (at most 500, \`truncated\`), optionally of one state, and exact counts by state. ${STATES} ${IDS}`,
    request: { params: RecordParams, query: AssignmentQuery },
    responses: { 200: json("The assignments", AssignmentList) },
  },
  { auth, permission: "read" },
);

export const unassignRoute = defineRoute(
  {
    method: "delete",
    path: `${path}/{user}`,
    operationId: "unassignTraining",
    tags,
    summary: "Remove an assignment",
    description: `Writers. The audit log keeps it as it was (with its completion, if any). No such assignment: 404. ${IDS}`,
    request: { params: AssignmentParams },
    responses: { 204: { description: "Removed" } },
  },
  { auth, permission: "write" },
);

export const completeRoute = defineRoute(
  {
    method: "post",
    path: `${path}/{user}/completion`,
    operationId: "completeTraining",
    tags,
    summary: "Record that an assignee completed a training",
    description: `The assignee themself (any role, a viewer too), or a writer for anyone (owners, admins, members; API keys with \`records:write\`); anyone else 403 \`forbidden\`. Recorded once: when a completion is already recorded the answer is 200 with it, unchanged. \`completed_at\` defaults to now and is never in the future (422; the database refuses it too). No such assignment: 404. ${STATES} ${IDS}`,
    request: { params: AssignmentParams, ...jsonBody(CompletionBody) },
    responses: {
      201: json("Completion recorded", Assignment),
      200: json("Already completed: the assignment as recorded", Assignment),
    },
  },
  {
    auth,
    permission: "read",
    waf: { exclude: [{ fields: ["notes"], groups: FREE_TEXT_WAF_GROUPS }] },
    errors: ["constraint_violated", "conflict"],
  },
);
