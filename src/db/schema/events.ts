/**
 * Security events (P16) and the audit log (P13). The audit tables are written only
 * by the trigger in the `audit` schema; nobody the app or an org admin can be may
 * change or remove a row (privileges and a refusing trigger, see drizzle/*_security.sql).
 */
import { bigint, index, jsonb, pgSchema, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";

export const securityEvents = pgTable(
  "security_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Null for events before any organization is known (a failed login). */
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    severity: text("severity").notNull().default("info"),
    actorUserId: uuid("actor_user_id"),
    actorApiKeyId: uuid("actor_api_key_id"),
    requestId: text("request_id"),
    /** Keyed hash of the client IP (P12): correlation without storing the address. */
    ipHash: text("ip_hash"),
    details: jsonb("details").notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("security_events_org_created_idx").on(t.orgId, t.createdAt)],
);

export const auditSchema = pgSchema("audit");

/** One entry per changed compliance row, chained per organization by `seq` and `hash`. */
export const auditEntries = auditSchema.table(
  "entries",
  {
    orgId: uuid("org_id").notNull(),
    seq: bigint("seq", { mode: "number" }).notNull(),
    actorUserId: uuid("actor_user_id"),
    actorApiKeyId: uuid("actor_api_key_id"),
    action: text("action").notNull(),
    tableName: text("table_name").notNull(),
    rowId: uuid("row_id").notNull(),
    before: jsonb("before"),
    after: jsonb("after"),
    at: timestamp("at", { withTimezone: true }).notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.seq] })],
);

/** The last entry of each organization's chain; its row lock orders concurrent writers. */
export const auditHeads = auditSchema.table("heads", {
  orgId: uuid("org_id").primaryKey(),
  seq: bigint("seq", { mode: "number" }).notNull(),
  hash: text("hash").notNull(),
});
