/**
 * The local Neon gateway answers what `@neondatabase/serverless` and drizzle send,
 * from inside workerd, the same way in front of a real Postgres and of embedded
 * PGlite. Every block runs once per backend the global setup started.
 */
import { Client, NeonDbError, neon, neonConfig, Pool, types } from "@neondatabase/serverless";
import { eq, inArray, sql as dsql } from "drizzle-orm";
import { drizzle as drizzleHttp } from "drizzle-orm/neon-http";
import { drizzle as drizzleWs } from "drizzle-orm/neon-serverless";
import { integer, pgTable, text } from "drizzle-orm/pg-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { ConformanceTargets } from "../setup/provided.ts";

type Target = ConformanceTargets["neon"][number];

const targets = inject("conformance").neon;
/** Unique per run, so parallel and earlier runs never share tables or roles. */
const RUN = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
const ITEMS = `neon_conf_items_${RUN}`;
const items = pgTable(ITEMS, { id: integer("id").primaryKey(), name: text("name").notNull() });
let nextId = 1;
const newId = (): number => nextId++;

/**
 * drizzle-orm/neon-http's drizzle() replaces the driver's GLOBAL date/time parsers with
 * identity (timestamps come back as strings afterwards, for plain neon() too). The
 * parsers as loaded are kept here and put back after the drizzle test.
 */
const DATE_TIME_OIDS = [1082, 1114, 1184, 1186, 1115, 1182, 1185, 1187, 1231];
const driverDateParsers = new Map(DATE_TIME_OIDS.map((oid) => [oid, types.getTypeParser(oid) as (value: string) => unknown] as const));
function restoreDriverDateParsers(): void {
  for (const [oid, parse] of driverDateParsers) types.setTypeParser(oid, parse);
}

/** Points the driver at a target the way the app does: fetchEndpoint, and wsProxy derived from the ws:// URL. */
function useTarget(target: Target, tag?: string): void {
  const ws = new URL(target.wsProxy);
  const tagged = tag ? `tag=${encodeURIComponent(tag)}` : "";
  neonConfig.fetchEndpoint = tag ? `${target.httpEndpoint}?${tagged}` : target.httpEndpoint;
  neonConfig.wsProxy = (host, port) => `${ws.host}${ws.pathname}?address=${host}:${port}${tag ? `&${tagged}` : ""}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
}

/** The target's connection string, logging in as another user. */
function asUser(connectionString: string, user: string, password: string): string {
  const url = new URL(connectionString.replace(/^postgres(ql)?:/, "http:"));
  url.username = user;
  url.password = password;
  return `postgresql:${url.href.slice("http:".length)}`;
}

/** The rejection of `promise` (which must reject). */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; constraint?: string }> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof Error)) throw new Error("expected a rejection, got a result");
  return outcome;
}

async function dbError(promise: Promise<unknown>): Promise<NeonDbError> {
  const err = await rejection(promise);
  if (!(err instanceof NeonDbError)) throw new Error(`expected a NeonDbError, got ${err.name}: ${err.message}`);
  return err;
}

async function withClient<T>(connectionString: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(connectionString);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function taggedStats(target: Target, tag: string): Promise<{ httpRequests: number; wsConnections: number }> {
  const res = await fetch(`${target.controlUrl}/__rampart/stats?tag=${encodeURIComponent(tag)}`);
  expect(res.status).toBe(200);
  return res.json<{ httpRequests: number; wsConnections: number }>();
}

describe.each(targets)("Neon gateway over $backend", (target) => {
  const cs = target.connectionString;

  beforeAll(async () => {
    useTarget(target);
    await neon(cs).query(`create table ${ITEMS} (id int primary key, name text not null unique)`);
  });
  afterAll(async () => {
    useTarget(target);
    await neon(cs).query(`drop table if exists ${ITEMS}`);
  });
  beforeEach(() => {
    useTarget(target);
  });

  describe("HTTP queries", () => {
    it("returns typed values for int4, int8, numeric, bool, text, timestamptz, jsonb, uuid, text[], bytea and NULL", async () => {
      const sql = neon(cs);
      const bytes = new Uint8Array([0, 1, 127, 254, 255]);
      const [row] = await sql`
        select 7::int4 as i4, 9007199254740993::int8 as i8, 12.50::numeric as num, true as yes,
               'héllo ✓'::text as txt, '2024-05-06 07:08:09.123+00'::timestamptz as ts,
               '{"a":[1,2,{"b":null}]}'::jsonb as doc, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as id,
               array['a', 'b,c', null]::text[] as tags, ${bytes}::bytea as raw, null::int as nothing,
               ${"x'; drop table y; --"}::text as param`;
      expect(row).toEqual({
        i4: 7,
        i8: "9007199254740993",
        num: "12.50",
        yes: true,
        txt: "héllo ✓",
        ts: new Date(Date.UTC(2024, 4, 6, 7, 8, 9, 123)),
        doc: { a: [1, 2, { b: null }] },
        id: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        tags: ["a", "b,c", null],
        raw: expect.any(Uint8Array) as unknown,
        nothing: null,
        param: "x'; drop table y; --",
      });
      expect(Array.from(row?.raw as Uint8Array)).toEqual([0, 1, 127, 254, 255]);
    });

    it("answers fullResults with command, rowCount and the fields' type OIDs", async () => {
      const sql = neon(cs, { fullResults: true });
      const [a, b] = [newId(), newId()];
      const inserted = await sql`insert into ${sql.unsafe(ITEMS)} (id, name) values (${a}, ${`full-${a}`}), (${b}, ${`full-${b}`})`;
      expect(inserted).toMatchObject({ command: "INSERT", rowCount: 2, fields: [] });
      const selected = await sql`select id, name from ${sql.unsafe(ITEMS)} where id in (${a}, ${b}) order by id`;
      expect(selected.command).toBe("SELECT");
      expect(selected.rowCount).toBe(2);
      expect(selected.fields.map((f) => [f.name, f.dataTypeID])).toEqual([
        ["id", 23],
        ["name", 25],
      ]);
      expect(selected.fields[0]?.tableID).toBeGreaterThan(0);
      expect(selected.rows).toEqual([
        { id: a, name: `full-${a}` },
        { id: b, name: `full-${b}` },
      ]);
      const updated = await sql`update ${sql.unsafe(ITEMS)} set name = name || '!' where id = ${a}`;
      expect(updated).toMatchObject({ command: "UPDATE", rowCount: 1 });
      const ddl = await sql`comment on table ${sql.unsafe(ITEMS)} is 'conformance'`;
      expect(ddl).toMatchObject({ command: "COMMENT", rowCount: null });
    });

    it("answers errors as NeonDbError with the Postgres code", async () => {
      const sql = neon(cs);
      expect((await dbError(sql`select * from neon_conf_no_such_table`)).code).toBe("42P01");
      expect((await dbError(sql`select ${"abc"}::int`)).code).toBe("22P02");
      expect((await dbError(sql.query("selec 1"))).code).toBe("42601");
      const id = newId();
      await sql.query(`insert into ${ITEMS} (id, name) values ($1, $2)`, [id, `dup-${id}`]);
      const dup = await dbError(sql.query(`insert into ${ITEMS} (id, name) values ($1, $2)`, [newId(), `dup-${id}`]));
      expect(dup.code).toBe("23505");
      expect(dup.constraint).toBe(`${ITEMS}_name_key`);
      expect(dup.severity).toBe("ERROR");
    });

    it("refuses a malformed request with a 400 and a clear message, and keeps serving", async () => {
      const post = (headers: Record<string, string>, body: string): Promise<Response> =>
        fetch(target.httpEndpoint, {
          method: "POST",
          headers: { "Neon-Raw-Text-Output": "true", "Neon-Array-Mode": "true", ...headers },
          body,
        });
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ "Neon-Connection-String": cs }, "{not json", /not valid JSON/],
        [{}, JSON.stringify({ query: "select 1", params: [] }), /Neon-Connection-String/],
        [{ "Neon-Connection-String": "mysql://u@h/db" }, JSON.stringify({ query: "select 1", params: [] }), /postgres:\/\//],
        [{ "Neon-Connection-String": cs }, JSON.stringify({ query: 42 }), /query must be a string/],
        [{ "Neon-Connection-String": cs, "Neon-Batch-Isolation-Level": "Chaos" }, JSON.stringify({ queries: [] }), /Isolation-Level/],
      ];
      for (const [headers, body, message] of cases) {
        const res = await post(headers, body);
        expect(res.status).toBe(400);
        expect((await res.json<{ message: string }>()).message).toMatch(message);
      }
      expect(await neon(cs)`select 1 as ok`).toEqual([{ ok: 1 }]);
    });

    it("one query is one HTTP round trip and a batch of five statements is one round trip", async () => {
      const tag = `http-${RUN}-${target.backend}`;
      useTarget(target, tag);
      await fetch(`${target.controlUrl}/__rampart/stats/reset?tag=${tag}`, { method: "POST" });
      const sql = neon(cs);
      await sql`select 1`;
      expect(await taggedStats(target, tag)).toEqual({ httpRequests: 1, wsConnections: 0 });
      await sql.transaction([sql`select 1`, sql`select 2`, sql`select 3`, sql`select 4`, sql`select 5`]);
      expect(await taggedStats(target, tag)).toEqual({ httpRequests: 2, wsConnections: 0 });
    });
  });

  describe("HTTP batches (sql.transaction)", () => {
    it("returns one result per statement, and later statements see earlier writes", async () => {
      const sql = neon(cs);
      const id = newId();
      const [inserted, counted] = await sql.transaction([
        sql`insert into ${sql.unsafe(ITEMS)} (id, name) values (${id}, ${`batch-${id}`}) returning id`,
        sql`select count(*)::int as n from ${sql.unsafe(ITEMS)} where id = ${id}`,
      ]);
      expect(inserted).toEqual([{ id }]);
      expect(counted).toEqual([{ n: 1 }]);
    });

    it("runs at the requested isolation level, access mode and deferrability", async () => {
      const sql = neon(cs);
      const probe = () => [
        sql`select current_setting('transaction_isolation') as v`,
        sql`select current_setting('transaction_read_only') as v`,
        sql`select current_setting('transaction_deferrable') as v`,
      ];
      const values = (results: Record<string, unknown>[][]) => results.map((r) => r[0]?.v);
      expect(values(await sql.transaction(probe()))).toEqual(["read committed", "off", "off"]);
      expect(values(await sql.transaction(probe(), { isolationLevel: "Serializable", readOnly: true, deferrable: true }))).toEqual([
        "serializable",
        "on",
        "on",
      ]);
      expect(values(await sql.transaction(probe(), { isolationLevel: "RepeatableRead" }))).toEqual(["repeatable read", "off", "off"]);
    });

    it("a read-only batch refuses writes with 25006", async () => {
      const sql = neon(cs);
      const err = await dbError(
        sql.transaction([sql`insert into ${sql.unsafe(ITEMS)} (id, name) values (${newId()}, 'ro')`], { readOnly: true }),
      );
      expect(err.code).toBe("25006");
    });

    it("is all or nothing: an error in statement 2 rolls back statement 1", async () => {
      const sql = neon(cs);
      const id = newId();
      const err = await dbError(
        sql.transaction([sql`insert into ${sql.unsafe(ITEMS)} (id, name) values (${id}, 'atomic')`, sql`select 1 / 0`]),
      );
      expect(err.code).toBe("22012");
      expect(await sql`select id from ${sql.unsafe(ITEMS)} where id = ${id}`).toEqual([]);
    });

    it("set_config(..., true) is visible to later statements in the batch and gone in the next request", async () => {
      const sql = neon(cs);
      const org = `org-${RUN}`;
      const [, seen] = await sql.transaction([
        sql`select set_config('app.org_id', ${org}, true)`,
        sql`select current_setting('app.org_id', true) as v`,
      ]);
      expect(seen).toEqual([{ v: org }]);
      const [after] = await sql`select current_setting('app.org_id', true) as v`;
      expect(after?.v ?? "").toBe("");
    });

    it("not even a session-level setting reaches the next request", async () => {
      const sql = neon(cs);
      await sql`select set_config('app.sticky', 'leaked', false)`;
      const [after] = await sql`select current_setting('app.sticky', true) as v`;
      expect(after?.v ?? "").toBe("");
    });
  });

  describe("drizzle over HTTP (neon-http)", () => {
    afterEach(restoreDriverDateParsers);

    it("inserts, selects, and runs db.batch in one transaction", async () => {
      const db = drizzleHttp({ client: neon(cs) });
      const [a, b] = [newId(), newId()];
      await db.insert(items).values([
        { id: a, name: `drizzle-${a}` },
        { id: b, name: `drizzle-${b}` },
      ]);
      expect(await db.select().from(items).where(eq(items.id, a))).toEqual([{ id: a, name: `drizzle-${a}` }]);
      const [, scoped, rows] = await db.batch([
        db.execute(dsql`select set_config('app.org_id', ${"org-drizzle"}, true)`),
        db.execute(dsql`select current_setting('app.org_id', true) as v`),
        db
          .select({ id: items.id })
          .from(items)
          .where(inArray(items.id, [a, b]))
          .orderBy(items.id),
      ]);
      expect(scoped.rows).toEqual([{ v: "org-drizzle" }]);
      expect(rows).toEqual([{ id: a }, { id: b }]);
    });
  });

  describe("WebSocket sessions (Pool/Client)", () => {
    it("a Client runs an interactive transaction that commits", async () => {
      const id = newId();
      await withClient(cs, async (c) => {
        await c.query("begin");
        await c.query(`insert into ${ITEMS} (id, name) values ($1, $2)`, [id, `ws-${id}`]);
        expect((await c.query(`select count(*)::int as n from ${ITEMS} where id = $1`, [id])).rows).toEqual([{ n: 1 }]);
        await c.query("commit");
      });
      expect(await neon(cs)`select name from ${neon(cs).unsafe(ITEMS)} where id = ${id}`).toEqual([{ name: `ws-${id}` }]);
    });

    it("a Client rollback discards its writes, and an aborted transaction recovers after ROLLBACK", async () => {
      const id = newId();
      await withClient(cs, async (c) => {
        await c.query("begin");
        await c.query(`insert into ${ITEMS} (id, name) values ($1, $2)`, [id, `rolled-${id}`]);
        expect((await rejection(c.query(`insert into ${ITEMS} (id, name) values ($1, $2)`, [id, "again"]))).code).toBe("23505");
        expect((await rejection(c.query("select 1"))).code).toBe("25P02");
        await c.query("rollback");
        expect((await c.query(`select count(*)::int as n from ${ITEMS} where id = $1`, [id])).rows).toEqual([{ n: 0 }]);
      });
    });

    it("a named prepared statement runs twice on one Client", async () => {
      await withClient(cs, async (c) => {
        const query = { name: `neon_conf_stmt_${RUN}`, text: "select $1::int + 1 as n", values: [1] };
        expect((await c.query(query)).rows).toEqual([{ n: 2 }]);
        expect((await c.query({ ...query, values: [41] })).rows).toEqual([{ n: 42 }]);
      });
    });

    it("two clients do not see each other's uncommitted rows", async () => {
      const id = newId();
      const a = new Client(cs);
      const b = new Client(cs);
      await a.connect();
      await b.connect();
      try {
        await a.query("begin");
        await a.query(`insert into ${ITEMS} (id, name) values ($1, $2)`, [id, `uncommitted-${id}`]);
        // On PGlite this waits until A's transaction ends; on Postgres it runs at once. Either way: 0.
        const seenByB = b.query(`select count(*)::int as n from ${ITEMS} where id = $1`, [id]);
        await a.query("rollback");
        expect((await seenByB).rows).toEqual([{ n: 0 }]);
      } finally {
        await a.end();
        await b.end();
      }
    });

    it("a session setting of one client is not visible to another client", async () => {
      await withClient(cs, async (a) => {
        await a.query("select set_config('app.org_id', 'org-of-a', false)");
        await withClient(cs, async (b) => {
          const { rows } = await b.query<{ v: string | null }>("select current_setting('app.org_id', true) as v");
          expect(rows[0]?.v ?? "").toBe("");
        });
      });
    });

    it("drizzle neon-serverless db.transaction commits, and tx.rollback() discards", async () => {
      const pool = new Pool({ connectionString: cs });
      try {
        const db = drizzleWs({ client: pool });
        const [kept, dropped] = [newId(), newId()];
        await db.transaction(async (tx) => {
          await tx.insert(items).values({ id: kept, name: `tx-${kept}` });
        });
        await rejection(
          db.transaction(async (tx) => {
            await tx.insert(items).values({ id: dropped, name: `tx-${dropped}` });
            tx.rollback();
          }),
        );
        const rows = await db
          .select({ id: items.id })
          .from(items)
          .where(inArray(items.id, [kept, dropped]));
        expect(rows).toEqual([{ id: kept }]);
      } finally {
        await pool.end();
      }
    });

    it("one Client is one WebSocket connection and no HTTP request", async () => {
      const tag = `ws-${RUN}-${target.backend}`;
      useTarget(target, tag);
      await fetch(`${target.controlUrl}/__rampart/stats/reset?tag=${tag}`, { method: "POST" });
      await withClient(cs, async (c) => {
        await c.query("select 1");
        await c.query("select 2");
      });
      expect(await taggedStats(target, tag)).toEqual({ httpRequests: 0, wsConnections: 1 });
    });
  });

  describe("logging in as a role", () => {
    const role = `neon_conf_role_${RUN}`;
    const password = `pw-${RUN}`;
    const noLogin = `neon_conf_nologin_${RUN}`;
    const notes = `neon_conf_notes_${RUN}`;
    const appCs = asUser(cs, role, password);

    beforeAll(async () => {
      useTarget(target);
      const owner = neon(cs);
      await owner.transaction([
        owner.query(`create role ${role} login password '${password}'`),
        owner.query(`create role ${noLogin} nologin`),
        owner.query(`create table ${notes} (id serial primary key, org_id text not null, body text not null)`),
        owner.query(`alter table ${notes} enable row level security`),
        owner.query(`alter table ${notes} force row level security`),
        owner.query(
          `create policy tenant on ${notes} using (org_id = nullif(current_setting('app.org_id', true), '')) with check (org_id = nullif(current_setting('app.org_id', true), ''))`,
        ),
        owner.query(`grant select, insert on ${notes} to ${role}`),
        owner.query(`grant usage on sequence ${notes}_id_seq to ${role}`),
        owner.query(`insert into ${notes} (org_id, body) values ('org_a', 'a1'), ('org_a', 'a2'), ('org_b', 'b1')`),
      ]);
    });
    afterAll(async () => {
      useTarget(target);
      const owner = neon(cs);
      await owner.transaction([
        owner.query(`drop table if exists ${notes}`),
        owner.query(`drop role if exists ${role}`),
        owner.query(`drop role if exists ${noLogin}`),
      ]);
    });

    it("over HTTP the role is current_user and FORCE RLS limits it to its tenant's rows", async () => {
      const app = neon(appCs);
      const [who, , count] = await app.transaction([
        app`select current_user as u`,
        app`select set_config('app.org_id', 'org_a', true)`,
        app`select count(*)::int as n from ${app.unsafe(notes)}`,
      ]);
      expect(who).toEqual([{ u: role }]);
      expect(count).toEqual([{ n: 2 }]);
      expect(await app`select count(*)::int as n from ${app.unsafe(notes)}`).toEqual([{ n: 0 }]);
      expect(await neon(cs)`select count(*)::int as n from ${neon(cs).unsafe(notes)}`).toEqual([{ n: 3 }]);
    });

    it("the role cannot write another tenant's row (42501)", async () => {
      const app = neon(appCs);
      const err = await dbError(
        app.transaction([
          app`select set_config('app.org_id', 'org_a', true)`,
          app`insert into ${app.unsafe(notes)} (org_id, body) values ('org_b', 'sneaky')`,
        ]),
      );
      expect(err.code).toBe("42501");
    });

    it("over WebSocket the role is current_user and RLS applies too", async () => {
      await withClient(appCs, async (c) => {
        expect((await c.query("select current_user as u")).rows).toEqual([{ u: role }]);
        await c.query("begin");
        await c.query("select set_config('app.org_id', 'org_b', true)");
        expect((await c.query(`select body from ${notes}`)).rows).toEqual([{ body: "b1" }]);
        await c.query("commit");
        expect((await c.query(`select count(*)::int as n from ${notes}`)).rows).toEqual([{ n: 0 }]);
      });
    });

    it("an unknown role is refused like a real login, over HTTP and WebSocket", async () => {
      const stranger = asUser(cs, `neon_conf_nobody_${RUN}`, "whatever");
      const http = await dbError(neon(stranger)`select 1`);
      expect(http.code).toMatch(/^28(000|P01)$/);
      const ws = await rejection(new Client(stranger).connect());
      expect(ws.code).toMatch(/^28(000|P01)$/);
    });

    it("a role without LOGIN is refused like a real login", async () => {
      const err = await dbError(neon(asUser(cs, noLogin, "whatever"))`select 1`);
      // Under trust authentication Postgres says so (28000); where it checks passwords, the password check fails first (28P01).
      if (err.code === "28P01") expect(err.message).toContain("password authentication failed");
      else expect([err.code, err.message]).toEqual(["28000", `role "${noLogin}" is not permitted to log in`]);
    });

    it.runIf(target.backend === "postgres")("a wrong password is refused with 28P01 by a Postgres that checks passwords", async (ctx) => {
      const outcome = await neon(asUser(cs, role, "wrong-password"))`select 1`.then(
        () => undefined,
        (err: unknown) => err,
      );
      if (outcome === undefined) {
        const [rules] = await neon(cs)`
          select count(*)::int as n from pg_hba_file_rules
          where auth_method = 'trust' and type <> 'local' and (${role} = any(user_name) or 'all' = any(user_name))`;
        ctx.skip(rules?.n !== 0, "this Postgres trusts TCP logins (pg_hba.conf), so no password is checked");
        throw new Error("a wrong password was accepted although pg_hba.conf has no trust rule");
      }
      expect(outcome).toBeInstanceOf(NeonDbError);
      expect((outcome as NeonDbError).code).toBe("28P01");
    });
  });
});
