/**
 * `GET /v1/orgs/{org}/me/duties`: what the signed-in person still has to do in the
 * organization (policies to acknowledge, trainings to complete), in one round trip.
 * People only: an API key is not a person and has no duties (401, as on every route
 * that takes no keys).
 */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { json } from "../../http/schemas";
import { inOrg } from "../../pipeline/authorize";
import { defineRoute } from "../../pipeline/route";
import { OrgParams } from "../orgs/orgs.schemas";
import { DUTY_LIST_CAP, MyDuties } from "./duties.schemas";
import { myOpenAssignments, policiesToAcknowledge } from "./my-duties.statements";
import { assignment, capped } from "./present";

export const myDutiesRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/me/duties",
    operationId: "getMyDuties",
    tags: ["duties"],
    summary: "My open duties",
    description:
      "Every member: the approved policies whose current version you have not acknowledged, and your training assignments not completed yet (with their state: `pending` or `overdue`). Each list stops at 500 (`truncated`).",
    request: { params: OrgParams },
    responses: { 200: json("Your open duties", MyDuties) },
  },
  { auth: { principals: ["user"] }, permission: "read" },
);

export const getMyDuties: RouteHandler<typeof myDutiesRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [policies, trainings],
  } = await inOrg(c, (tx) => [policiesToAcknowledge(tx, org), myOpenAssignments(tx, org)]);
  const open = capped(policies.rows, DUTY_LIST_CAP);
  const assigned = capped(trainings.rows, DUTY_LIST_CAP);
  return c.json(
    {
      policies: open.rows.map((row) => ({
        policy_id: row.policy_id,
        title: row.title,
        document_version: row.document_version,
        version: row.version,
      })),
      trainings: assigned.rows.map((row) => {
        const { name: _name, ...rest } = assignment(row);
        return { ...rest, training_title: row.training_title };
      }),
      truncated: open.truncated || assigned.truncated,
    },
    200,
  );
};
