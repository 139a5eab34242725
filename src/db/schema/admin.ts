/**
 * Platform administration (P9): the history of organization suspensions. The
 * organization's `suspended_at` is what every check reads (`app.authorize`, `app.can`);
 * this table says why and by whom, one row per suspension, closed when it is reinstated.
 * Written only by `app.admin_suspend_org` / `app.admin_reinstate_org` (SECURITY DEFINER,
 * super administrators only, drizzle/*_admin_security.sql); the app role reads nothing.
 */
import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";
import { organizations } from "./orgs";

export const orgSuspensions = pgTable(
  "org_suspensions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** What the administrator wrote (1–500 characters), shown to other administrators only. */
    reason: text("reason").notNull(),
    suspendedBy: uuid("suspended_by").references(() => users.id, { onDelete: "set null" }),
    suspendedAt: timestamp("suspended_at", { withTimezone: true }).notNull().defaultNow(),
    reinstatedBy: uuid("reinstated_by").references(() => users.id, { onDelete: "set null" }),
    reinstatedAt: timestamp("reinstated_at", { withTimezone: true }),
  },
  (t) => [
    // At most one open suspension per organization.
    uniqueIndex("org_suspensions_open_idx")
      .on(t.orgId)
      .where(sql`${t.reinstatedAt} is null`),
    index("org_suspensions_org_idx").on(t.orgId, t.suspendedAt),
  ],
);
