/**
 * The answer shapes of Neon's HTTP endpoint and small SQL helpers shared by both
 * backends. Cells are Postgres text output (or null); the driver parses them with
 * pg-types by `dataTypeID`, so the OIDs must be the real ones.
 */
import type { TxOptions } from "./request.ts";

/** A field as Neon describes it: pg's metadata, always in text format. */
export interface FieldDescription extends FieldLike {
  readonly format: "text";
}

/** One statement's result as Neon answers it (`fullResults` hands this object to the caller). */
export interface QueryResult {
  readonly command: string;
  readonly rowCount: number | null;
  readonly rows: (string | null)[][];
  readonly fields: FieldDescription[];
  readonly rowAsArray: true;
}

/** Field metadata as both pg and PGlite describe it (their `format` differs: "text" vs 0). */
export interface FieldLike {
  readonly name: string;
  readonly tableID: number;
  readonly columnID: number;
  readonly dataTypeID: number;
  readonly dataTypeSize: number;
  readonly dataTypeModifier: number;
}

export function describeField(f: FieldLike): FieldDescription {
  return {
    name: f.name,
    tableID: f.tableID,
    columnID: f.columnID,
    dataTypeID: f.dataTypeID,
    dataTypeSize: f.dataTypeSize,
    dataTypeModifier: f.dataTypeModifier,
    format: "text",
  };
}

// Same reading of the command tag as pg's Result (and Neon's proxy): "INSERT 0 3" → INSERT, 3.
const TAG = /^([A-Za-z]+)(?: (\d+))?(?: (\d+))?/;

export function parseCommandTag(tag: string): { command: string; rowCount: number | null } {
  const match = TAG.exec(tag);
  if (!match) return { command: "", rowCount: null };
  const count = match[3] ?? match[2];
  return { command: match[1] ?? "", rowCount: count === undefined ? null : Number.parseInt(count, 10) };
}

/** BEGIN with the batch's isolation level, access mode and deferrable flag. */
export function beginStatement(tx: TxOptions): string {
  const modes: string[] = [];
  if (tx.isolationLevel) modes.push(`ISOLATION LEVEL ${tx.isolationLevel}`);
  if (tx.readOnly !== undefined) modes.push(tx.readOnly ? "READ ONLY" : "READ WRITE");
  if (tx.deferrable !== undefined) modes.push(tx.deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
  return modes.length ? `BEGIN ${modes.join(", ")}` : "BEGIN";
}

/** Quotes an identifier (a role name from a connection string is user input). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
