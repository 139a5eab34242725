/**
 * The SQL of the five record actions, built from a resource's declaration. Column names
 * come from the declaration (checked against the table at load), never from a request;
 * every value is a bound parameter. Each statement also names the request's organization
 * explicitly, on top of the row policies that restrict it to that organization anyway.
 */
import { sql, type SQL } from "drizzle-orm";
import type { JSONValue } from "hono/utils/types";
import type { Database } from "../../db";
import type { Resource } from "./declaration";

/** A record as the database answers it: column name → value. */
export type RecordRow = Record<string, unknown>;

const id = (name: string): SQL => sql`${sql.identifier(name)}`;

/** The columns a client sees and the derived fields, as a select list. */
export function selectList(resource: Resource): SQL {
  const derived = Object.entries(resource.spec.derived ?? {}).map(([name, field]) => sql`${field.sql} as ${id(name)}`);
  return sql.join([...resource.visible.map((column) => id(column)), ...derived], sql`, `);
}

/** A value as SQL: lists travel as one JSON parameter (drizzle would spread an array into several). */
function valueOf(resource: Resource, column: string, value: unknown): SQL {
  if (value === null) return sql`null`;
  if (Array.isArray(value)) {
    return sql`array(select jsonb_array_elements_text(${JSON.stringify(value)}::jsonb))`;
  }
  // The column's type, so Postgres never has to guess a parameter's (booleans, dates, numbers).
  const type = resource.columns.get(column)?.getSQLType();
  if (type === undefined) throw new Error(`records: ${resource.name} has no column ${column}`);
  return sql`${value}::${sql.raw(type)}`;
}

/** The fields of a validated body that were sent (a field left out is not written). */
function sent(body: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(body).filter(([, value]) => value !== undefined);
}

/** INSERT … RETURNING the record. */
export function insertRecord(tx: Database, resource: Resource, orgId: string, body: Readonly<Record<string, unknown>>, recordId?: string) {
  // The id is the worker's when a create hook's statements need it in the same transaction.
  const fields: [string, unknown][] = recordId === undefined ? sent(body) : [["id", recordId], ...sent(body)];
  const columns = sql.join([id("org_id"), ...fields.map(([column]) => id(column))], sql`, `);
  const values = sql.join([sql`${orgId}::uuid`, ...fields.map(([column, value]) => valueOf(resource, column, value))], sql`, `);
  return tx.execute<RecordRow>(sql`insert into ${id(resource.name)} (${columns}) values (${values}) returning ${selectList(resource)}`);
}

/** SELECT one record by id. */
export function selectRecord(tx: Database, resource: Resource, orgId: string, recordId: string) {
  return tx.execute<RecordRow>(
    sql`select ${selectList(resource)} from ${id(resource.name)} where org_id = ${orgId}::uuid and id = ${recordId}::uuid`,
  );
}

/**
 * UPDATE one record, only at one of `versions` when given (If-Match), RETURNING it.
 * The version and the actor stamps are set by triggers, never from the body.
 */
export function updateRecord(
  tx: Database,
  resource: Resource,
  orgId: string,
  recordId: string,
  body: Readonly<Record<string, unknown>>,
  versions: readonly number[] | undefined,
) {
  const assignments = sql.join(
    sent(body).map(([column, value]) => sql`${id(column)} = ${valueOf(resource, column, value)}`),
    sql`, `,
  );
  const atVersion =
    versions === undefined
      ? sql``
      : versions.length === 0
        ? sql` and false`
        : sql` and version in (${sql.join(
            versions.map((v) => sql`${v}::integer`),
            sql`, `,
          )})`;
  return tx.execute<RecordRow>(
    sql`update ${id(resource.name)} set ${assignments} where org_id = ${orgId}::uuid and id = ${recordId}::uuid${atVersion} returning ${selectList(resource)}`,
  );
}

/** The current version of a record, read after an update in the same transaction (412 or 404?). */
export function versionOf(tx: Database, resource: Resource, orgId: string, recordId: string) {
  return tx.execute<{ version: number }>(
    sql`select version from ${id(resource.name)} where org_id = ${orgId}::uuid and id = ${recordId}::uuid`,
  );
}

/** DELETE one record, RETURNING its id. */
export function deleteRecord(tx: Database, resource: Resource, orgId: string, recordId: string) {
  return tx.execute<{ id: string }>(
    sql`delete from ${id(resource.name)} where org_id = ${orgId}::uuid and id = ${recordId}::uuid returning id`,
  );
}

/** A record as the API answers it (its schema is built from the declaration: routes.ts). */
export type RecordOut = { [column: string]: JSONValue };

/** A record as the API answers it: the visible columns, instants as RFC 3339 UTC, then the derived fields. */
export function present(resource: Resource, row: RecordRow): RecordOut {
  const out: RecordOut = {};
  for (const column of resource.visible) {
    const value = row[column];
    const type = resource.columns.get(column)?.getSQLType() ?? "";
    out[column] =
      value !== null && value !== undefined && type.startsWith("timestamp")
        ? new Date(value as string | Date).toISOString()
        : ((value ?? null) as JSONValue);
  }
  // Derived fields arrive as the JSON the database built (instants already in RFC 3339).
  for (const name of Object.keys(resource.spec.derived ?? {})) out[name] = (row[name] ?? null) as JSONValue;
  return out;
}
