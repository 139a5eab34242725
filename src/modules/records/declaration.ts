/**
 * What a compliance resource is, declared once (one file per resource under
 * resources/): its table, its writable fields (zod, with OpenAPI metadata; the keys are
 * the table's column names, which are also the API's field names), its statuses, the
 * filters and sorts its list offers, the free-text fields the WAF lets through, the
 * permission of each action and an example. The five routes, their handlers, their
 * OpenAPI entries and the list of protected tables are all derived from it (routes.ts,
 * handlers.ts, registry.ts); nothing about a resource is written twice.
 */
import { z } from "@hono/zod-openapi";
import { getTableColumns, getTableName, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Permission } from "../../context";
import type { WafGroup } from "../../pipeline/waf";
import { member } from "./fields";
import type { RecordHooks } from "./hooks";

/** The five things a client does with records. */
export const RECORD_ACTIONS = ["list", "create", "get", "update", "delete"] as const;
export type RecordAction = (typeof RECORD_ACTIONS)[number];

/** The role-table permission each action needs unless a resource says otherwise (README "Roles"). */
const DEFAULT_PERMISSIONS: Readonly<Record<RecordAction, Permission>> = {
  list: "read",
  get: "read",
  create: "write",
  update: "write",
  delete: "write",
};

/**
 * The WAF groups turned off on a resource's free-text fields (descriptions, Markdown,
 * root causes): an incident write-up or a policy quotes attacks (`' OR 1=1 --`, a
 * `<script>` tag, `/etc/passwd`, a private URL, a shell line) as data. Those values are
 * only ever bound as query parameters and rendered as text, so these classes reach
 * nothing; the template, Log4j, protocol, prototype and scanner groups still run on them.
 */
export const FREE_TEXT_WAF_GROUPS: readonly WafGroup[] = ["sqli", "xss", "lfi", "rfi", "rce", "code", "ssrf"];

/** How a list filter compares: equal, or (for list columns) contains the value. */
export type FilterOp = "eq" | "contains";

/** One filter of a list: `?<column>=<value>`. */
export interface FilterSpec {
  readonly schema: z.ZodType<string | boolean>;
  readonly op: FilterOp;
  /** The column compared, when the parameter is named otherwise (`?nis2_measure=` on `nis2_measures`). */
  readonly column?: string;
}

/** `?field=value`, equal (an enum, an id). */
export const equals = (schema: z.ZodType<string>): FilterSpec => ({ schema, op: "eq" });
/** `?field=true|false`. */
export const isFlag = (): FilterSpec => ({
  schema: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .openapi({ type: "boolean" }),
  op: "eq",
});
/** `?field=value` on a list column: the rows whose list contains it. */
export const includes = (schema: z.ZodType<string>, column: string): FilterSpec => ({ schema, op: "contains", column });

/**
 * A read-only field the database derives when the record is read or written (not a
 * column): an SQL expression over the row's own columns, unqualified, so the same
 * fragment serves a SELECT and an INSERT/UPDATE … RETURNING (which can read the row's
 * new values but not re-query the row it writes).
 */
export interface DerivedField {
  readonly schema: z.ZodType;
  readonly sql: SQL;
  /** Its value in the document's example record. */
  readonly example: unknown;
}

/** What a resource's file declares. */
export interface ResourceSpec<F extends z.ZodRawShape> {
  /** The drizzle table (src/db/schema/records.ts); the resource's name and path are its name. */
  readonly table: PgTable;
  /** One record, in prose and in operation ids: "risk" → `createRisk`. */
  readonly singular: string;
  /** OpenAPI tag description. */
  readonly about: string;
  /** The field that names a record (`title`, or `name` for vendors). */
  readonly label: "title" | "name";
  readonly statuses: readonly [string, ...string[]];
  /** The status a new record gets when none is sent (the column's default). */
  readonly defaultStatus?: string;
  /** Writable fields besides `status` and `owner_id` (those every record has). Keys are column names. */
  readonly fields: F;
  /** Read-only fields the database computes (generated columns), for the document. */
  readonly computed?: z.ZodRawShape;
  /** Read-only fields the database derives on every read and write (not columns). */
  readonly derived?: Readonly<Record<string, DerivedField>>;
  /** List filters besides `status` and `owner_id` (every list has those). */
  readonly filters?: Readonly<Record<string, FilterSpec>>;
  /** Sortable columns besides `created_at`, `updated_at` and the label. */
  readonly sorts?: readonly string[];
  /** Free-text fields excluded from {@link FREE_TEXT_WAF_GROUPS}. */
  readonly freeText?: readonly (keyof F & string)[];
  /** Permission per action where it differs from read/write. */
  readonly permissions?: Partial<Record<RecordAction, Permission>>;
  /** A valid create body, shown in the document. */
  readonly example: Readonly<Record<string, unknown>>;
  /** Work another module adds to this resource's create and delete (./hooks.ts). */
  readonly hooks?: RecordHooks;
}

/** A declared resource, with everything derived from its spec once, at load. */
export interface Resource<N extends string = string> {
  /** The table's name: the path segment and the audit log's `table_name`. */
  readonly name: N;
  readonly spec: ResourceSpec<z.ZodRawShape>;
  /** Writable fields, `status` and `owner_id` included. */
  readonly writable: z.ZodRawShape;
  /** Filters, `status` and `owner_id` included. */
  readonly filters: Readonly<Record<string, FilterSpec>>;
  /** Sortable columns, default first (`created_at`). */
  readonly sorts: readonly string[];
  readonly permissions: Readonly<Record<RecordAction, Permission>>;
  /** The table's columns by database name. */
  readonly columns: ReadonlyMap<string, PgColumn>;
  /** The columns a client sees, in order (never `org_id`). */
  readonly visible: readonly string[];
}

/** Columns every record has, in the order a client sees them after the resource's own. */
const TRAILING = ["status", "owner_id", "version", "created_at", "created_by", "updated_at", "updated_by"] as const;

/**
 * Declares a resource. Checks the declaration against its table at load (a field, filter
 * or sort naming no column stops the app from building).
 *
 * @example
 * ```ts
 * export const trainings = declareResource({ table: schema.trainings, singular: "training", label: "title", ... });
 * ```
 */
export function declareResource<T extends PgTable, F extends z.ZodRawShape>(
  spec: ResourceSpec<F> & { readonly table: T },
): Resource<T["_"]["name"]> {
  const name = getTableName(spec.table);
  const columns = new Map(Object.values(getTableColumns(spec.table)).map((column) => [column.name, column]));
  const writable: z.ZodRawShape = {
    ...spec.fields,
    status: z
      .enum(spec.statuses)
      .optional()
      .openapi({ example: spec.defaultStatus ?? spec.statuses[0], description: `Default \`${spec.defaultStatus ?? spec.statuses[0]}\`.` }),
    owner_id: member("Who is responsible: a member of the organization (or null)."),
  };
  const filters: Record<string, FilterSpec> = {
    status: equals(z.enum(spec.statuses)),
    owner_id: equals(z.uuid()),
    ...spec.filters,
  };
  const sorts = ["created_at", "updated_at", spec.label, ...(spec.sorts ?? [])];
  const visible = ["id", ...Object.keys(spec.fields), ...Object.keys(spec.computed ?? {}), ...TRAILING];
  const filtered = Object.entries(filters).map(([param, filter]) => filter.column ?? param);
  for (const column of [...Object.keys(writable), ...filtered, ...sorts, ...visible]) {
    if (!columns.has(column)) throw new Error(`records: ${name} declares "${column}", which is not a column of its table`);
  }
  return {
    name,
    spec,
    writable,
    filters,
    sorts,
    permissions: { ...DEFAULT_PERMISSIONS, ...spec.permissions },
    columns,
    visible,
  };
}
