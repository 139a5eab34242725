/**
 * Deadline reminders sent (P17): one row per email about one deadline of one incident, at
 * one stage (a lead time before the due time, `6h`, or `overdue`), to one person. The row
 * is the claim that makes the send happen once: the consumer inserts it (ON CONFLICT DO
 * NOTHING) before sending and deletes it again only if the send failed, so a redelivered
 * message or two overlapping runs find it and send nothing (src/modules/reminders/).
 *
 * The key has the due time in it: if the incident's facts move a deadline (aware_at
 * corrected), the new deadline gets its own reminders. Written and read only by the
 * SECURITY DEFINER functions of drizzle/*_deadline_reminders_security.sql.
 */
import { sql } from "drizzle-orm";
import { check, foreignKey, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";
import { organizations } from "./orgs";
import { incidents } from "./records";

export const deadlineReminders = pgTable(
  "deadline_reminders",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    incidentId: uuid("incident_id").notNull(),
    /** The deadline's kind (`early_warning`, `notification`, …; app.deadline_rules). */
    kind: text("kind").notNull(),
    /** The due time the reminder was about. */
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    /** `<hours>h` before the due time, or `overdue`. */
    lead: text("lead").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** When it was claimed, i.e. sent (a failed send deletes the row). */
    sentAt: timestamp("sent_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orgId, t.incidentId, t.kind, t.dueAt, t.userId, t.lead] }),
    // Of the same organization: a composite key (like the incident's reports).
    foreignKey({ columns: [t.orgId, t.incidentId], foreignColumns: [incidents.orgId, incidents.id] }).onDelete("cascade"),
    check("deadline_reminders_lead", sql`${t.lead} ~ '^(overdue|[1-9][0-9]{0,2}h)$'`),
  ],
);
