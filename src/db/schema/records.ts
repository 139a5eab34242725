/**
 * The eight compliance tables. They share one shape (this factory); the records
 * issue adds each one's domain fields. A new resource is one `recordTable` here
 * plus one `select app.protect_record_table('name')` in a migration, which gives
 * it RLS, the actor stamps and the audit trigger.
 */
import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";
import { organizations } from "./orgs";

/** The request's actor as a column default; the `stamp_actor` trigger sets it either way. */
const ACTOR = sql`coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid`;

function recordTable<const N extends string, const L extends "title" | "name">(name: N, label: L, defaultStatus: string) {
  return pgTable(name, {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    [label]: text(label).notNull(),
    status: text("status").notNull().default(defaultStatus),
    ownerId: uuid("owner_id").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set by a trigger from the request's actor (user or API key id); the app cannot forge them. */
    createdBy: uuid("created_by").notNull().default(ACTOR),
    updatedBy: uuid("updated_by").notNull().default(ACTOR),
  } as const, (t) => [index(`${name}_org_id_idx`).on(t.orgId)]);
}

export const risks = recordTable("risks", "title", "identified");
export const vendors = recordTable("vendors", "name", "active");
export const incidents = recordTable("incidents", "title", "open");
export const policies = recordTable("policies", "title", "draft");
export const trainings = recordTable("trainings", "title", "planned");
export const controls = recordTable("controls", "title", "planned");
export const assessments = recordTable("assessments", "title", "planned");
export const evidence = recordTable("evidence", "title", "pending");

/** The compliance tables by name, as the audit log names them. */
export const RECORD_TABLES = { risks, vendors, incidents, policies, trainings, controls, assessments, evidence } as const;
export type RecordTableName = keyof typeof RECORD_TABLES;
