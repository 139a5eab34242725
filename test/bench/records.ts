/**
 * (i) Compliance records on the real Postgres (`DATABASE_URL`; like `audit`, refused
 * without it): `DATABASE_URL=… npm run bench -- records`.
 *  1. Page cost at scale: one org with 100,000 risks, one with 1,000, seeded as the owner
 *     in one `INSERT … SELECT generate_series` each. The `stamp_actor` and `audit_change`
 *     triggers run for the owner too (row by row, and every audited row takes the org's
 *     `audit.heads` lock and hashes an entry), so the seed disables both inside its own
 *     transaction and writes the stamps itself, with distinct `created_at` (the stamp
 *     trigger would give every row of one transaction the same `now()`); the seeded rows
 *     therefore have no audit entries. A page of 50 is the list handler's own transaction
 *     (`inTenant` with `app.authorize('read')` then `listStatement`, as `inOrg` sends it)
 *     through the Neon stand-in as rampart_app, the two orgs alternating: the default sort
 *     `-created_at`, and `?status=identified` (a sixth of the rows) under every sort risks
 *     declare, in the direction its index serves (judged ≤ 1.5×); for reference, not
 *     judged, what has no index: an unfiltered non-default sort and a nullable sort read
 *     the other way. The first two pages also through the app under `wrangler dev`.
 *     EXPLAIN (ANALYZE) of every 100k page, as rampart_app in the tenant context (RLS
 *     applies), names the plan.
 *  2. 500 creates in one org through the app, 50 at a time: committed count, the audit
 *     chain (`GET audit-log/verify`), no sequence gap, serialization failures (40001 →
 *     409 `conflict`) and whether this client retried them.
 *  3. Database round trips per records request (list, get, create, patch, delete) through
 *     the app, counted at the Neon stand-in.
 */
import "./ts-resolve.ts";
import { neon, neonConfig } from "@neondatabase/serverless";
import { sql } from "drizzle-orm";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { Stack } from "../stack/launcher.ts";
import { logIn, send, verifiedAccount } from "./identity-accounts.ts";
import { spreadLabel, spreadOf } from "./median.ts";
import type { Row } from "./table.ts";

/** What the bench uses of the worker's source, loaded at run time (as waf.ts loads the engine). */
type Database = NeonHttpDatabase;
interface ListQuery {
  readonly limit: number;
  readonly sort: string;
  readonly [filter: string]: unknown;
}
interface Result {
  readonly rows: readonly Record<string, unknown>[];
}
type Statement = Parameters<Database["batch"]>[0][number];
const src = (path: string): Promise<unknown> => import(new URL(`../../src/${path}`, import.meta.url).href);
const { createDatabase, inTenant } = (await src("db/tenant.ts")) as {
  createDatabase: (config: { url: string; httpEndpoint?: string; timeoutMs?: number }) => Promise<Database>;
  inTenant: (
    db: Database,
    context: { orgId: string; actor: { kind: "user"; userId: string } },
    build: (tx: Database) => readonly [Statement, ...Statement[]],
  ) => Promise<Result[]>;
};
const { listStatement } = (await src("modules/records/list.ts")) as {
  listStatement: (tx: Database, resource: unknown, orgId: string, query: ListQuery) => Statement & PromiseLike<Result>;
};
const { risks } = (await src("modules/records/resources/risks.ts")) as { risks: unknown };

const BIG = 100_000;
const SMALL = 1_000;
const RUNS = 15;
const WRITES = 500;
const CONCURRENCY = 50;
const RETRIES = 3;
const GROUP = "records";

interface List {
  readonly label: string;
  readonly query: ListQuery;
  readonly qs: string;
  /** Held to ≤ 1.5× (an index serves it); otherwise printed for reference. */
  readonly judged: boolean;
  /** Also timed through the app under `wrangler dev`. */
  readonly viaApp: boolean;
}

/** `?status=identified&sort=<sort>` (a sixth of the seeded rows have that status). */
const identified = (sort: string, judged = true): List => ({
  label: `?status=identified&sort=${sort}`,
  query: { limit: 50, sort, status: "identified" },
  qs: `?status=identified&sort=${sort}`,
  judged,
  viaApp: sort === "-inherent_score",
});

const LISTS: readonly List[] = [
  { label: "default sort -created_at", query: { limit: 50, sort: "-created_at" }, qs: "", judged: true, viaApp: true },
  // Every sort risks declare, under the status filter, in the direction its index serves.
  ...["-created_at", "-updated_at", "title", "-title", "-inherent_score", "-residual_score", "review_due"].map((sort) => identified(sort)),
  // Not indexed (src/db/schema/records.ts): a nullable sort the other way, and an unfiltered non-default sort.
  identified("inherent_score", false),
  { label: "?sort=-inherent_score (no filter)", query: { limit: 50, sort: "-inherent_score" }, qs: "", judged: false, viaApp: false },
];

interface Org {
  readonly id: string;
  readonly rows: number;
}

async function expectOk(res: Response, status: number, what: string): Promise<unknown> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status}, expected ${status}: ${text.slice(0, 300)}`);
  return text === "" ? undefined : (JSON.parse(text) as unknown);
}

async function createOrg(appUrl: string, token: string, name: string): Promise<string> {
  const body = (await expectOk(await send(`${appUrl}/v1/orgs`, { name }, { token }), 201, "create org")) as { id: string };
  return body.id;
}

/** `rows` risks in `org`, one statement, triggers off inside the seed's own transaction. */
async function seedRisks(stack: Stack, org: string, user: string, rows: number): Promise<number> {
  const owner = neon(stack.neon.connectionString);
  const started = performance.now();
  await owner.transaction([
    owner`alter table risks disable trigger stamp_actor, disable trigger audit_change`,
    owner`insert into risks (org_id, title, status, likelihood, impact, treatment, residual_likelihood, residual_impact, review_due,
        created_by, created_at, updated_by, updated_at)
      select ${org}::uuid, 'Risk ' || g, (array['identified','assessed','treating','mitigated','accepted','closed'])[1 + g % 6],
        1 + g % 5, 1 + (g / 5) % 5, (array['mitigate','accept','transfer','avoid'])[1 + g % 4],
        -- Two thirds rated after treatment, six in seven with a review date: the nullable sorts have values and gaps.
        case when g % 5 > 0 then 1 + (g / 7) % 5 end, case when g % 5 > 0 then 1 + (g / 11) % 5 end,
        case when g % 7 > 0 then current_date + (g % 700) end,
        ${user}::uuid, now() - g * interval '1 second', ${user}::uuid, now() - (g % 997) * interval '1 minute'
      from generate_series(1, ${rows}::int) g`,
    owner`alter table risks enable trigger stamp_actor, enable trigger audit_change`,
  ]);
  return performance.now() - started;
}

/** The list handler's transaction (inOrg: context, authorize, the page); its wall time in ms. */
async function pageOnce(db: Database, org: string, user: string, query: ListQuery): Promise<number> {
  const started = performance.now();
  const [check, page] = await inTenant(db, { orgId: org, actor: { kind: "user", userId: user } }, (tx) => [
    tx.execute(sql`select app.authorize('read', 'aal1') as role`),
    listStatement(tx, risks, org, query),
  ]);
  const ms = performance.now() - started;
  if (check?.rows[0]?.role !== "owner" || page?.rows.length !== 51) throw new Error(`records page: ${page?.rows.length} rows`);
  return ms;
}

/** The page's SQL and parameters as drizzle sends them: sent once, without a context (RLS: no rows), through a logging handle. */
async function captureList(stack: Stack, org: string, query: ListQuery): Promise<{ text: string; params: unknown[] }> {
  let captured: { text: string; params: unknown[] } | undefined;
  const db = drizzle({
    client: neon(stack.appConnectionString),
    logger: { logQuery: (text, params) => void (captured = { text, params }) },
  });
  await listStatement(db, risks, org, query);
  if (captured === undefined) throw new Error("records: drizzle logged no list statement");
  return captured;
}

async function explain(stack: Stack, org: string, user: string, query: ListQuery): Promise<string[]> {
  const { text, params } = await captureList(stack, org, query);
  const app = neon(stack.appConnectionString);
  const results = await app.transaction([
    app`select set_config('app.org_id', ${org}, true), set_config('app.user_id', ${user}, true), set_config('app.api_key_id', '', true)`,
    app.query(`explain (analyze, buffers, costs off) ${text}`, params),
  ]);
  return ((results.at(-1) ?? []) as { "QUERY PLAN": string }[]).map((r) => r["QUERY PLAN"]);
}

/** Median of alternating timings of the two orgs. */
async function timeBoth(run: (org: Org) => Promise<number>, big: Org, small: Org): Promise<{ big: number[]; small: number[] }> {
  await run(big);
  await run(small); // warm-up: the pages into the buffer cache, as for an org that is read
  const out = { big: [] as number[], small: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    out.big.push(await run(big));
    out.small.push(await run(small));
  }
  return out;
}

function ratioRows(what: string, times: { big: number[]; small: number[] }, judged: boolean): Row[] {
  const big = spreadOf(times.big).median;
  const small = spreadOf(times.small).median;
  const ratio = big / small;
  return [
    { group: GROUP, name: `${what}, ${BIG / 1000}k org (${spreadLabel(times.big, "ms")})`, value: big, unit: "ms" },
    { group: GROUP, name: `${what}, ${SMALL / 1000}k org (${spreadLabel(times.small, "ms")})`, value: small, unit: "ms" },
    {
      group: GROUP,
      name: `${what}: t(${BIG / 1000}k) / t(${SMALL / 1000}k)`,
      value: ratio,
      unit: "×",
      ...(judged ? { goal: "≤ 1.5×", ok: ratio <= 1.5 } : {}),
    },
  ];
}

/**
 * 500 creates, 50 at a time; a 409 `conflict` (40001) is retried up to RETRIES times, and
 * so is a 503 `auth_unavailable` (the Redis read before the handler missed its deadline:
 * nothing was written), after a second. A 503 `database_unavailable` is not retried (the
 * transaction may still commit).
 */
async function concurrentWrites(appUrl: string, token: string, org: string) {
  let conflicts = 0;
  let unavailable = 0;
  let retried = 0;
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < WRITES) {
      const i = next++;
      for (let attempt = 0; ; attempt++) {
        const res = await send(`${appUrl}/v1/orgs/${org}/risks`, { title: `Concurrent ${i}`, likelihood: 3, impact: 4 }, { token });
        const text = await res.text();
        if (res.status === 201) break;
        const code = (JSON.parse(text || "{}") as { code?: string }).code;
        if (res.status === 409 && code === "conflict") {
          conflicts++;
          if (attempt < RETRIES) {
            retried++;
            continue;
          }
        }
        if (res.status === 503 && code === "auth_unavailable") {
          unavailable++;
          if (attempt < RETRIES) {
            retried++;
            await new Promise((resolve) => setTimeout(resolve, 1000));
            continue;
          }
        }
        failures.push(`${res.status} ${code ?? text.slice(0, 80)}`);
        break;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { ms: performance.now() - started, conflicts, unavailable, retried, failures };
}

export async function measureRecords(appUrl: string, stack: Stack): Promise<Row[]> {
  neonConfig.fetchEndpoint = stack.neon.httpEndpoint;
  const rows: Row[] = [];
  const account = await verifiedAccount(appUrl, stack, "records");
  const { accessToken: token } = await logIn(appUrl, account);
  const owner = neon(stack.neon.connectionString);
  const [found] = (await owner`select id from users where email = ${account.email}`) as { id: string }[];
  if (found === undefined) throw new Error("records: the bench account has no user row");
  const user = found.id;

  // 1. Page cost at scale.
  const big: Org = { id: await createOrg(appUrl, token, "Bench records 100k"), rows: BIG };
  const small: Org = { id: await createOrg(appUrl, token, "Bench records 1k"), rows: SMALL };
  const seedMs = await seedRisks(stack, big.id, user, BIG);
  await seedRisks(stack, small.id, user, SMALL);
  await owner`analyze risks`;
  rows.push({
    group: GROUP,
    name: `seed ${BIG} risks of one org (owner, one INSERT … SELECT, triggers off)`,
    value: seedMs / 1000,
    unit: "s",
  });

  const db = await createDatabase({
    url: stack.appConnectionString,
    httpEndpoint: stack.neon.httpEndpoint,
    timeoutMs: 30_000,
  });
  for (const list of LISTS) {
    rows.push(
      ...ratioRows(
        `list transaction, ${list.label}${list.judged ? "" : " (no index: reference)"}`,
        await timeBoth((org) => pageOnce(db, org.id, user, list.query), big, small),
        list.judged,
      ),
    );
  }
  for (const list of LISTS.filter((l) => l.viaApp)) {
    const viaApp = async (org: Org): Promise<number> => {
      const started = performance.now();
      const res = await send(`${appUrl}/v1/orgs/${org.id}/risks${list.qs}`, undefined, { token });
      const body = (await expectOk(res, 200, "list")) as { items: unknown[] };
      if (body.items.length !== 50) throw new Error(`records list via app: ${body.items.length} items`);
      return performance.now() - started;
    };
    rows.push(...ratioRows(`GET via wrangler dev, ${list.label}`, await timeBoth(viaApp, big, small), false));
  }
  for (const list of LISTS) {
    const plan = await explain(stack, big.id, user, list.query);
    console.log(`\nrecords: EXPLAIN ANALYZE of the ${BIG / 1000}k page, ${list.label}:\n  ${plan.join("\n  ")}`);
    const usesIndex = /Index (Only )?Scan/.exec(plan.join("\n")) !== null && !/Sort Method/.test(plan.join("\n"));
    const scanLine = plan.find((l) => /Scan/.test(l))?.trim() ?? "?";
    rows.push({
      group: GROUP,
      name: `plan of the ${BIG / 1000}k page, ${list.label}: ${usesIndex ? "ordered index scan, no sort" : "sorts"}; ${scanLine}`,
      value: usesIndex ? 1 : 0,
      unit: "",
    });
  }

  // 2. Concurrent writes to one org.
  // A second account: the writes stay under the per-principal limit (600 a minute) on their own.
  const writer = await logIn(appUrl, await verifiedAccount(appUrl, stack, "records-writer"));
  const writeOrg = await createOrg(appUrl, writer.accessToken, "Bench records writes");
  const writes = await concurrentWrites(appUrl, writer.accessToken, writeOrg);
  const [counts] = (await owner`select (select count(*) from risks where org_id = ${writeOrg}::uuid)::int as risks,
      (select count(*) from audit.entries where org_id = ${writeOrg}::uuid)::int as entries,
      (select max(seq) from audit.entries where org_id = ${writeOrg}::uuid)::int as max_seq,
      (select count(*) from audit.entries where org_id = ${writeOrg}::uuid and table_name = 'risks' and action = 'insert')::int as risk_entries`) as {
    risks: number;
    entries: number;
    max_seq: number;
    risk_entries: number;
  }[];
  const verdict = (await expectOk(
    await send(`${appUrl}/v1/orgs/${writeOrg}/audit-log/verify`, undefined, { token: writer.accessToken }),
    200,
    "verify",
  )) as {
    valid: boolean;
    checked: number;
  };
  rows.push(
    {
      group: GROUP,
      name: `${WRITES} POST risks via wrangler dev, ${CONCURRENCY} at a time: wall time`,
      value: writes.ms / 1000,
      unit: "s",
    },
    {
      group: GROUP,
      name: "  committed (risks rows)",
      value: counts?.risks ?? 0,
      unit: "",
      goal: `= ${WRITES}`,
      ok: counts?.risks === WRITES,
    },
    {
      group: GROUP,
      name: "  failed after retries",
      value: writes.failures.length,
      unit: "",
      goal: "= 0",
      ok: writes.failures.length === 0,
    },
    {
      group: GROUP,
      name: `  serialization failures (409 conflict / 40001), retried by this client (≤ ${RETRIES}×)`,
      value: writes.conflicts,
      unit: "",
    },
    {
      group: GROUP,
      name: `  503 auth_unavailable (Redis deadline, before the handler; nothing written), retried (≤ ${RETRIES}×, after 1 s)`,
      value: writes.unavailable,
      unit: "",
    },
    { group: GROUP, name: "  retries sent by this client", value: writes.retried, unit: "" },
    {
      group: GROUP,
      name: "  audit entries for the inserts",
      value: counts?.risk_entries ?? 0,
      unit: "",
      goal: `= ${WRITES}`,
      ok: counts?.risk_entries === WRITES,
    },
    {
      group: GROUP,
      name: `  no sequence gap: max(seq) ${counts?.max_seq} = entries ${counts?.entries}`,
      value: counts?.max_seq === counts?.entries ? 1 : 0,
      unit: "",
      goal: "= 1",
      ok: counts?.max_seq === counts?.entries,
    },
    {
      group: GROUP,
      name: `  GET audit-log/verify: valid, ${verdict.checked} checked`,
      value: verdict.valid ? 1 : 0,
      unit: "",
      goal: "= 1",
      ok: verdict.valid && verdict.checked === counts?.entries,
    },
  );
  if (writes.failures.length > 0) console.log(`records: failed writes: ${[...new Set(writes.failures)].join("; ")}`);

  // 3. Round trips per records request, through the app (the 1k org, the first account).
  const base = `${appUrl}/v1/orgs/${small.id}/risks`;
  const created = (await expectOk(await send(base, { title: "Round trips" }, { token }), 201, "create")) as { id: string };
  const call = async (path: string, body: unknown, status: number, method?: string): Promise<void> => {
    await expectOk(await send(`${base}${path}`, body, { token, ...(method ? { method } : {}) }), status, `${method ?? "GET"} ${path}`);
  };
  const probes: readonly { name: string; run: () => Promise<void> }[] = [
    { name: "GET list", run: () => call("", undefined, 200) },
    { name: "GET one", run: () => call(`/${created.id}`, undefined, 200) },
    { name: "POST", run: () => call("", { title: "Probe" }, 201) },
    { name: "PATCH", run: () => call(`/${created.id}`, { likelihood: 2 }, 200, "PATCH") },
    {
      name: "DELETE",
      run: async () => {
        const victim = (await expectOk(await send(base, { title: "Doomed" }, { token }), 201, "create")) as { id: string };
        stack.neon.resetStats();
        await call(`/${victim.id}`, undefined, 204, "DELETE");
      },
    },
  ];
  for (const probe of probes) {
    stack.neon.resetStats();
    await probe.run();
    const s = stack.neon.stats();
    const db = s.httpRequests + s.wsConnections;
    rows.push({
      group: GROUP,
      name: `database round trips per ${probe.name} /v1/orgs/{org}/risks`,
      value: db,
      unit: "",
      goal: "= 1",
      ok: db === 1,
    });
  }
  return rows;
}
