/**
 * Runs statements on PGlite through the wire protocol (execProtocol), not through
 * `db.query`, because Neon's answer needs what only the protocol gives: the command
 * tag (for `command`/`rowCount`), the full RowDescription and raw text cells.
 * The caller holds the gateway's BackendLock.
 */
import { messages, protocol, type PGlite } from "@electric-sql/pglite";
import { GatewayError, pgErrorBody } from "./errors.ts";
import type { SqlQuery } from "./request.ts";
import { describeField, parseCommandTag, type FieldDescription, type QueryResult } from "./result.ts";

const { serialize } = protocol;

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

type Messages = Awaited<ReturnType<PGlite["execProtocol"]>>["messages"];

function throwIfError(received: Messages): void {
  const error = received.find((m): m is messages.DatabaseError => m instanceof messages.DatabaseError);
  if (error) throw new GatewayError(400, pgErrorBody(error));
}

/** A simple-protocol statement (BEGIN, COMMIT, SET LOCAL ROLE …); throws a 400 GatewayError on error. */
export async function simpleQuery(db: PGlite, text: string): Promise<void> {
  const { messages: received } = await db.execProtocol(serialize.query(text), { throwOnError: false });
  throwIfError(received);
}

/** One statement through Parse/Bind/Describe/Execute/Sync with text parameters, as Neon runs it. */
export async function extendedQuery(db: PGlite, q: SqlQuery): Promise<QueryResult> {
  const message = concatBytes([
    serialize.parse({ text: q.query, types: [] }),
    serialize.bind({ values: [...q.params] }),
    serialize.describe({ type: "P" }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  const { messages: received } = await db.execProtocol(message, { throwOnError: false });
  throwIfError(received);
  let fields: FieldDescription[] = [];
  const rows: (string | null)[][] = [];
  let tag = "";
  for (const m of received) {
    if (m instanceof messages.RowDescriptionMessage) fields = m.fields.map(describeField);
    else if (m instanceof messages.DataRowMessage) rows.push(m.fields);
    else if (m instanceof messages.CommandCompleteMessage) tag = m.text;
  }
  return { ...parseCommandTag(tag), rows, fields, rowAsArray: true };
}
