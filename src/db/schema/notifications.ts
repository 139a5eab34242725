/**
 * Reports submitted about an incident (NIS2 Art. 23, GDPR Art. 33, customer notices):
 * one row per report sent, append-only (the API inserts and reads; nothing updates or
 * deletes a report except the incident's own deletion). The deadlines they settle are
 * computed at read time by `app.incident_deadlines` (drizzle/0013_incident_notifications_security.sql),
 * never stored, so they cannot go stale. What drizzle-kit cannot express (the incident
 * must be of the same organization, RLS, column grants, the audit trigger, "not in the
 * future") is in that custom migration.
 */
import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";
import { incidents } from "./records";

/** What was submitted: the NIS2 Art. 23(4) reports, the GDPR Art. 33 notification, a customer notice. */
export const NOTIFICATION_KINDS = ["early_warning", "notification", "intermediate", "final", "customer", "gdpr_authority"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** Limits of the free-text fields (also CHECK constraints). */
export const NOTIFICATION_LIMITS = { reference: 200, notes: 5_000 } as const;

/** The request's actor as a column default (no grant lets the app write it). */
const ACTOR = sql`coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid`;

export const incidentNotifications = pgTable(
  "incident_notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** The incident, of the same organization (composite key in the custom migration). */
    incidentId: uuid("incident_id")
      .notNull()
      .references(() => incidents.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    /** When the report was sent to the CSIRT / authority / customers. */
    submittedAt: timestamp("submitted_at", { withTimezone: true }).notNull().defaultNow(),
    /** The recipient's reference (a CSIRT ticket number). */
    reference: text("reference"),
    notes: text("notes"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid("created_by").notNull().default(ACTOR),
  },
  (t) => [
    index("incident_notifications_incident_idx").on(t.orgId, t.incidentId, t.kind, t.submittedAt),
    check("incident_notifications_kind", sql.raw(`kind IN (${NOTIFICATION_KINDS.map((k) => `'${k}'`).join(", ")})`)),
    check("incident_notifications_reference_length", sql.raw(`char_length(reference) BETWEEN 1 AND ${NOTIFICATION_LIMITS.reference}`)),
    check("incident_notifications_notes_length", sql.raw(`char_length(notes) <= ${NOTIFICATION_LIMITS.notes}`)),
  ],
);
