/**
 * The routes of policy acknowledgements, beside the records module's policy routes: a
 * person acknowledges an approved policy's current version, and readers see who did
 * and who has not yet.
 */
import { json } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { AcknowledgeHeaders, Acknowledgement, AcknowledgementList, RecordParams } from "./duties.schemas";

const tags = ["policies"];
const path = "/{org}/policies/{id}/acknowledgements";
const VERSION =
  "The version acknowledged is the policy's `document_version`: a new label (\"2.2\") needs everyone's acknowledgement again, a change that keeps the label does not.";

export const acknowledgeRoute = defineRoute(
  {
    method: "post",
    path,
    operationId: "acknowledgePolicy",
    tags,
    summary: "Acknowledge a policy",
    description: `The caller states they have read and accept the policy's current version; no body. Any member may (viewers and auditors included), for themself only; an API key cannot (403 \`forbidden\`: a key is not a person). Only an approved policy: a draft or retired one is 409 \`policy_not_approved\`. ${VERSION} Once per person and version: acknowledging again answers the existing acknowledgement with 200. Another organization's policy id, an unknown and a malformed one: 404. Each acknowledgement is an entry of the audit log.`,
    request: { params: RecordParams, headers: AcknowledgeHeaders },
    responses: {
      201: json("Acknowledged", Acknowledgement),
      200: json("Already acknowledged (this version): the existing acknowledgement", Acknowledgement),
    },
  },
  { auth: { principals: ["user", "api_key"] }, permission: "read", errors: ["precondition_failed", "policy_not_approved", "conflict"] },
);

export const listAcknowledgementsRoute = defineRoute(
  {
    method: "get",
    path,
    operationId: "listPolicyAcknowledgements",
    tags,
    summary: "Who acknowledged a policy, and who has not",
    description: `Every acknowledgement of every version, newest first (\`current\` tells the ones of the current version), the members who have not acknowledged the current version yet, and the counts. ${VERSION} Lists stop at 500 rows (\`truncated\`); the counts are exact.`,
    request: { params: RecordParams },
    responses: { 200: json("The acknowledgements", AcknowledgementList) },
  },
  { auth: { principals: ["user", "api_key"] }, permission: "read" },
);
