/** Route definitions of the cross-tenant security events and the alert log (super administrators, aal2: P7, P16). */
import { defineRoute } from "../../pipeline/route";
import { json } from "../../http/schemas";
import { AdminAlertsQuery, AdminEventsPage, AdminEventsQuery } from "./admin.schemas";
import { ADMIN_AUTH } from "./orgs.routes";

const tags = ["admin"];
const PAGING =
  "Newest first, pages of `limit` (at most 200) by `next_cursor`; a cursor continues the list it came from, with the same filters.";

export const listEventsRoute = defineRoute(
  {
    method: "get",
    path: "/security-events",
    operationId: "adminListSecurityEvents",
    tags,
    summary: "Security events across organizations",
    description:
      "Platform super administrators, aal2 (each call is an `admin_action` event). Every stored event: organizations' own, account events (no organization) and platform events (`admin_action`, `admin_access_refused`, `alert_raised`, …). " +
      `Filters: \`org\`, \`type\`, \`severity\`, \`from\`/\`to\`, \`actor\` (the acting user). ${PAGING} Client addresses appear only as \`source\`, a pseudonym that is the same across organizations.`,
    request: { query: AdminEventsQuery },
    responses: { 200: json("A page of events", AdminEventsPage) },
  },
  { auth: ADMIN_AUTH, errors: ["invalid_cursor"] },
);

export const listAlertsRoute = defineRoute(
  {
    method: "get",
    path: "/alerts",
    operationId: "adminListAlerts",
    tags,
    summary: "The alert log",
    description: `Platform super administrators, aal2 (each call is an \`admin_action\` event). Every \`alert_raised\` event (\`details.kind\` says which alert), with the security events' filters. ${PAGING}`,
    request: { query: AdminAlertsQuery },
    responses: { 200: json("A page of alerts", AdminEventsPage) },
  },
  { auth: ADMIN_AUTH, errors: ["invalid_cursor"] },
);
