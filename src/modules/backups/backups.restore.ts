/**
 * The restore drill (P15): an owner restores a verified backup into a NEW organization,
 * proving the export round-trips. One transaction, sent as one batch after the route's
 * check (`inOrg`): switch the request's organization to the new one, create it with the
 * caller as owner, add the source's CURRENT members with their current roles (a drill
 * grants nobody access they do not have now; `app.backup_drill_members`), then recreate
 * the records, incident reports, links and duties from the export with NEW ids, mapped
 * old → new in the worker so every link points at the new rows. The rows go through the
 * app role's own policies and triggers, like any write: actor stamps, versions and
 * timestamps are the drill's, and every row is an entry of the new organization's audit
 * log. What the database lets a person do only for themself is restored only for the
 * caller: policy acknowledgements (others' are in the export, not forged here). A person
 * reference (owner, approver, assignee) to someone who is not a member now is left empty
 * (assignments of non-members are not restored). Evidence files: metadata only, in the
 * export; objects are not copied, so evidence records come back without files.
 */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { schema, type Database } from "../../db";
import type { BackupRows } from "./backups.check";

/** The record tables, in the export's order, and their drizzle tables (for the column lists). */
const RECORD_TABLES = {
  risks: schema.risks,
  vendors: schema.vendors,
  incidents: schema.incidents,
  policies: schema.policies,
  trainings: schema.trainings,
  controls: schema.controls,
  assessments: schema.assessments,
  evidence: schema.evidence,
} as const satisfies Record<string, PgTable>;
type RecordTableName = keyof typeof RECORD_TABLES;

/** Columns the database sets on insert (stamps, version) or computes (generated): never sent. */
const STAMPED = new Set(["org_id", "version", "created_at", "created_by", "updated_at", "updated_by"]);
/** Columns that name a person: kept only when that person is a member of the new organization. */
const PERSON = new Set(["owner_id", "approver_id"]);

const member = (column: string): SQL =>
  sql.raw(`(SELECT m.user_id FROM public.memberships m WHERE m.org_id = app.current_org_id() AND m.user_id = x.${column})`);

/** `WITH ins AS (<insert … RETURNING 1>) SELECT count(*)`: one row, the count, whatever the size. */
const counted = (insert: SQL) => sql`WITH ins AS (${insert} RETURNING 1) SELECT count(*)::int AS n FROM ins`;

const rowsOf = (rows: readonly Record<string, unknown>[]): string => JSON.stringify(rows);

function insertRecords(tx: Database, name: RecordTableName, rows: readonly Record<string, unknown>[]) {
  const source: PgTable = RECORD_TABLES[name];
  const columns = Object.values(getTableColumns(source))
    .filter((c) => c.generated === undefined && !STAMPED.has(c.name))
    .map((c) => c.name);
  const values = columns.map((c) => (PERSON.has(c) ? member(c) : sql.raw(`x.${c}`)));
  const table = sql.raw(`public.${name}`);
  return tx.execute<{ n: number }>(
    counted(
      sql`INSERT INTO ${table} (org_id, ${sql.raw(columns.join(", "))}) SELECT app.current_org_id(), ${sql.join(values, sql`, `)} FROM jsonb_populate_recordset(NULL::${table}, ${rowsOf(rows)}::jsonb) x`,
    ),
  );
}

/** Copies of `rows` with `fields` mapped through `ids`; rows naming an id the map lacks are dropped. */
function remap(rows: readonly Record<string, unknown>[], fields: readonly string[], ids: ReadonlyMap<string, string>) {
  return rows.flatMap((row) => {
    const copy: Record<string, unknown> = { ...row };
    for (const field of fields) {
      const mapped = ids.get(String(row[field]));
      if (mapped === undefined) return [];
      copy[field] = mapped;
    }
    return [copy];
  });
}

/** Restored rows per section, in the order of the statements {@link drillStatements} builds. */
export const DRILL_SECTIONS = [
  "memberships",
  ...(Object.keys(RECORD_TABLES) as RecordTableName[]),
  "incident_notifications",
  "control_risks",
  "control_evidence",
  "assessment_results",
  "training_assignments",
  "policy_acknowledgements",
] as const;

/** Where each section's count is among {@link drillStatements}' results (the completion update counts nothing). */
const COUNT_AT: Readonly<Record<(typeof DRILL_SECTIONS)[number], number>> = Object.fromEntries(
  DRILL_SECTIONS.map((section, i) => [section, section === "policy_acknowledgements" ? i + 3 : i + 2]),
) as Record<(typeof DRILL_SECTIONS)[number], number>;

/** Rows restored per section, from the results of {@link drillStatements}, in order. */
export function restoredCounts(results: readonly unknown[]): Record<string, number> {
  return Object.fromEntries(
    DRILL_SECTIONS.map((section) => {
      const result = results[COUNT_AT[section]] as { rows?: readonly { n?: unknown }[] } | undefined;
      return [section, Number(result?.rows?.[0]?.n ?? 0)];
    }),
  );
}

/**
 * The drill's statements after the source's check and event: they run in the new
 * organization (`newOrgId`, set as the request's organization by the first one).
 */
export function drillStatements(
  tx: Database,
  facts: {
    readonly sourceOrgId: string;
    readonly newOrgId: string;
    readonly name: string;
    readonly callerId: string;
    readonly rows: BackupRows;
  },
) {
  const { rows } = facts;
  const org = rows.organization[0] ?? {};
  const requireMfa = org.require_mfa === true;
  const regimes = Array.isArray(org.deadline_regimes) ? org.deadline_regimes.map(String) : ["nis2", "gdpr", "customer"];
  const ids = new Map<string, string>();
  const records = (Object.keys(RECORD_TABLES) as RecordTableName[]).map((name) => {
    const renamed = rows[name].map((row) => {
      const id = crypto.randomUUID();
      ids.set(String(row.id), id);
      return { ...row, id };
    });
    return { name, rows: renamed };
  });
  const notifications = remap(rows.incident_notifications, ["incident_id"], ids);
  const controlRisks = remap(rows.control_risks, ["control_id", "risk_id"], ids);
  const controlEvidence = remap(rows.control_evidence, ["control_id", "evidence_id"], ids);
  const results = remap(rows.assessment_results, ["assessment_id", "control_id"], ids);
  const assignments = remap(rows.training_assignments, ["training_id"], ids);
  const acknowledgements = remap(
    rows.policy_acknowledgements.filter((a) => a.user_id === facts.callerId),
    ["policy_id"],
    ids,
  );
  const regimeArray = `{${regimes.filter((r) => /^[a-z]+$/.test(r)).join(",")}}`;
  const from = (table: string, json: readonly Record<string, unknown>[]) =>
    sql`FROM jsonb_populate_recordset(NULL::${sql.raw(`public.${table}`)}, ${rowsOf(json)}::jsonb) x`;
  return [
    tx.execute(sql`SELECT set_config('app.org_id', ${facts.newOrgId}, true)`),
    tx.execute(sql`SELECT id FROM app.create_organization(${facts.newOrgId}, ${facts.name}, ${requireMfa}, ${regimeArray}::text[])`),
    tx.execute<{ n: number }>(
      counted(
        sql`INSERT INTO public.memberships (org_id, user_id, role) SELECT app.current_org_id(), d.user_id, d.role FROM app.backup_drill_members(${facts.sourceOrgId}::uuid) d`,
      ),
    ),
    ...records.map((r) => insertRecords(tx, r.name, r.rows)),
    tx.execute<{ n: number }>(
      counted(
        sql`INSERT INTO public.incident_notifications (org_id, incident_id, kind, submitted_at, reference, notes) SELECT app.current_org_id(), x.incident_id, x.kind, x.submitted_at, x.reference, x.notes ${from("incident_notifications", notifications)}`,
      ),
    ),
    tx.execute<{ n: number }>(
      counted(
        sql`INSERT INTO public.control_risks (org_id, control_id, risk_id) SELECT app.current_org_id(), x.control_id, x.risk_id ${from("control_risks", controlRisks)}`,
      ),
    ),
    tx.execute<{ n: number }>(
      counted(
        sql`INSERT INTO public.control_evidence (org_id, control_id, evidence_id) SELECT app.current_org_id(), x.control_id, x.evidence_id ${from("control_evidence", controlEvidence)}`,
      ),
    ),
    tx.execute<{ n: number }>(
      counted(
        sql`INSERT INTO public.assessment_results (org_id, assessment_id, control_id, result, notes) SELECT app.current_org_id(), x.assessment_id, x.control_id, x.result, x.notes ${from("assessment_results", results)}`,
      ),
    ),
    tx.execute<{ n: number }>(
      counted(
        sql`INSERT INTO public.training_assignments (org_id, training_id, user_id, due_date) SELECT app.current_org_id(), x.training_id, x.user_id, x.due_date ${from("training_assignments", assignments)} WHERE EXISTS (SELECT FROM public.memberships m WHERE m.org_id = app.current_org_id() AND m.user_id = x.user_id)`,
      ),
    ),
    // A completion is recorded by an update (the insert grant has no completion columns); the drill's caller records it.
    tx.execute(
      sql`UPDATE public.training_assignments t SET completed_at = x.completed_at, score = x.score, notes = x.notes ${from("training_assignments", assignments)} WHERE t.org_id = app.current_org_id() AND t.training_id = x.training_id AND t.user_id = x.user_id AND x.completed_at IS NOT NULL`,
    ),
    // Only an approved policy's current label can be acknowledged (the database's rule): others stay in the export.
    tx.execute<{ n: number }>(
      counted(
        sql`INSERT INTO public.policy_acknowledgements (org_id, policy_id, document_version) SELECT app.current_org_id(), x.policy_id, x.document_version ${from("policy_acknowledgements", acknowledgements)} JOIN public.policies p ON p.org_id = app.current_org_id() AND p.id = x.policy_id AND p.status = 'approved' AND p.document_version = x.document_version`,
      ),
    ),
  ] as const;
}
