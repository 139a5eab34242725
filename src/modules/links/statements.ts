/**
 * SQL shared by the link routes: whether a record is the organization's, and how a list
 * shows and orders the records on the other side. Table and column names come from the
 * declarations (ends.ts, checked at load), never from a request; every value is a bound
 * parameter, and each statement names the request's organization on top of the row
 * policies that restrict it anyway.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db";
import type { LinkEnd } from "./ends";

export const ident = (name: string): SQL => sql`${sql.identifier(name)}`;
const column = (alias: string, name: string): SQL => sql`${ident(alias)}.${ident(name)}`;

/** The record's id if it is this organization's (no row: 404). */
export const recordExists = (tx: Database, end: LinkEnd, orgId: string, id: string) =>
  tx.execute<{ id: string }>(sql`select id from ${ident(end.records)} where org_id = ${orgId}::uuid and id = ${id}::uuid`);

/** The summary a list shows of a record, as one jsonb object. */
export function summaryOf(end: LinkEnd, alias: string): SQL {
  const pairs = Object.keys(end.summary).map((name) => sql`${name}::text, ${column(alias, name)}`);
  return sql`jsonb_build_object(${sql.join(pairs, sql`, `)})`;
}

/** A list's order: the end's columns (empty last), then the id, so it is stable. */
export function orderOf(end: LinkEnd, alias: string): SQL {
  return sql.join([...end.order.map((name) => sql`${column(alias, name)} nulls last`), column(alias, "id")], sql`, `);
}

/** jsonb the driver may hand over parsed or as text (the caller knows its shape: our own jsonb_build_object). */
export function jsonOf(value: unknown): unknown {
  return typeof value === "string" ? (JSON.parse(value) as unknown) : value;
}

/** An instant as the API answers it (RFC 3339 UTC). */
export const iso = (value: string | Date): string => new Date(value).toISOString();
