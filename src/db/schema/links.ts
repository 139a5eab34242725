/**
 * Links between compliance records, one table per allowed pair, so each link points
 * at real rows: control ↔ risk (`control_risks`), control ↔ evidence
 * (`control_evidence`), and assessment ↔ control (`assessment_results`, which is the
 * link AND the control's result in that assessment). A pair the product does not
 * allow has no table, so it cannot be stored at all.
 *
 * Both ends of a link are records of the link's own organization: composite foreign
 * keys `(org_id, <record>_id)` → `<records> (org_id, id)`, ON DELETE CASCADE, in the
 * custom migration (drizzle/0015_record_links_security.sql, with the unique
 * `(org_id, id)` keys they need on the record tables, RLS, column grants, actor stamps
 * and the audit trigger). Referential checks read the record tables without row-level
 * security, so the database refuses a link to another organization's record on its
 * own, like an unknown id. The record ids have no single-column key here on purpose:
 * the composite one is the only one, and it is the one that matters.
 */
import { sql } from "drizzle-orm";
import { check, index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";
import { TEXT_LIMITS } from "./records";

/** A control's result in an assessment. */
export const ASSESSMENT_RESULTS = ["compliant", "partial", "non_compliant"] as const;
export type AssessmentResult = (typeof ASSESSMENT_RESULTS)[number];

/** Limits of the free-text fields (also CHECK constraints): findings are as long as a record's description. */
export const LINK_LIMITS = { notes: TEXT_LIMITS.text } as const;

/** The request's actor as a column default; the stamp trigger sets it either way. */
const ACTOR = sql`coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid`;

/** The columns every link has: its own id (the audit log's `row_id`), its organization, who linked it and when. */
const linkColumns = () => ({
  id: uuid("id").primaryKey().defaultRandom(),
  orgId: uuid("org_id")
    .notNull()
    .references(() => organizations.id, { onDelete: "cascade" }),
});
const stamps = () => ({
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  createdBy: uuid("created_by").notNull().default(ACTOR),
});

export const controlRisks = pgTable(
  "control_risks",
  {
    ...linkColumns(),
    controlId: uuid("control_id").notNull(),
    riskId: uuid("risk_id").notNull(),
    ...stamps(),
  },
  (t) => [
    // One link per pair (23505 → the API answers the existing link); also the control side's lookup.
    uniqueIndex("control_risks_pair_key").on(t.orgId, t.controlId, t.riskId),
    index("control_risks_risk_idx").on(t.orgId, t.riskId),
  ],
);

export const controlEvidence = pgTable(
  "control_evidence",
  {
    ...linkColumns(),
    controlId: uuid("control_id").notNull(),
    evidenceId: uuid("evidence_id").notNull(),
    ...stamps(),
  },
  (t) => [
    uniqueIndex("control_evidence_pair_key").on(t.orgId, t.controlId, t.evidenceId),
    index("control_evidence_evidence_idx").on(t.orgId, t.evidenceId),
  ],
);

export const assessmentResults = pgTable(
  "assessment_results",
  {
    ...linkColumns(),
    assessmentId: uuid("assessment_id").notNull(),
    controlId: uuid("control_id").notNull(),
    result: text("result").notNull(),
    /** Findings: what was seen, what is missing. */
    notes: text("notes"),
    ...stamps(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid("updated_by").notNull().default(ACTOR),
  },
  (t) => [
    uniqueIndex("assessment_results_pair_key").on(t.orgId, t.assessmentId, t.controlId),
    index("assessment_results_control_idx").on(t.orgId, t.controlId),
    check("assessment_results_result", sql.raw(`result IN (${ASSESSMENT_RESULTS.map((r) => `'${r}'`).join(", ")})`)),
    check("assessment_results_notes_length", sql.raw(`char_length(notes) <= ${LINK_LIMITS.notes}`)),
  ],
);
