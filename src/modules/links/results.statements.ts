/**
 * The SQL of assessment results. A result is written by an INSERT … SELECT that finds the
 * assessment and the control in this organization in the same statement (an unknown or
 * foreign id writes nothing: 404), as an upsert on the pair; an upsert that would change
 * nothing updates no row, so repeating a PUT adds no audit entry.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";
import { ASSESSMENT, CONTROL, LINK_LIST_CAP, type LinkEnd } from "./ends";
import type { ResultInput } from "./results.schemas";
import { ident, orderOf, summaryOf } from "./statements";

/** A result as the database answers it. */
export interface ResultRow {
  readonly assessment_id: string;
  readonly control_id: string;
  readonly result: string;
  readonly notes: string | null;
  readonly created_at: string | Date;
  readonly created_by: string;
  readonly updated_at: string | Date;
  readonly updated_by: string;
  readonly [column: string]: unknown;
}

const RESULT_COLUMNS = ["assessment_id", "control_id", "result", "notes", "created_at", "created_by", "updated_at", "updated_by"];
const columnsOf = (alias?: string) =>
  sql.join(
    RESULT_COLUMNS.map((c) => (alias === undefined ? ident(c) : sql`${ident(alias)}.${ident(c)}`)),
    sql`, `,
  );
const wherePair = (orgId: string, assessmentId: string, controlId: string) =>
  sql`org_id = ${orgId}::uuid and assessment_id = ${assessmentId}::uuid and control_id = ${controlId}::uuid`;

/** The result, if the control has one in the assessment. */
export const selectResult = (tx: Database, orgId: string, assessmentId: string, controlId: string) =>
  tx.execute<ResultRow>(sql`select ${columnsOf()} from assessment_results where ${wherePair(orgId, assessmentId, controlId)}`);

/** Records or replaces the control's result in the assessment, if both are this organization's. */
export function upsertResult(tx: Database, orgId: string, assessmentId: string, controlId: string, body: ResultInput) {
  return tx.execute(sql`
    insert into assessment_results (org_id, assessment_id, control_id, result, notes)
    select a.org_id, a.id, c.id, ${body.result}::text, ${body.notes ?? null}::text
    from assessments a join controls c on c.org_id = a.org_id
    where a.org_id = ${orgId}::uuid and a.id = ${assessmentId}::uuid and c.id = ${controlId}::uuid
    on conflict (org_id, assessment_id, control_id) do update set result = excluded.result, notes = excluded.notes
      where (assessment_results.result, assessment_results.notes) is distinct from (excluded.result, excluded.notes)`);
}

/** Removes the result; its id, or no row. */
export const deleteResult = (tx: Database, orgId: string, assessmentId: string, controlId: string) =>
  tx.execute<{ id: string }>(sql`delete from assessment_results where ${wherePair(orgId, assessmentId, controlId)} returning id`);

/**
 * The results of one assessment (`side` ASSESSMENT) or of one control across assessments
 * (`side` CONTROL), each with a summary of the record on the other side, in its order;
 * one more than the cap, to tell a truncated list.
 */
export function listResults(tx: Database, side: LinkEnd, orgId: string, id: string) {
  const other = side === ASSESSMENT ? CONTROL : ASSESSMENT;
  return tx.execute<ResultRow & { record: unknown }>(sql`
    select ${columnsOf("l")}, ${summaryOf(other, "r")} as record
    from assessment_results l
    join ${ident(other.records)} r on r.org_id = l.org_id and r.id = l.${ident(other.column)}
    where l.org_id = ${orgId}::uuid and l.${ident(side.column)} = ${id}::uuid
    order by ${orderOf(other, "r")}
    limit ${LINK_LIST_CAP + 1}`);
}

/** How many of an assessment's results are of each kind. */
export const resultCounts = (tx: Database, orgId: string, assessmentId: string) =>
  tx.execute<{ result: string; n: number }>(sql`
    select result, count(*)::int as n from assessment_results
    where org_id = ${orgId}::uuid and assessment_id = ${assessmentId}::uuid
    group by result`);
