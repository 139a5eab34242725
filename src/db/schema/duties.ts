/**
 * People's duties towards the compliance records: acknowledging a policy (NIS2 Art.
 * 20(2), 21(2)(g): staff know the rules) and completing an assigned training.
 *
 * Both belong to one organization on every side: the person is a MEMBER of it (a
 * composite foreign key to memberships, here), and the policy or training is a record
 * of it (composite keys `(org_id, policy_id)` / `(org_id, training_id)`, in the custom
 * migration drizzle/0017_duties_security.sql with the unique `(org_id, id)` keys they
 * need). Referential checks read without row-level security, so another organization's
 * id is refused like an unknown one. What drizzle-kit cannot express (who may write
 * which row, "only an approved policy's current version", actor stamps, column grants,
 * the audit trigger) is in that migration. A member who leaves takes their rows with
 * them (cascade); the audit log keeps them.
 */
import { sql } from "drizzle-orm";
import { check, foreignKey, index, integer, pgTable, smallint, text, timestamp, date, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { memberships, organizations } from "./orgs";
import { TEXT_LIMITS } from "./records";

/** Limits shared by the CHECK constraints and the API's schemas. */
export const DUTY_LIMITS = { documentVersion: TEXT_LIMITS.reference, notes: 5_000, scoreMin: 0, scoreMax: 100 } as const;

/** An assignment's state, computed when read (never stored): the API's filter and field. */
export const ASSIGNMENT_STATES = ["pending", "overdue", "completed"] as const;
export type AssignmentState = (typeof ASSIGNMENT_STATES)[number];

/** The request's actor as a column default; the custom migration's triggers set it either way. */
const ACTOR = sql`coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid`;

/**
 * "I have read and accept this policy", by one person, for one version of it. The
 * version is the policy's `document_version` (its label: "2.1"); a new label needs new
 * acknowledgements, while a fix that keeps the label does not. `policy_version` is the
 * record's `version` when acknowledged, so the audit log shows the exact text. Written
 * only by the person themself (never an API key), only for an approved policy's current
 * version: the database stamps the person, the versions and the time.
 */
export const policyAcknowledgements = pgTable(
  "policy_acknowledgements",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    policyId: uuid("policy_id").notNull(),
    userId: uuid("user_id").notNull(),
    documentVersion: text("document_version").notNull(),
    policyVersion: integer("policy_version").notNull(),
    acknowledgedAt: timestamp("acknowledged_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Once per person and version (the API answers the existing one); also the policy's list.
    uniqueIndex("policy_acknowledgements_key").on(t.orgId, t.policyId, t.documentVersion, t.userId),
    index("policy_acknowledgements_user_idx").on(t.orgId, t.userId),
    foreignKey({
      name: "policy_acknowledgements_member_fk",
      columns: [t.orgId, t.userId],
      foreignColumns: [memberships.orgId, memberships.userId],
    }).onDelete("cascade"),
    check(
      "policy_acknowledgements_document_version",
      sql.raw(`char_length(btrim(document_version)) BETWEEN 1 AND ${DUTY_LIMITS.documentVersion}`),
    ),
  ],
);

/**
 * A training a member must complete. `due_date` is this assignment's own due date;
 * null means "the training's `due_date`", read when asked, so moving the training
 * moves every assignment that follows it. Completion is recorded by the person
 * themself or by a writer (an owner, admin, member, or an API key with
 * `records:write`: a learning platform reporting results).
 */
export const trainingAssignments = pgTable(
  "training_assignments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    trainingId: uuid("training_id").notNull(),
    userId: uuid("user_id").notNull(),
    dueDate: date("due_date"),
    assignedAt: timestamp("assigned_at", { withTimezone: true }).notNull().defaultNow(),
    assignedBy: uuid("assigned_by").notNull().default(ACTOR),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    /** Who recorded the completion (the person, a writer or an API key); set by the database. */
    completedBy: uuid("completed_by"),
    /** A result, 0–100, when the training has one. */
    score: smallint("score"),
    notes: text("notes"),
  },
  (t) => [
    uniqueIndex("training_assignments_key").on(t.orgId, t.trainingId, t.userId),
    index("training_assignments_user_idx").on(t.orgId, t.userId),
    foreignKey({
      name: "training_assignments_member_fk",
      columns: [t.orgId, t.userId],
      foreignColumns: [memberships.orgId, memberships.userId],
    }).onDelete("cascade"),
    check("training_assignments_score", sql.raw(`score BETWEEN ${DUTY_LIMITS.scoreMin} AND ${DUTY_LIMITS.scoreMax}`)),
    check("training_assignments_notes_length", sql.raw(`char_length(notes) <= ${DUTY_LIMITS.notes}`)),
    // A result or notes only with a completion, and a completion always says who recorded it.
    check("training_assignments_completion", sql.raw("(completed_at IS NULL) = (completed_by IS NULL)")),
    check("training_assignments_result_needs_completion", sql.raw("completed_at IS NOT NULL OR (score IS NULL AND notes IS NULL)")),
  ],
);
