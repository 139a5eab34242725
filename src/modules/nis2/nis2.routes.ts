/**
 * The routes of incident deadlines and notifications (P17), beside the records module's
 * incident routes (whose answers carry the same deadlines as their `nis2` block).
 */
import { defineRoute } from "../../pipeline/route";
import { json, jsonBody } from "../../http/schemas";
import { OrgParams } from "../orgs/orgs.schemas";
import { FREE_TEXT_WAF_GROUPS } from "../records/declaration";
import { IncidentDeadlines, IncidentParams, Nis2Overview, NotificationBody, NotificationCreated, NotificationList } from "./nis2.schemas";

const tags = ["incidents"];
const auth = { principals: ["user", "api_key"] } as const;
const DEADLINES =
  "Deadlines come from the regimes the organization applies (`deadline_regimes`): NIS2 for a `significant` incident (early warning 24 h and incident notification 72 h after `aware_at`; final report one month after the notification is submitted; intermediate reports only on request, so no deadline), GDPR Art. 33 for a `personal_data_breach` (`gdpr_authority` 72 h after `aware_at`), `customer` notice 48 h after `aware_at` for an incident that is either. Due times and states are computed when read.";

export const createNotificationRoute = defineRoute(
  {
    method: "post",
    path: "/{org}/incidents/{id}/notifications",
    operationId: "createIncidentNotification",
    tags,
    summary: "Record a submitted report",
    description: `Records that a report about the incident was submitted (append-only: a report stays on record). Answers it with the incident's deadlines after it. ${DEADLINES} Another organization's incident id, an unknown and a malformed one: 404.`,
    request: { params: IncidentParams, ...jsonBody(NotificationBody) },
    responses: { 201: json("Recorded", NotificationCreated) },
  },
  { auth, permission: "write", waf: { exclude: [{ fields: ["notes"], groups: FREE_TEXT_WAF_GROUPS }] }, errors: ["constraint_violated"] },
);

export const listNotificationsRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/incidents/{id}/notifications",
    operationId: "listIncidentNotifications",
    tags,
    summary: "The reports submitted, and the deadlines",
    description: `Every report recorded for the incident, oldest first, and its deadlines. ${DEADLINES}`,
    request: { params: IncidentParams },
    responses: { 200: json("The reports and deadlines", NotificationList) },
  },
  { auth, permission: "read" },
);

export const deadlinesRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/incidents/{id}/deadlines",
    operationId: "getIncidentDeadlines",
    tags,
    summary: "An incident's reporting deadlines",
    description: DEADLINES,
    request: { params: IncidentParams },
    responses: { 200: json("The deadlines", IncidentDeadlines) },
  },
  { auth, permission: "read" },
);

export const overviewRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/nis2/overview",
    operationId: "getNis2Overview",
    tags: ["nis2"],
    summary: "Open deadlines and Art. 21(2) coverage",
    description: `Open (pending or overdue) deadlines across the organization's incidents, soonest first, and per NIS2 Art. 21(2) measure (a)–(j) the controls that serve it with their status counts, and the evidence linked to those controls (distinct items, by status; per control, how many). ${DEADLINES}`,
    request: { params: OrgParams },
    responses: { 200: json("The overview", Nis2Overview) },
  },
  { auth, permission: "read" },
);
