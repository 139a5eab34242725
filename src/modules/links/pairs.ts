/**
 * The plain links (a pair of records, nothing more): control ↔ risk (the control treats
 * the risk) and control ↔ evidence (the evidence shows the control works). Each is one
 * table of src/db/schema/links.ts; its routes, statements and schemas are derived from
 * this declaration (pairs.routes.ts, pairs.statements.ts). Assessment ↔ control carries
 * a result and has its own files (results.*.ts).
 */
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import { schema } from "../../db";
import { CONTROL, EVIDENCE, RISK, type LinkEnd } from "./ends";

/** A link between two kinds of record. */
export interface PairLink {
  /** The link table: `control_risks`. */
  readonly table: string;
  /** The side whose path names the other: `/controls/{id}/risks/{risk_id}`. */
  readonly from: LinkEnd;
  readonly to: LinkEnd;
  /** Schema and operation names: `ControlRisk`. */
  readonly name: string;
  /** What the link means, for the document. */
  readonly meaning: string;
}

function pair(table: Table, from: LinkEnd, to: LinkEnd, name: string, meaning: string): PairLink {
  const columns = new Set(Object.values(getTableColumns(table)).map((column) => column.name));
  for (const column of [from.column, to.column]) {
    if (!columns.has(column)) throw new Error(`links: ${getTableName(table)} has no column ${column}`);
  }
  return { table: getTableName(table), from, to, name, meaning };
}

export const CONTROL_RISKS = pair(schema.controlRisks, CONTROL, RISK, "ControlRisk", "The control treats (reduces) the risk.");
export const CONTROL_EVIDENCE = pair(
  schema.controlEvidence,
  CONTROL,
  EVIDENCE,
  "ControlEvidence",
  "The evidence shows that the control is in place and works.",
);

/** Every plain link. */
export const PAIR_LINKS: readonly PairLink[] = [CONTROL_RISKS, CONTROL_EVIDENCE];
