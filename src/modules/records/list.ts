/**
 * Lists: filters and sorts declared per resource, keyset pagination. A page is
 * `limit + 1` rows ordered by the sort column then the id (both in the sort's
 * direction, empty values last); the extra row only says there is a next page. The
 * cursor (src/http/cursor.ts: opaque base64url JSON) holds the sort, the last row's
 * sort value as the database printed it, and its id; it is checked against the list it
 * belongs to and the sort column's type before it reaches SQL, so a tampered cursor is
 * 400 `invalid_cursor`, never a database error.
 */
import { z } from "@hono/zod-openapi";
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db";
import { decodeCursor, encodeCursor } from "../../http/cursor";
import { AppError } from "../../http/errors";
import type { Resource } from "./declaration";
import { selectList, type RecordRow } from "./statements";

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** A list request, validated: the page, the sort (`-` for descending) and the filters sent. */
export interface ListQuery {
  readonly limit: number;
  readonly cursor?: string | undefined;
  readonly sort: string;
  readonly [filter: string]: unknown;
}

/** The position a cursor holds: sort value (absent: the row had none) and row id. */
const Position = z.strictObject({ v: z.string().max(1000).optional(), id: z.uuid() });
type Position = z.infer<typeof Position>;

const listTag = (resource: Resource, sort: string): string => `records:${resource.name}:${sort}`;

// The text Postgres prints for the sortable types, strictly, so the cast back cannot fail.
const INTEGER = /^-?\d{1,9}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMPTZ = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

function realDate(year: string, month: string, day: string): boolean {
  const y = Number(year);
  const date = new Date(Date.UTC(y, Number(month) - 1, Number(day)));
  return y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/** Whether `value` is text Postgres printed for a column of `type` (and so casts back). */
function castable(type: string, value: string): boolean {
  if (type === "smallint" || type === "integer") return INTEGER.test(value);
  if (type === "date") {
    const m = DATE.exec(value);
    return m !== null && realDate(m[1] ?? "", m[2] ?? "", m[3] ?? "");
  }
  if (type.startsWith("timestamp")) {
    const m = TIMESTAMPTZ.exec(value);
    if (m === null || !realDate(m[1] ?? "", m[2] ?? "", m[3] ?? "")) return false;
    const [h, min, s, oh, om, os] = [m[4], m[5], m[6], m[7], m[8] ?? "0", m[9] ?? "0"].map(Number);
    return (h ?? 99) < 24 && (min ?? 99) < 60 && (s ?? 99) < 60 && (oh ?? 99) <= 15 && (om ?? 99) < 60 && (os ?? 99) < 60;
  }
  return type === "text";
}

/** The sort of a list request: its column and direction. */
function sortOf(query: ListQuery): { column: string; descending: boolean } {
  const descending = query.sort.startsWith("-");
  return { column: descending ? query.sort.slice(1) : query.sort, descending };
}

/** The cursor's position, checked against this list and the sort column's type. */
function positionOf(resource: Resource, query: ListQuery, type: string): Position | undefined {
  if (query.cursor === undefined) return undefined;
  const position = decodeCursor(listTag(resource, query.sort), Position, query.cursor);
  if (position.v !== undefined && !castable(type, position.v)) throw new AppError("invalid_cursor");
  return position;
}

/**
 * The rows after the cursor, in the sort's order (empty sort values come last either way).
 * A column that is never empty is compared as a row value, `(col, id) < (v, id0)`, which an
 * index on `(org_id, col, id)` serves directly: a later page costs what the first does.
 */
function after(column: SQL, type: string, descending: boolean, notNull: boolean, position: Position): SQL {
  const beyond = descending ? sql`<` : sql`>`;
  const rowId = sql`${position.id}::uuid`;
  if (position.v === undefined) return sql`(${column} is null and id ${beyond} ${rowId})`;
  const value = sql`${position.v}::${sql.raw(type)}`;
  if (notNull) return sql`(${column}, id) ${beyond} (${value}, ${rowId})`;
  return sql`(${column} ${beyond} ${value} or (${column} = ${value} and id ${beyond} ${rowId}) or ${column} is null)`;
}

/** The filters sent, as conditions. */
function filtersOf(resource: Resource, query: ListQuery): SQL[] {
  return Object.entries(resource.filters).flatMap(([param, filter]) => {
    const value = query[param];
    if (value === undefined) return [];
    const column = sql.identifier(filter.column ?? param);
    const type = resource.columns.get(filter.column ?? param)?.getSQLType() ?? "text";
    return [filter.op === "contains" ? sql`${column} @> array[${value}::text]` : sql`${column} = ${value}::${sql.raw(type)}`];
  });
}

/**
 * The page's statement: the visible columns plus the sort value as text (for the cursor).
 *
 * @example
 * ```ts
 * const [rows] = await inOrg(c, (tx) => [listStatement(tx, risks, orgId, { limit: 50, sort: "-created_at" })]);
 * ```
 */
export function listStatement(tx: Database, resource: Resource, orgId: string, query: ListQuery) {
  const { column: name, descending } = sortOf(query);
  const declared = resource.columns.get(name);
  const type = declared?.getSQLType() ?? "text";
  // A never-empty column sorts without `nulls last`, so the (org_id, column, id) index read
  // forwards or backwards gives the order itself (with it, Postgres sorted the whole org).
  const notNull = declared?.notNull === true;
  const column = sql`${sql.identifier(name)}`;
  const position = positionOf(resource, query, type);
  const conditions = [
    sql`org_id = ${orgId}::uuid`,
    ...filtersOf(resource, query),
    ...(position ? [after(column, type, descending, notNull, position)] : []),
  ];
  const direction = descending ? sql`desc` : sql`asc`;
  return tx.execute<RecordRow & { sort_value: string | null }>(sql`
    select ${selectList(resource)}, ${column}::text as sort_value
    from ${sql.identifier(resource.name)}
    where ${sql.join(conditions, sql` and `)}
    order by ${column} ${direction}${notNull ? sql`` : sql` nulls last`}, id ${direction}
    limit ${query.limit + 1}`);
}

/** The page's rows and the cursor of the next page (null on the last one). */
export function pageOf(resource: Resource, query: ListQuery, rows: readonly (RecordRow & { sort_value: string | null })[]) {
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const more = rows.length > query.limit && last !== undefined;
  const nextCursor = more
    ? encodeCursor(listTag(resource, query.sort), { ...(last.sort_value === null ? {} : { v: last.sort_value }), id: String(last.id) })
    : null;
  return { page, nextCursor };
}
