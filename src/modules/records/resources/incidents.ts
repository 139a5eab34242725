/**
 * Incidents: what happened, when it was noticed, and whether it is significant (NIS2
 * Art. 23) or a personal-data breach (GDPR Art. 33). Every incident answered carries its
 * `nis2` block: the deadlines that apply, computed by the database from the incident's
 * facts as it is read or written (`app.incident_nis2`). The reports that settle them are
 * src/modules/nis2/ (`…/incidents/{id}/notifications`, `…/deadlines`).
 */
import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { schema } from "../../../db";
import { INCIDENT_STATUSES, SEVERITIES } from "../../../db/schema";
import { declareResource, equals, isFlag } from "../declaration";
import { choice, flag, instant, label, longText, textList } from "../fields";
import { Nis2Block, NIS2_BLOCK_EXAMPLE } from "./incident-deadlines";

export const incidents = declareResource({
  table: schema.incidents,
  singular: "incident",
  about: "Security incidents, with the facts NIS2 Art. 23 and GDPR Art. 33 reporting needs.",
  label: "title",
  statuses: INCIDENT_STATUSES,
  fields: {
    title: label("Credential stuffing against the customer portal"),
    description: longText("Spike of failed logins from 3,000 addresses; 12 accounts taken over."),
    severity: choice(SEVERITIES, "high", "Default `medium`."),
    occurred_at: instant("2026-11-29T22:10:00Z", "When it started (as far as known)."),
    detected_at: instant("2026-11-30T06:45:00Z", "When it was detected; not before `occurred_at`."),
    aware_at: instant(
      "2026-11-30T08:00:00Z",
      "When the organization became aware of it (NIS2 deadlines run from here); not before `occurred_at`.",
    ),
    significant: flag("A significant incident under NIS2 Art. 23(3)."),
    personal_data_breach: flag("A personal-data breach under GDPR Art. 4(12)."),
    affected_services: textList(["Customer portal"], "Services affected (up to 50)."),
    cross_border: flag("Affects services or recipients in other EU member states."),
    root_cause: longText("Reused passwords; no rate limit on the legacy login endpoint."),
    actions: longText("Forced password resets; legacy endpoint disabled; MFA enforced."),
  },
  derived: {
    nis2: {
      schema: Nis2Block,
      sql: sql`app.incident_nis2(org_id, id, aware_at, significant, personal_data_breach)`,
      example: NIS2_BLOCK_EXAMPLE,
    },
  },
  filters: { severity: equals(z.enum(SEVERITIES)), significant: isFlag(), personal_data_breach: isFlag() },
  sorts: ["occurred_at", "aware_at"],
  freeText: ["description", "root_cause", "actions"],
  example: {
    title: "Credential stuffing against the customer portal",
    severity: "high",
    detected_at: "2026-11-30T06:45:00Z",
    aware_at: "2026-11-30T08:00:00Z",
    significant: true,
    personal_data_breach: true,
    affected_services: ["Customer portal"],
  },
});
