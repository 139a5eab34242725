/**
 * The routes of assessment results, the assessment ↔ control link that carries the
 * control's result (compliant / partial / non-compliant) and findings:
 *
 *   PUT    /{org}/assessments/{id}/results/{control_id}   record or replace (201 new, 200 otherwise)
 *   GET    /{org}/assessments/{id}/results/{control_id}
 *   DELETE /{org}/assessments/{id}/results/{control_id}
 *   GET    /{org}/assessments/{id}/results                every control's result, with counts
 *   GET    /{org}/controls/{id}/results                   the control's results across assessments
 */
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { FREE_TEXT_WAF_GROUPS } from "../records/declaration";
import { OneRecordParams, twoRecordParams } from "./ids";
import { AssessmentResult, AssessmentResultList, ControlResultList, ResultBody } from "./results.schemas";

const auth = { principals: ["user", "api_key"] } as const;
const path = "/{org}/assessments/{id}/results/{control_id}";
const params = twoRecordParams("control_id");
const IDS = "Another organization's id, an unknown id and a malformed one all answer 404; nothing is written.";

export const putResultRoute = defineRoute(
  {
    method: "put",
    path,
    operationId: "putAssessmentResult",
    tags: ["assessments"],
    summary: "Record a control's result in an assessment",
    description: `Records the result of control \`{control_id}\` in assessment \`{id}\` (this links them), or replaces it whole: \`notes\` left out clears the findings. 201 when the control had no result in the assessment yet, else 200; a PUT that changes nothing writes nothing (no audit entry). Both must be records of the organization. ${IDS} Every change is an audit entry with the result before and after.`,
    request: { params, ...jsonBody(ResultBody) },
    responses: { 200: json("Replaced (or unchanged)", AssessmentResult), 201: json("Recorded", AssessmentResult) },
  },
  {
    auth,
    permission: "write",
    waf: { exclude: [{ fields: ["notes"], groups: FREE_TEXT_WAF_GROUPS }] },
    errors: ["constraint_violated", "invalid_reference"],
  },
);

export const getResultRoute = defineRoute(
  {
    method: "get",
    path,
    operationId: "getAssessmentResult",
    tags: ["assessments"],
    summary: "A control's result in an assessment",
    description: `404 when the control has no result in the assessment. ${IDS}`,
    request: { params },
    responses: { 200: json("The result", AssessmentResult) },
  },
  { auth, permission: "read" },
);

export const deleteResultRoute = defineRoute(
  {
    method: "delete",
    path,
    operationId: "deleteAssessmentResult",
    tags: ["assessments"],
    summary: "Remove a control's result from an assessment",
    description:
      "Unlinks the control from the assessment (both records stay); 404 when it had no result there. The audit log keeps the result as it was.",
    request: { params },
    responses: { 204: { description: "Removed" } },
  },
  { auth, permission: "write" },
);

export const listAssessmentResultsRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/assessments/{id}/results",
    operationId: "listAssessmentResults",
    tags: ["assessments"],
    summary: "The results of an assessment",
    description: `Each assessed control's result with a summary of the control, ordered by reference then title; at most 500 (\`truncated\` says when there are more); \`counts\` per result over all of them. ${IDS}`,
    request: { params: OneRecordParams },
    responses: { 200: json("The results", AssessmentResultList) },
  },
  { auth, permission: "read" },
);

export const listControlResultsRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/controls/{id}/results",
    operationId: "listControlAssessmentResults",
    tags: ["controls"],
    summary: "A control's results across assessments",
    description: `Each assessment that assessed the control, with its result and a summary of the assessment, ordered by the assessment's title; at most 500. ${IDS}`,
    request: { params: OneRecordParams },
    responses: { 200: json("The results", ControlResultList) },
  },
  { auth, permission: "read" },
);
