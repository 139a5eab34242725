/**
 * The eight compliance tables. They share one shape (this factory); the records
 * issue adds each one's domain fields. A new resource is one `recordTable` here
 * plus one `select app.protect_record_table('name')` in a migration, which gives
 * it RLS, the actor stamps and the audit trigger.
 */
import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uuid, type PgColumnBuilderBase } from "drizzle-orm/pg-core";
import { users } from "./identity";
import { organizations } from "./orgs";

/** The request's actor as a column default; the `stamp_actor` trigger sets it either way. */
const ACTOR = sql`coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid`;

/** The columns every compliance record has; each table adds its own (its label, then its domain fields). */
function recordTable<const N extends string, const C extends Record<string, PgColumnBuilderBase>>(
  name: N,
  defaultStatus: string,
  columns: C,
) {
  return pgTable(
    name,
    {
      id: uuid("id").primaryKey().defaultRandom(),
      orgId: uuid("org_id")
        .notNull()
        .references(() => organizations.id, { onDelete: "cascade" }),
      ...columns,
      status: text("status").notNull().default(defaultStatus),
      ownerId: uuid("owner_id").references(() => users.id, { onDelete: "set null" }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
      /** Set by a trigger from the request's actor (user or API key id); the app cannot forge them. */
      createdBy: uuid("created_by").notNull().default(ACTOR),
      updatedBy: uuid("updated_by").notNull().default(ACTOR),
    },
    (t) => [index(`${name}_org_id_idx`).on(t.orgId)],
  );
}

const title = () => ({ title: text("title").notNull() });

export const risks = recordTable("risks", "identified", title());
export const vendors = recordTable("vendors", "active", { name: text("name").notNull() });
export const incidents = recordTable("incidents", "open", title());
export const policies = recordTable("policies", "draft", title());
export const trainings = recordTable("trainings", "planned", title());
export const controls = recordTable("controls", "planned", title());
export const assessments = recordTable("assessments", "planned", title());
export const evidence = recordTable("evidence", "pending", title());

/** The compliance tables by name, as the audit log names them. */
export const RECORD_TABLES = { risks, vendors, incidents, policies, trainings, controls, assessments, evidence } as const;
export type RecordTableName = keyof typeof RECORD_TABLES;
