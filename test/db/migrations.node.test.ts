/**
 * Migrations are ordered and idempotent: a fresh database, one migrated step by step,
 * and one migrated twice end in the same schema; the hand-written SQL can even be run
 * again by itself without changing anything. On embedded PGlite always, and on the real
 * Postgres when DATABASE_URL is set (CI).
 */
import { cp, readFile, readdir, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER, migrate, type MigrationTarget } from "../../drizzle/migrate.ts";
import { openPglite } from "../stack/neon-gateway/pglite-open.ts";

/** Everything that makes up the schema, as sorted text: tables, columns, constraints, indexes, RLS, policies, functions, triggers, grants. */
const FINGERPRINT = `
  select 'column ' || table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as x
    from information_schema.columns where table_schema in ('public', 'audit', 'app', 'auth')
  union all select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace::regnamespace::text in ('public', 'audit')
  union all select 'index ' || schemaname || '.' || indexname || ' ' || indexdef from pg_indexes where schemaname in ('public', 'audit')
  union all select 'rls ' || oid::regclass::text || ' ' || relrowsecurity || ' ' || relforcerowsecurity from pg_class where relnamespace::regnamespace::text in ('public', 'audit') and relkind = 'r'
  union all select 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies
  union all select 'function ' || p.oid::regprocedure::text || ' ' || p.prosecdef || ' ' || pg_get_userbyid(p.proowner) || ' ' || coalesce(p.proconfig::text, '') || ' ' || md5(p.prosrc) || ' ' || coalesce(p.proacl::text, '')
    from pg_proc p where p.pronamespace::regnamespace::text in ('app', 'auth', 'audit')
  union all select 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text || ' ' || pg_get_triggerdef(oid) from pg_trigger where not tgisinternal
  union all select 'grant ' || c.oid::regclass::text || ' ' || coalesce(c.relacl::text, '') from pg_class c where c.relnamespace::regnamespace::text in ('public', 'audit') and c.relkind in ('r', 'S')
  union all select 'column grant ' || attrelid::regclass::text || '.' || attname || ' ' || attacl::text from pg_attribute where attacl is not null and attrelid::regclass::text not like 'pg_%'
  union all select 'schema ' || nspname || ' ' || coalesce(nspacl::text, '') from pg_namespace where nspname in ('public', 'audit', 'app', 'auth')
  union all select 'role ' || rolname || ' ' || rolsuper || rolinherit || rolcreaterole || rolcreatedb || rolcanlogin || rolbypassrls from pg_roles where rolname like 'rampart_%'
  order by 1`;

/** Every hand-written migration's statements, in journal order, to run them a second time outside the journal. */
async function securityStatements(): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_FOLDER)).filter((f) => f.endsWith("_security.sql")).sort();
  if (files.length === 0) throw new Error("no *_security.sql migration");
  const texts = await Promise.all(files.map((file) => readFile(join(MIGRATIONS_FOLDER, file), "utf8")));
  return texts.flatMap((text) =>
    text
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** A copy of the migrations folder whose journal stops after the first `count` entries. */
async function partialFolder(count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "rampart-migrations-"));
  await cp(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  await writeFile(journalPath, JSON.stringify(journal));
  return dir;
}

interface Backend {
  readonly name: string;
  /** A new empty database, its migration target, a query function and a disposer. */
  fresh(): Promise<{ target: MigrationTarget; query: (sql: string) => Promise<string[]>; dispose: () => Promise<void> }>;
}

const pglite: Backend = {
  name: "pglite",
  async fresh() {
    const { db } = await openPglite();
    return {
      target: { pglite: db },
      query: async (sql) => (await db.query<{ x: string }>(sql)).rows.map((r) => r.x),
      dispose: () => db.close(),
    };
  },
};

const adminUrl = process.env.DATABASE_URL;
const postgres: Backend | undefined = adminUrl
  ? {
      name: "postgres",
      async fresh() {
        const name = `rampart_migration_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`create database ${name}`);
        await admin.end();
        const url = new URL(adminUrl);
        url.pathname = `/${name}`;
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        return {
          target: { ownerUrl: url.toString() },
          query: async (sql) => (await client.query<{ x: string }>(sql)).rows.map((r) => r.x),
          dispose: async () => {
            await client.end();
            const drop = new pg.Client({ connectionString: adminUrl });
            await drop.connect();
            await drop.query(`drop database if exists ${name} with (force)`);
            await drop.end();
          },
        };
      },
    }
  : undefined;

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each([pglite, ...(postgres ? [postgres] : [])])("migrations on $name", (backend) => {
  it("a fresh database, one migrated step by step and one migrated twice end in the same schema", async () => {
    const fresh = await backend.fresh();
    const stepwise = await backend.fresh();
    try {
      await migrate(fresh.target);
      const expected = await fresh.query(FINGERPRINT);
      expect(expected.filter((line) => line.startsWith("policy ")).length).toBeGreaterThan(40);

      const first = await partialFolder(1);
      folders.push(first);
      await migrate(stepwise.target, { folder: first });
      expect(await stepwise.query(FINGERPRINT)).not.toEqual(expected);
      await migrate(stepwise.target);
      expect(await stepwise.query(FINGERPRINT)).toEqual(expected);

      await migrate(fresh.target);
      expect(await fresh.query(FINGERPRINT)).toEqual(expected);
    } finally {
      await Promise.all([fresh.dispose(), stepwise.dispose()]);
    }
  }, 60_000);

  it("the hand-written SQL (roles, grants, policies, functions, triggers) can run again and changes nothing", async () => {
    const db = await backend.fresh();
    try {
      await migrate(db.target);
      const before = await db.query(FINGERPRINT);
      for (const statement of await securityStatements()) {
        await db.query(statement).catch((err: unknown) => {
          throw new Error(`re-running failed at: ${statement.slice(0, 120)}\n${String(err)}`);
        });
      }
      expect(await db.query(FINGERPRINT)).toEqual(before);
    } finally {
      await db.dispose();
    }
  }, 60_000);
});
