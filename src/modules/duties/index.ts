/**
 * People's duties towards the compliance records (P9 roles, P11 tenant isolation, P13
 * audit log): acknowledging approved policies, version by version, and completing
 * assigned trainings; plus each person's own open duties. Tables and the database's
 * rules: src/db/schema/duties.ts, drizzle/0018_duties_security.sql.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { acknowledgePolicy, listAcknowledgements } from "./acknowledgements.handlers";
import { acknowledgeRoute, listAcknowledgementsRoute } from "./acknowledgements.routes";
import { assignTraining, completeTraining, listAssignments, unassignTraining } from "./assignments.handlers";
import { assignRoute, completeRoute, listAssignmentsRoute, unassignRoute } from "./assignments.routes";
import { getMyDuties, myDutiesRoute } from "./my-duties";

/** Where the module is mounted (its paths start with `/{org}`). */
export const DUTIES_BASE_PATH = "/v1/orgs";

export function createDutiesRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(acknowledgeRoute, acknowledgePolicy);
  router.openapi(listAcknowledgementsRoute, listAcknowledgements);
  router.openapi(assignRoute, assignTraining);
  router.openapi(listAssignmentsRoute, listAssignments);
  router.openapi(unassignRoute, unassignTraining);
  router.openapi(completeRoute, completeTraining);
  router.openapi(myDutiesRoute, getMyDuties);
  return router;
}
