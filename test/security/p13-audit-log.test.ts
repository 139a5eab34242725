/**
 * P13: every change to a compliance record leaves an audit entry written by a
 * trigger in the same transaction, hash-chained per organization, that nobody the app
 * or an org admin can be may change or remove. Runs once per backend.
 */
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDatabase, inTenant, schema } from "../../src/db";
import { asApp, asOwner, dbError, dbTargets, RECORD_TABLES, seedOrg, userIn, type DbTarget, type SeededOrg } from "../helpers/tenants";

interface Entry {
  seq: number;
  action: string;
  table_name: string;
  row_id: string;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

const entriesFor = (target: DbTarget, org: SeededOrg, rowId: string) =>
  asOwner(
    target,
    `select seq::int, action, table_name, row_id, actor_user_id, actor_api_key_id, before, after from audit.entries where org_id = '${org.orgId}' and row_id = '${rowId}' order by seq`,
  ) as Promise<unknown> as Promise<Entry[]>;

const verify = async (target: DbTarget, org: SeededOrg) =>
  (
    await asApp(target, userIn(org, "auditor"), `select valid, entries::int, first_broken_seq::int from audit.verify_chain('${org.orgId}')`)
  )[0];

describe.each(dbTargets())("P13 on $backend", (target: DbTarget) => {
  let a: SeededOrg;

  beforeAll(async () => {
    a = await seedOrg(target, "umbrella");
  });

  it("P13: insert, update and delete each write one entry with before, after and the actor", async () => {
    const id = crypto.randomUUID();
    await asApp(target, userIn(a, "member"), `insert into risks (id, org_id, title) values ('${id}', '${a.orgId}', 'Phishing')`);
    await asApp(target, { orgId: a.orgId, apiKeyId: a.keys.write }, `update risks set status = 'mitigated' where id = '${id}'`);
    await asApp(target, userIn(a, "admin"), `delete from risks where id = '${id}'`);
    const entries = await entriesFor(target, a, id);
    expect(entries.map((e) => [e.action, e.table_name])).toEqual([
      ["insert", "risks"],
      ["update", "risks"],
      ["delete", "risks"],
    ]);
    const [ins, upd, del] = entries as [Entry, Entry, Entry];
    expect(ins).toMatchObject({
      actor_user_id: a.users.member,
      actor_api_key_id: null,
      before: null,
      after: { id, title: "Phishing", status: "identified", created_by: a.users.member },
    });
    expect(upd).toMatchObject({
      actor_user_id: null,
      actor_api_key_id: a.keys.write,
      before: { status: "identified" },
      after: { status: "mitigated", updated_by: a.keys.write, created_by: a.users.member },
    });
    expect(del).toMatchObject({ actor_user_id: a.users.admin, before: { status: "mitigated" }, after: null });
    expect(upd.seq).toBe(ins.seq + 1);
    expect(del.seq).toBe(upd.seq + 1);
  });

  it("P13: every compliance table is audited", async () => {
    for (const table of RECORD_TABLES) {
      const entries = await entriesFor(target, a, a.records[table]);
      expect(
        entries.map((e) => [e.action, e.table_name]),
        table,
      ).toEqual([["insert", table]]);
    }
  });

  it("P13 (refuses): a write with no actor is refused, even by the owner", async () => {
    const err = await dbError(asOwner(target, `insert into risks (org_id, title) values ('${a.orgId}', 'anonymous')`));
    expect(err.code).toBe("42501");
  });

  it("P13 (refuses): the app role cannot UPDATE, DELETE or TRUNCATE audit rows, whatever its role in the org", async () => {
    for (const statement of [
      "update audit.entries set after = '{}'",
      "delete from audit.entries",
      "truncate audit.entries",
      "insert into audit.entries (org_id, seq, action, table_name, row_id, at, prev_hash, hash) values (gen_random_uuid(), 1, 'insert', 'risks', gen_random_uuid(), now(), '', '')",
    ]) {
      for (const role of ["owner", "admin", "auditor"] as const) {
        expect((await dbError(asApp(target, userIn(a, role), statement))).code, `${role}: ${statement}`).toBe("42501");
      }
    }
  });

  it("P13 (refuses): a grant slip would still fail: the trigger refuses UPDATE, DELETE and TRUNCATE even for the owner", async () => {
    for (const statement of [
      `update audit.entries set after = '{}' where org_id = '${a.orgId}'`,
      `delete from audit.entries where org_id = '${a.orgId}'`,
      "truncate audit.entries",
    ]) {
      const err = await dbError(asOwner(target, statement));
      expect(err.code, statement).toBe("42501");
      expect(err.message, statement).toContain("append-only");
    }
  });

  it("P13: the chain of an untouched org verifies; only owners, admins and auditors may verify", async () => {
    const org = await seedOrg(target, "stark");
    expect(await verify(target, org)).toEqual({ valid: true, entries: RECORD_TABLES.length, first_broken_seq: null });
    for (const role of ["member", "viewer"] as const) {
      expect((await dbError(asApp(target, userIn(org, role), `select * from audit.verify_chain('${org.orgId}')`))).code, role).toBe(
        "42501",
      );
    }
    expect((await dbError(asApp(target, userIn(a, "owner"), `select * from audit.verify_chain('${org.orgId}')`))).code).toBe("42501");
  });

  it("P13: 200 concurrent writes to one org leave consecutive sequence numbers and a chain that verifies", async () => {
    const org = await seedOrg(target, "wayne");
    const db = await createDatabase(target.app);
    const context = { orgId: org.orgId, actor: { kind: "user", userId: org.users.member } } as const;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        inTenant(db, context, (tx) => [
          tx
            .insert(schema.incidents)
            .values({ orgId: org.orgId, title: `Incident ${i}` })
            .returning({ id: schema.incidents.id }),
          tx
            .update(schema.risks)
            .set({ title: `reviewed ${i}` })
            .where(and(eq(schema.risks.orgId, org.orgId), eq(schema.risks.id, org.records.risks))),
        ]),
      ),
    );
    const ms = performance.now() - started;
    console.log(`[P13] 200 concurrent write requests (400 audited rows) on ${target.backend}: ${ms.toFixed(0)} ms`);
    const [seqs] = await asOwner(
      target,
      `select count(*)::int as n, min(seq)::int as lo, max(seq)::int as hi, count(distinct seq)::int as d from audit.entries where org_id = '${org.orgId}'`,
    );
    const total = RECORD_TABLES.length + 400;
    expect(seqs).toEqual({ n: total, lo: 1, hi: total, d: total });
    expect(await verify(target, org)).toEqual({ valid: true, entries: total, first_broken_seq: null });
  }, 120_000);

  it("P13 (refuses): tampering with one entry (as the owner, trigger disabled) is reported at that sequence number", async () => {
    const org = await seedOrg(target, "cyberdyne");
    await asOwner(
      target,
      "alter table audit.entries disable trigger entries_append_only",
      `update audit.entries set after = jsonb_set(after, '{title}', '"nothing to see"') where org_id = '${org.orgId}' and seq = 3`,
      "alter table audit.entries enable trigger entries_append_only",
    );
    expect(await verify(target, org)).toEqual({ valid: false, entries: 2, first_broken_seq: 3 });
  });

  it("P13 (refuses): a removed entry or a cut-off tail is reported too", async () => {
    const gap = await seedOrg(target, "tyrell");
    const tail = await seedOrg(target, "soylent");
    await asOwner(
      target,
      "alter table audit.entries disable trigger entries_append_only",
      `delete from audit.entries where org_id = '${gap.orgId}' and seq = 5`,
      `delete from audit.entries where org_id = '${tail.orgId}' and seq = ${RECORD_TABLES.length}`,
      "alter table audit.entries enable trigger entries_append_only",
    );
    expect(await verify(target, gap)).toEqual({ valid: false, entries: 4, first_broken_seq: 5 });
    expect(await verify(target, tail)).toEqual({ valid: false, entries: RECORD_TABLES.length - 1, first_broken_seq: RECORD_TABLES.length });
  });
});
