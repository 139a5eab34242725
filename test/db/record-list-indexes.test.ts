/**
 * A `?status=` page of every compliance list reads its rows off an index in the order
 * the page wants, under each sort the resource declares: its cost must not grow with
 * the organization (`npm run bench -- records` measures 100k against 1k rows; this test
 * proves the shape on every backend, for every resource, without seeding anything).
 *
 * The statement is the list handler's own (`listStatement`); the planner is told that a
 * sequential scan, a bitmap scan and any sort are (nearly) unaffordable, so a plan that
 * still sorts means no index gives that order. Never-empty columns must be served in both
 * directions (an index read backwards); a column that may be empty in the direction its
 * index declares (src/db/schema/records.ts: `desc nulls last` is not `asc nulls last`
 * read backwards), which is the one checked here. An index declaring the tie-breaker `id`
 * in another null order than the statement's fails here as a sort too.
 */
import { getTableConfig, PgDialect } from "drizzle-orm/pg-core";
import type { SQL } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Database } from "../../src/db";
import { RECORD_RESOURCES } from "../../src/modules/records";
import { listStatement } from "../../src/modules/records/list";
import { asOwner, dbTargets, type DbTarget } from "../helpers/tenants";

const dialect = new PgDialect();

/** The list statement's SQL text and parameters, built by the handler's own code (nothing is sent). */
function listSql(resource: (typeof RECORD_RESOURCES)[number], sort: string): { text: string; params: unknown[] } {
  const capture = { execute: (query: SQL) => query } as unknown as Database;
  const statement = listStatement(capture, resource, crypto.randomUUID(), { limit: 50, sort, status: resource.spec.statuses[0] });
  const query = dialect.sqlToQuery(statement as unknown as SQL);
  return { text: query.sql, params: query.params };
}

/** The sorts an index must serve: both directions of a never-empty column, the indexed one of a nullable column. */
function expectedSorts(resource: (typeof RECORD_RESOURCES)[number]): string[] {
  const indexes = getTableConfig(resource.spec.table).indexes;
  return resource.sorts.flatMap((name) => {
    if (resource.columns.get(name)?.notNull === true) return [name, `-${name}`];
    const index = indexes.find((i) => i.config.name === `${resource.name}_org_status_${name}_idx`);
    const order = (index?.config.columns[2] as { indexConfig?: { order?: string } } | undefined)?.indexConfig?.order;
    // No index at all: expect the ascending sort, so the missing index fails below.
    return [order === "desc" ? `-${name}` : name];
  });
}

async function planOf(target: DbTarget, query: { text: string; params: unknown[] }): Promise<string> {
  const rows = await asOwner(
    target,
    "set local enable_seqscan = off",
    "set local enable_bitmapscan = off",
    "set local enable_sort = off",
    "set local enable_incremental_sort = off",
    { text: `explain (costs off) ${query.text}`, params: query.params },
  );
  return rows.map((r) => String(r["QUERY PLAN"])).join("\n");
}

describe.each(dbTargets())("record lists under ?status= on $backend", (target: DbTarget) => {
  it.each(RECORD_RESOURCES.map((r) => [r.name, r] as const))(
    "%s: every declared sort is read off an index, no sort step",
    async (_name, resource) => {
      const sorted: string[] = [];
      for (const sort of expectedSorts(resource)) {
        const plan = await planOf(target, listSql(resource, sort));
        if (!/Index Scan/.test(plan) || /Sort/.test(plan)) sorted.push(`${sort}:\n${plan}`);
      }
      expect(sorted).toEqual([]);
    },
  );
});
