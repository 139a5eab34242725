/**
 * P11: tenant isolation is enforced by Postgres itself, under the worker's own login
 * role (rampart_app), whatever the application's SQL forgets. Every block runs once per
 * backend (real PostgreSQL 15 in CI, embedded PGlite always).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { createPool } from "../../src/db";
import {
  asApp,
  asOwner,
  dbError,
  dbTargets,
  labelOf,
  RECORD_TABLES,
  seedOrg,
  userIn,
  type DbTarget,
  type SeededOrg,
} from "../helpers/tenants";

/** Every tenant table and the column that names its organization. */
const TENANT_TABLES: readonly (readonly [string, string])[] = [
  ...RECORD_TABLES.map((t) => [t, "org_id"] as const),
  ["organizations", "id"],
  ["memberships", "org_id"],
  ["api_keys", "org_id"],
  ["security_events", "org_id"],
  ["audit.entries", "org_id"],
];

describe.each(dbTargets())("P11 on $backend", (target: DbTarget) => {
  let a: SeededOrg;
  let b: SeededOrg;

  beforeAll(async () => {
    [a, b] = await Promise.all([seedOrg(target, "acme"), seedOrg(target, "globex")]);
  });

  /** Org ids of every row `context` can see in `table`. */
  const visibleOrgs = async (context: Parameters<typeof asApp>[1], table: string, column: string): Promise<string[]> =>
    (await asApp(target, context, `select ${column}::text as org from ${table}`)).map((r) => String(r.org));

  it("P11 (refuses): a query with no org filter returns only the current org's rows, for every tenant table", async () => {
    for (const [table, column] of TENANT_TABLES) {
      const orgs = await visibleOrgs(userIn(a, "owner"), table, column);
      expect(orgs.length, table).toBeGreaterThan(0);
      expect(new Set(orgs), table).toEqual(new Set([a.orgId]));
    }
  });

  it("P11 (refuses): reading, updating and deleting another org's rows by id touches 0 rows", async () => {
    for (const table of RECORD_TABLES) {
      const id = b.records[table];
      const ctx = userIn(a, "owner");
      expect(await asApp(target, ctx, `select id from ${table} where id = '${id}'`), table).toEqual([]);
      expect(await asApp(target, ctx, `update ${table} set status = 'hijacked' where id = '${id}' returning id`), table).toEqual([]);
      expect(await asApp(target, ctx, `delete from ${table} where id = '${id}' returning id`), table).toEqual([]);
      const [row] = await asOwner(target, `select status from ${table} where id = '${id}'`);
      expect(row?.status, table).not.toBe("hijacked");
    }
    expect(
      await asApp(target, userIn(a, "owner"), `update organizations set name = 'hijacked' where id = '${b.orgId}' returning id`),
    ).toEqual([]);
    expect(await asApp(target, userIn(a, "owner"), `delete from memberships where org_id = '${b.orgId}' returning user_id`)).toEqual([]);
    expect(
      await asApp(target, userIn(a, "owner"), `update api_keys set revoked_at = now() where org_id = '${b.orgId}' returning id`),
    ).toEqual([]);
  });

  it("P11 (refuses): inserting a row with another org's id fails (42501), for every compliance table", async () => {
    for (const table of RECORD_TABLES) {
      const err = await dbError(
        asApp(target, userIn(a, "owner"), `insert into ${table} (org_id, ${labelOf(table)}) values ('${b.orgId}', 'planted')`),
      );
      expect(err.code, table).toBe("42501");
    }
    const member = await dbError(
      asApp(
        target,
        userIn(a, "owner"),
        `insert into memberships (org_id, user_id, role) values ('${b.orgId}', '${a.users.member}', 'owner')`,
      ),
    );
    expect(member.code).toBe("42501");
    expect(await asOwner(target, `select count(*)::int as n from risks where org_id = '${b.orgId}' and title = 'planted'`)).toEqual([
      { n: 0 },
    ]);
  });

  it("P11 (refuses): a user who is not a member of the org named in app.org_id sees nothing and writes nothing", async () => {
    const outsider = userIn(a, "owner", b.orgId);
    for (const [table, column] of TENANT_TABLES) expect(await visibleOrgs(outsider, table, column), table).toEqual([]);
    const err = await dbError(asApp(target, outsider, `insert into risks (org_id, title) values ('${b.orgId}', 'planted')`));
    expect(err.code).toBe("42501");
  });

  it("P11 (refuses): with no variables set, nothing is visible and nothing can be written", async () => {
    for (const [table, column] of TENANT_TABLES) expect(await visibleOrgs(null, table, column), table).toEqual([]);
    expect(await asApp(target, null, "select id from users")).toEqual([]);
    const err = await dbError(asApp(target, null, `insert into risks (org_id, title) values ('${a.orgId}', 'no context')`));
    expect(err.code).toBe("42501");
  });

  it("P11: users see themselves and the members of the org they work in; sessions only their own", async () => {
    const [sa, sb] = [crypto.randomUUID(), crypto.randomUUID()];
    await asOwner(
      target,
      `insert into sessions (id, user_id, refresh_token_digest, expires_at) values ('${sa}', '${a.users.owner}', '${sa}', now() + interval '1 day'), ('${sb}', '${b.users.owner}', '${sb}', now() + interval '1 day')`,
    );
    const users = await asApp(target, userIn(a, "viewer"), "select id from users");
    expect(new Set(users.map((u) => u.id))).toEqual(new Set(Object.values(a.users)));
    expect(await asApp(target, { orgId: b.orgId, userId: a.users.viewer }, "select id from users")).toEqual([{ id: a.users.viewer }]);
    expect(await asApp(target, userIn(a, "owner"), "select id from sessions")).toEqual([{ id: sa }]);
    expect(await asApp(target, userIn(a, "owner"), `update sessions set revoked_at = now() where id = '${sb}' returning id`)).toEqual([]);
  });

  it("P11 (refuses): garbage in the variables reads as no context, not as an error or a match", async () => {
    const rows = await asApp(target, { orgId: "' or true --", userId: "not-a-uuid" }, "select id from risks");
    expect(rows).toEqual([]);
  });

  it("P11 (refuses): API keys are held to their own org, their scopes, and revocation", async () => {
    const readKey = { orgId: a.orgId, apiKeyId: a.keys.read };
    expect(new Set(await visibleOrgs(readKey, "risks", "org_id"))).toEqual(new Set([a.orgId]));
    expect((await dbError(asApp(target, readKey, `insert into risks (org_id, title) values ('${a.orgId}', 'by a read key')`))).code).toBe(
      "42501",
    );
    expect(await visibleOrgs({ orgId: b.orgId, apiKeyId: a.keys.write }, "risks", "org_id")).toEqual([]);
    expect(await visibleOrgs({ orgId: a.orgId, apiKeyId: a.keys.revoked }, "risks", "org_id")).toEqual([]);
    expect(await visibleOrgs({ orgId: a.orgId, apiKeyId: a.keys.audit }, "risks", "org_id")).toEqual([]);
    expect(new Set(await visibleOrgs({ orgId: a.orgId, apiKeyId: a.keys.audit }, "audit.entries", "org_id"))).toEqual(new Set([a.orgId]));
    // No key manages its organization.
    expect(await visibleOrgs({ orgId: a.orgId, apiKeyId: a.keys.write }, "api_keys", "org_id")).toEqual([]);
    // A user and a key at once is no actor at all.
    expect(await visibleOrgs({ orgId: a.orgId, userId: a.users.owner, apiKeyId: a.keys.write }, "risks", "org_id")).toEqual([]);
  });

  it("P11: the database enforces the README's role table", async () => {
    const insertRisk = (role: "member" | "auditor" | "viewer") =>
      asApp(target, userIn(a, role), `insert into risks (org_id, title) values ('${a.orgId}', 'by ${role}') returning id`);
    expect(await insertRisk("member")).toHaveLength(1);
    for (const role of ["auditor", "viewer"] as const) expect((await dbError(insertRisk(role))).code, role).toBe("42501");
    for (const role of ["viewer", "auditor", "member"] as const)
      expect(await visibleOrgs(userIn(a, role), "risks", "org_id"), role).toContain(a.orgId);
    expect(await visibleOrgs(userIn(a, "member"), "audit.entries", "org_id")).toEqual([]);
    expect(await visibleOrgs(userIn(a, "viewer"), "security_events", "org_id")).toEqual([]);
    expect(await visibleOrgs(userIn(a, "auditor"), "audit.entries", "org_id")).toContain(a.orgId);
    expect(await visibleOrgs(userIn(a, "member"), "api_keys", "org_id")).toEqual([]);
    expect(await visibleOrgs(userIn(a, "admin"), "api_keys", "org_id")).toContain(a.orgId);
    expect(await asApp(target, userIn(a, "admin"), `delete from organizations where id = '${a.orgId}' returning id`)).toEqual([]);
    expect(
      await asApp(
        target,
        userIn(a, "member"),
        `update memberships set role = 'owner' where org_id = '${a.orgId}' and user_id = '${a.users.member}' returning role`,
      ),
    ).toEqual([]);
  });

  it("P11 (refuses): a suspended organization's members can do nothing", async () => {
    const c = await seedOrg(target, "initech");
    await asOwner(target, `update organizations set suspended_at = now() where id = '${c.orgId}'`);
    expect(await visibleOrgs(userIn(c, "owner"), "risks", "org_id")).toEqual([]);
  });

  it("P11 (refuses): the app role cannot SET row_security = off to get around the policies", async () => {
    const err = await dbError(asApp(target, userIn(a, "owner"), "set local row_security = off", "select id from risks"));
    expect(err.code).toBe("42501");
  });

  it("P11 (refuses): the app role cannot SET ROLE or SESSION AUTHORIZATION to the owner", async () => {
    for (const statement of [
      `set role ${target.ownerRole}`,
      `set local role ${target.ownerRole}`,
      `set session authorization ${target.ownerRole}`,
      `select set_config('role', '${target.ownerRole}', true)`,
    ]) {
      const err = await dbError(asApp(target, null, statement, "select current_user as u"));
      expect(err.code, statement).toBe("42501");
    }
    expect(await asApp(target, null, "select current_user as u")).toEqual([{ u: "rampart_app" }]);
  });

  it("P11 (refuses): the app role cannot read password hashes, token or key digests directly", async () => {
    for (const statement of [
      "select password_hash from users",
      "select * from users",
      "select refresh_token_digest from sessions",
      "select key_digest from api_keys",
      "select * from audit.heads",
    ]) {
      const err = await dbError(asApp(target, userIn(a, "owner"), statement));
      expect(err.code, statement).toBe("42501");
    }
  });

  it("P11: what must run before a user context goes through narrow SECURITY DEFINER functions", async () => {
    const [found] = await asApp(
      target,
      null,
      `select user_id, password_hash is not null as has_hash, email_verified from auth.password_login('  OWNER.${a.orgId.slice(0, 8)}@ACME.example ')`,
    );
    expect(found).toEqual({ user_id: a.users.owner, has_hash: true, email_verified: true });
    const digest = a.keys.write.replaceAll("-", "").padEnd(64, "0");
    expect(await asApp(target, null, `select api_key_id, org_id from auth.api_key_by_digest('${digest}')`)).toEqual([
      { api_key_id: a.keys.write, org_id: a.orgId },
    ]);
    const revoked = a.keys.revoked.replaceAll("-", "").padEnd(64, "0");
    expect(await asApp(target, null, `select api_key_id from auth.api_key_by_digest('${revoked}')`)).toEqual([]);
    // Every SECURITY DEFINER function pins its search_path; the app can create nothing next to them.
    expect(
      await asOwner(
        target,
        "select p.oid::regprocedure::text as f from pg_proc p where p.prosecdef and not coalesce(p.proconfig::text like '%search_path=pg_catalog, pg_temp%', false)",
      ),
    ).toEqual([]);
    for (const statement of [
      "create function auth.x() returns int language sql as 'select 1'",
      "create table app.x (id int)",
      "select app.protect_record_table('risks')",
    ]) {
      expect((await dbError(asApp(target, null, statement))).code, statement).toBe("42501");
    }
  });

  it("P11 (refuses): the app role cannot alter, drop, truncate or create tables, and owns nothing", async () => {
    for (const statement of [
      "alter table risks add column planted int",
      "alter table risks disable row level security",
      "drop table risks",
      "truncate risks",
      "create table public.planted (id int)",
      "create temporary table planted (id int)",
      "alter table audit.entries disable trigger all",
    ]) {
      expect((await dbError(asApp(target, userIn(a, "owner"), statement))).code, statement).toBe("42501");
    }
    const [role] = await asOwner(
      target,
      `select r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb, r.rolinherit,
        (select count(*)::int from pg_class where relowner = r.oid) + (select count(*)::int from pg_proc where proowner = r.oid)
          + (select count(*)::int from pg_namespace where nspowner = r.oid) + (select count(*)::int from pg_type where typowner = r.oid) as owned,
        (select count(*)::int from pg_auth_members where member = r.oid) as memberships,
        (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where c.relkind = 'r' and n.nspname in ('public', 'audit', 'app', 'auth')
            and (has_table_privilege(r.oid, c.oid, 'TRUNCATE') or has_table_privilege(r.oid, c.oid, 'TRIGGER') or has_table_privilege(r.oid, c.oid, 'REFERENCES'))) as dangerous
       from pg_roles r where r.rolname = 'rampart_app'`,
    );
    expect(role).toEqual({
      rolsuper: false,
      rolbypassrls: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolinherit: false,
      owned: 0,
      memberships: 0,
      dangerous: 0,
    });
  });

  it("P11: every tenant table has row-level security enabled and forced", async () => {
    const rows = await asOwner(
      target,
      `select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname in ('public', 'audit') and not (c.relrowsecurity and c.relforcerowsecurity)`,
    );
    expect(rows).toEqual([]);
  });

  it("P11 (refuses): variables set in one request are not visible in the next on the same connection", async () => {
    const pool = await createPool(target.app);
    try {
      const client = await pool.connect();
      try {
        await client.query("begin");
        await client.query("select set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)", [a.orgId, a.users.owner]);
        expect((await client.query("select count(*)::int as n from risks")).rows[0]).not.toEqual({ n: 0 });
        await client.query("commit");
        const after = await client.query<{ org: string | null; n: number }>(
          "select nullif(current_setting('app.org_id', true), '') as org, (select count(*)::int from risks) as n",
        );
        expect(after.rows).toEqual([{ org: null, n: 0 }]);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
});
