/**
 * The eight compliance tables: the columns every record has (this factory) and each
 * one's domain fields. The database refuses on its own what the API validates: every
 * enum, range and length is a CHECK constraint here (23514 → 422), so bad input that
 * slips past zod is still refused. What drizzle-kit cannot express (the owner must be
 * a member of the record's organization, the version bump, RLS, actor stamps and the
 * audit trigger) comes with `app.protect_record_table` (drizzle/0011_records_security.sql).
 *
 * The API's declaration of each resource (src/modules/records/) names its table from
 * here; that registry is the one list of compliance resources.
 */
import { sql } from "drizzle-orm";
import { organizations } from "./orgs";
import {
  boolean,
  check,
  date,
  index,
  integer,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type ExtraConfigColumn,
  type PgColumnBuilderBase,
} from "drizzle-orm/pg-core";

/** The request's actor as a column default; the `stamp_actor` trigger sets it either way. */
const ACTOR = sql`coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid`;

// ── Vocabularies (the API's enums and the CHECK constraints come from these) ─────────
export const RISK_STATUSES = ["identified", "assessed", "treating", "mitigated", "accepted", "closed"] as const;
export const RISK_TREATMENTS = ["mitigate", "accept", "transfer", "avoid"] as const;
export const VENDOR_STATUSES = ["prospective", "active", "suspended", "terminated"] as const;
export const CRITICALITIES = ["low", "medium", "high", "critical"] as const;
export const DATA_ACCESS_LEVELS = ["none", "internal", "personal", "special_category"] as const;
export const INCIDENT_STATUSES = ["open", "investigating", "contained", "resolved", "closed"] as const;
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export const POLICY_STATUSES = ["draft", "approved", "retired"] as const;
export const TRAINING_STATUSES = ["planned", "in_progress", "completed", "cancelled"] as const;
export const CONTROL_STATUSES = ["planned", "partial", "implemented", "not_applicable"] as const;
/** NIS2 Art. 21(2): the cybersecurity risk-management measures (a)–(j) a control may serve. */
export const NIS2_MEASURES = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"] as const;
export const ASSESSMENT_STATUSES = ["planned", "in_progress", "completed", "cancelled"] as const;
export const EVIDENCE_STATUSES = ["pending", "accepted", "rejected", "expired"] as const;

/** Lengths, in characters, shared by the CHECK constraints and the API's schemas. */
export const TEXT_LIMITS = { label: 300, short: 200, text: 20_000, markdown: 50_000, reference: 50, listItem: 200, listItems: 50 } as const;

/** `'a', 'b'` for an IN list of constant words (never user input). */
const words = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(", ");

/** One CHECK per table: `<table>_<what>`. Raw SQL over column names, constants only. */
type Checks = Readonly<Record<string, string>>;

const within = (column: string, values: readonly string[]): string => `${column} IN (${words(values)})`;
const scale = (column: string): string => `${column} BETWEEN 1 AND 5`;
const maxChars = (column: string, n: number): string => `char_length(${column}) <= ${n}`;
const label = (column: string): string => `char_length(btrim(${column})) BETWEEN 1 AND ${TEXT_LIMITS.label}`;

/**
 * A list sort served by an index under the `?status=` filter: the column (its key in the
 * table's columns) and, for a column that may be empty, the one direction indexed. Lists
 * order `column dir [nulls last], id dir` (src/modules/records/list.ts): a never-empty
 * column's index serves both directions (read backwards), a nullable one only its own
 * (`desc nulls last` is not `asc nulls last` read backwards), so each nullable sort is
 * indexed in the direction its list is normally read: scores and recent dates newest or
 * highest first, due dates soonest first, labels and references A to Z.
 */
type StatusSort<K extends string> = readonly [column: K, direction?: "desc"];

/** The columns every compliance record has; each table adds its own (its label, then its domain fields). */
function recordTable<const N extends string, const C extends Record<string, PgColumnBuilderBase>>(
  name: N,
  statuses: readonly [string, ...string[]],
  columns: C,
  checks: Checks,
  options: {
    readonly defaultStatus?: string;
    readonly uniqueInOrg?: keyof C & string;
    /**
     * The sorts of its list besides `created_at` and `updated_at`, each indexed after
     * `(org_id, status)`: a `?status=` page reads its 51 rows off the index whatever the
     * organization's size (the page's cost must not grow with it: `npm run bench -- records`).
     */
    readonly statusSorts?: readonly StatusSort<keyof C & string>[];
  } = {},
) {
  return pgTable(
    name,
    {
      id: uuid("id").primaryKey().defaultRandom(),
      orgId: uuid("org_id")
        .notNull()
        .references(() => organizations.id, { onDelete: "cascade" }),
      ...columns,
      status: text("status")
        .notNull()
        .default(options.defaultStatus ?? statuses[0]),
      /** A member of the record's organization (a composite foreign key to memberships, in 0011). */
      ownerId: uuid("owner_id"),
      /** Optimistic concurrency (If-Match / ETag): 1 on insert, +1 on every update, by trigger. */
      version: integer("version").notNull().default(1),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
      /** Set by a trigger from the request's actor (user or API key id); the app cannot forge them. */
      createdBy: uuid("created_by").notNull().default(ACTOR),
      updatedBy: uuid("updated_by").notNull().default(ACTOR),
    },
    (t) => [
      index(`${name}_org_created_idx`).on(t.orgId, t.createdAt, t.id),
      // Every list's `?status=` filter under each of its sorts (see StatusSort). The unfiltered
      // sorts other than `created_at` have no index of their own: one per sort doubles the count.
      index(`${name}_org_status_created_idx`).on(t.orgId, t.status, t.createdAt, t.id),
      index(`${name}_org_status_updated_idx`).on(t.orgId, t.status, t.updatedAt, t.id),
      ...(options.statusSorts ?? []).map(([key, direction]) => {
        const column = t[key] as unknown as ExtraConfigColumn;
        const tag = `${name}_org_status_${column.name}_idx`;
        // `id desc` in the ORDER BY is `desc nulls first`: the index must say exactly that (id is never
        // null, but the planner matches the ordering as written), or Postgres sorts the page again.
        return direction === "desc"
          ? index(tag).on(t.orgId, t.status, column.desc().nullsLast(), t.id.desc().nullsFirst())
          : index(tag).on(t.orgId, t.status, column.asc().nullsLast(), t.id.asc());
      }),
      check(`${name}_status`, sql.raw(within("status", statuses))),
      ...Object.entries(checks).map(([what, condition]) => check(`${name}_${what}`, sql.raw(condition))),
      // One column unique in the organization (23505 → 409 `already_exists`).
      ...(options.uniqueInOrg === undefined
        ? []
        : [uniqueIndex(`${name}_org_${options.uniqueInOrg}_key`).on(t.orgId, t[options.uniqueInOrg])]),
    ],
  );
}

const text20k = (column: string) => ({ [`${column}_length`]: maxChars(column, TEXT_LIMITS.text) });

export const risks = recordTable(
  "risks",
  RISK_STATUSES,
  {
    title: text("title").notNull(),
    description: text("description"),
    category: text("category"),
    likelihood: smallint("likelihood"),
    impact: smallint("impact"),
    /** likelihood × impact (1–25), null until both are rated. */
    inherentScore: smallint("inherent_score").generatedAlwaysAs(sql`likelihood * impact`),
    treatment: text("treatment"),
    residualLikelihood: smallint("residual_likelihood"),
    residualImpact: smallint("residual_impact"),
    residualScore: smallint("residual_score").generatedAlwaysAs(sql`residual_likelihood * residual_impact`),
    reviewDue: date("review_due"),
  },
  {
    title: label("title"),
    ...text20k("description"),
    category_length: maxChars("category", TEXT_LIMITS.short),
    likelihood: scale("likelihood"),
    impact: scale("impact"),
    treatment: within("treatment", RISK_TREATMENTS),
    residual_likelihood: scale("residual_likelihood"),
    residual_impact: scale("residual_impact"),
  },
  { statusSorts: [["title"], ["inherentScore", "desc"], ["residualScore", "desc"], ["reviewDue"]] },
);

export const vendors = recordTable(
  "vendors",
  VENDOR_STATUSES,
  {
    name: text("name").notNull(),
    service: text("service"),
    criticality: text("criticality").notNull().default("medium"),
    dataAccess: text("data_access").notNull().default("none"),
    /** ISO 3166-1 alpha-2, where the vendor processes the data. */
    country: text("country"),
    contractStart: date("contract_start"),
    contractEnd: date("contract_end"),
    dpaSigned: boolean("dpa_signed").notNull().default(false),
    certifications: text("certifications")
      .array()
      .notNull()
      .default(sql`'{}'`),
    lastAssessedOn: date("last_assessed_on"),
    nextAssessmentDue: date("next_assessment_due"),
  },
  {
    name: label("name"),
    service_length: maxChars("service", TEXT_LIMITS.short),
    criticality: within("criticality", CRITICALITIES),
    data_access: within("data_access", DATA_ACCESS_LEVELS),
    country: "country ~ '^[A-Z]{2}$'",
    contract_dates: "contract_end >= contract_start",
    certifications_count: `cardinality(certifications) <= ${TEXT_LIMITS.listItems}`,
  },
  { defaultStatus: "active", statusSorts: [["name"], ["nextAssessmentDue"], ["contractEnd"]] },
);

export const incidents = recordTable(
  "incidents",
  INCIDENT_STATUSES,
  {
    title: text("title").notNull(),
    description: text("description"),
    severity: text("severity").notNull().default("medium"),
    occurredAt: timestamp("occurred_at", { withTimezone: true }),
    detectedAt: timestamp("detected_at", { withTimezone: true }),
    /** When the organization became aware of it: NIS2 Art. 23 deadlines run from here. */
    awareAt: timestamp("aware_at", { withTimezone: true }),
    /** A significant incident under NIS2 Art. 23(3). */
    significant: boolean("significant").notNull().default(false),
    /** A personal-data breach under GDPR Art. 4(12) (Art. 33 notification). */
    personalDataBreach: boolean("personal_data_breach").notNull().default(false),
    affectedServices: text("affected_services")
      .array()
      .notNull()
      .default(sql`'{}'`),
    crossBorder: boolean("cross_border").notNull().default(false),
    rootCause: text("root_cause"),
    actions: text("actions"),
  },
  {
    title: label("title"),
    ...text20k("description"),
    severity: within("severity", SEVERITIES),
    detected_after_occurred: "detected_at >= occurred_at",
    aware_after_occurred: "aware_at >= occurred_at",
    affected_services_count: `cardinality(affected_services) <= ${TEXT_LIMITS.listItems}`,
    ...text20k("root_cause"),
    ...text20k("actions"),
  },
  { statusSorts: [["title"], ["occurredAt", "desc"], ["awareAt", "desc"]] },
);

export const policies = recordTable(
  "policies",
  POLICY_STATUSES,
  {
    title: text("title").notNull(),
    /** Markdown, stored as written; whoever renders it sanitises it. */
    body: text("body").notNull().default(""),
    /** The document's own version label ("2.1"); not the record's `version`. */
    documentVersion: text("document_version").notNull().default("1.0"),
    /** A member of the organization (composite foreign key, 0011). */
    approverId: uuid("approver_id"),
    reviewDue: date("review_due"),
  },
  {
    title: label("title"),
    body_length: maxChars("body", TEXT_LIMITS.markdown),
    document_version: `char_length(btrim(document_version)) BETWEEN 1 AND ${TEXT_LIMITS.reference}`,
  },
  { statusSorts: [["title"], ["reviewDue"]] },
);

export const trainings = recordTable(
  "trainings",
  TRAINING_STATUSES,
  { title: text("title").notNull(), description: text("description"), dueDate: date("due_date") },
  { title: label("title"), ...text20k("description") },
  { statusSorts: [["title"], ["dueDate"]] },
);

export const controls = recordTable(
  "controls",
  CONTROL_STATUSES,
  {
    /** The organization's own identifier ("AC-01"), unique in it. */
    reference: text("reference"),
    title: text("title").notNull(),
    description: text("description"),
    nis2Measures: text("nis2_measures")
      .array()
      .notNull()
      .default(sql`'{}'`),
  },
  {
    title: label("title"),
    ...text20k("description"),
    reference: `char_length(btrim(reference)) BETWEEN 1 AND ${TEXT_LIMITS.reference}`,
    nis2_measures: `nis2_measures <@ ARRAY[${words(NIS2_MEASURES)}]::text[]`,
  },
  { uniqueInOrg: "reference", statusSorts: [["title"], ["reference"]] },
);

export const assessments = recordTable(
  "assessments",
  ASSESSMENT_STATUSES,
  { title: text("title").notNull(), scope: text("scope") },
  { title: label("title"), ...text20k("scope") },
  { statusSorts: [["title"]] },
);

export const evidence = recordTable(
  "evidence",
  EVIDENCE_STATUSES,
  { title: text("title").notNull(), description: text("description") },
  { title: label("title"), ...text20k("description") },
  { statusSorts: [["title"]] },
);
