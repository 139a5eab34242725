/**
 * The records a link can join, as link ends: the record table (also the path segment),
 * the link column that names it, what a list shows of it (a summary, never the whole
 * record: GET the record for that), and the order a list of them follows. Column names
 * are checked against the tables at load, so a typo stops the app from building.
 */
import { z } from "@hono/zod-openapi";
import { getTableColumns, type Table } from "drizzle-orm";
import { schema } from "../../db";
import { ASSESSMENT_STATUSES, CONTROL_STATUSES, EVIDENCE_STATUSES, RISK_STATUSES } from "../../db/schema";

/** One side of a link. */
export interface LinkEnd {
  /** The record table and path segment: `controls`. */
  readonly records: "controls" | "risks" | "evidence" | "assessments";
  /** One record, in prose, schema names and the list item's key: `control`. */
  readonly singular: string;
  /** One record in a sentence: `a control`, `an item of evidence`. */
  readonly one: string;
  /** The column of the link tables naming this record (and the path parameter when it is second): `control_id`. */
  readonly column: string;
  /** What a list shows of the record; keys are its columns. */
  readonly summary: z.ZodRawShape;
  /** The columns a list of these records is ordered by (empty values last), then the id. */
  readonly order: readonly string[];
}

const uuid = () => z.uuid();

function checked(end: LinkEnd, table: Table): LinkEnd {
  const columns = new Set(Object.values(getTableColumns(table)).map((column) => column.name));
  for (const column of [...Object.keys(end.summary), ...end.order]) {
    if (!columns.has(column)) throw new Error(`links: ${end.records} has no column ${column}`);
  }
  return end;
}

export const CONTROL: LinkEnd = checked(
  {
    records: "controls",
    singular: "control",
    one: "a control",
    column: "control_id",
    summary: {
      id: uuid(),
      reference: z.string().nullable().openapi({ example: "AC-01" }),
      title: z.string().openapi({ example: "Multi-factor authentication for remote access" }),
      status: z.enum(CONTROL_STATUSES),
    },
    order: ["reference", "title"],
  },
  schema.controls,
);

export const RISK: LinkEnd = checked(
  {
    records: "risks",
    singular: "risk",
    one: "a risk",
    column: "risk_id",
    summary: {
      id: uuid(),
      title: z.string().openapi({ example: "Ransomware on the billing servers" }),
      status: z.enum(RISK_STATUSES),
      inherent_score: z.number().int().nullable(),
      residual_score: z.number().int().nullable(),
    },
    order: ["title"],
  },
  schema.risks,
);

export const EVIDENCE: LinkEnd = checked(
  {
    records: "evidence",
    singular: "evidence",
    one: "an item of evidence",
    column: "evidence_id",
    summary: {
      id: uuid(),
      title: z.string().openapi({ example: "MFA enforcement report, Q3" }),
      status: z.enum(EVIDENCE_STATUSES),
    },
    order: ["title"],
  },
  schema.evidence,
);

export const ASSESSMENT: LinkEnd = checked(
  {
    records: "assessments",
    singular: "assessment",
    one: "an assessment",
    column: "assessment_id",
    summary: {
      id: uuid(),
      title: z.string().openapi({ example: "NIS2 gap assessment 2026" }),
      status: z.enum(ASSESSMENT_STATUSES),
    },
    order: ["title"],
  },
  schema.assessments,
);

/** How many items a link list answers at most (`truncated: true` past that); a control has tens, not thousands. */
export const LINK_LIST_CAP = 500;
