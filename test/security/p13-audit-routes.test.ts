/**
 * P13 over HTTP: an organization's audit log and the verification of its hash chain,
 * through the real worker and database (with P9 roles and P11 isolation on the way).
 *
 * Attacks and mistakes covered:
 * - someone altering an entry behind the API (the database owner, with the append-only
 *   trigger disabled): the verification route reports that sequence number;
 * - a member or viewer reading the log (403), an outsider or another tenant's owner
 *   naming the org (404, like an unknown id), another org's entries in the list (never);
 * - a tampered, forged, foreign or oversized cursor, a cursor replayed in the other
 *   order, a bad limit or filter: a 4xx problem, never a 500;
 * - pages that skip or repeat entries: a cursor walk returns every entry exactly once,
 *   newest first and in chain order.
 *
 * Records are written as rampart_app with a member's context (what the records routes
 * do), so the audit trigger writes the entries exactly as in production.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { ownerQuery } from "../helpers/identity-ip";
import { api, orgWithRoles, person, orgOf, type Person } from "../helpers/orgs";
import { asApp, asOwner } from "../helpers/tenants";
import { AUDITED_TABLES } from "../../src/modules/audit/audit.schemas";

interface Entry {
  seq: number;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  action: string;
  table: string;
  row_id: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  at: string;
  prev_hash: string;
  hash: string;
}
interface Page {
  data: Entry[];
  next_cursor: string | null;
}

const log = (org: string, token: string, query = ""): Promise<Response> => api("GET", `/v1/orgs/${org}/audit-log${query}`, token);
const verify = (org: string, token: string): Promise<Response> => api("GET", `/v1/orgs/${org}/audit-log/verify`, token);

async function page(org: string, token: string, query = ""): Promise<Page> {
  const response = await log(org, token, query);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<Page>();
}

/** Writes as `who` in `org` through the database as the app would (one transaction). */
const write = (org: string, who: Person, ...statements: string[]) => asApp(workerDb(), { orgId: org, userId: who.id }, ...statements);

/** Every entry, walking the cursor `limit` at a time. */
async function walk(org: string, token: string, query: string, limit: number): Promise<{ entries: Entry[]; pages: number }> {
  const entries: Entry[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const suffix: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
    const next: Page = await page(org, token, `?limit=${limit}${query}${suffix}`);
    entries.push(...next.data);
    cursor = next.next_cursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { entries, pages };
}

const b64url = (text: string): string => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("P13 audit log over HTTP", () => {
  let orgId: string;
  let people: Awaited<ReturnType<typeof orgWithRoles>>["people"];
  const risk = crypto.randomUUID();
  const vendor = crypto.randomUUID();

  beforeAll(async () => {
    ({ orgId, people } = await orgWithRoles());
    await write(orgId, people.member, `insert into risks (id, org_id, title) values ('${risk}', '${orgId}', 'Phishing')`);
    await write(orgId, people.admin, `update risks set title = 'Spear phishing' where id = '${risk}'`);
    await write(orgId, people.member, `insert into vendors (id, org_id, name) values ('${vendor}', '${orgId}', 'Acme Cloud')`);
    await write(orgId, people.admin, `delete from risks where id = '${risk}'`);
  });

  it("P13: each change is an entry with its actor, before and after, newest first, chained by hash", async () => {
    const { data, next_cursor } = await page(orgId, people.auditor.token);
    expect(next_cursor).toBeNull();
    expect(data.map((e) => [e.seq, e.action, e.table])).toEqual([
      [4, "delete", "risks"],
      [3, "insert", "vendors"],
      [2, "update", "risks"],
      [1, "insert", "risks"],
    ]);
    const [del, , upd, ins] = data as [Entry, Entry, Entry, Entry];
    expect(ins).toMatchObject({ actor_user_id: people.member.id, actor_api_key_id: null, row_id: risk, before: null });
    expect(ins.after).toMatchObject({ id: risk, title: "Phishing", created_by: people.member.id });
    expect(upd).toMatchObject({ actor_user_id: people.admin.id, before: { title: "Phishing" }, after: { title: "Spear phishing" } });
    expect(del).toMatchObject({ actor_user_id: people.admin.id, after: null, before: { title: "Spear phishing" } });
    expect(ins.prev_hash).toBe("0".repeat(64));
    const chronological = [...data].reverse();
    for (let i = 1; i < chronological.length; i++) expect(chronological[i]?.prev_hash).toBe(chronological[i - 1]?.hash);
    for (const entry of data) {
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(entry.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    }
  });

  it("P13: the hash an entry shows is what the database computes from the fields it shows", async () => {
    const [entry] = (await page(orgId, people.owner.token, "?limit=1")).data;
    if (entry === undefined) throw new Error("no entry");
    const [row] = await ownerQuery(
      "select audit.entry_hash($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::timestamptz, $11) as h",
      [
        orgId,
        entry.seq,
        entry.actor_user_id,
        entry.actor_api_key_id,
        entry.action,
        entry.table,
        entry.row_id,
        JSON.stringify(entry.before),
        JSON.stringify(entry.after),
        entry.at,
        entry.prev_hash,
      ],
    );
    expect(row?.h).toBe(entry.hash);
  });

  it("P13: the chain of an untouched organization verifies", async () => {
    const response = await verify(orgId, people.auditor.token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ valid: true, checked: 4, first_broken_seq: null });
  });

  it("P13 (refuses): an entry altered behind the API (owner, trigger disabled) is reported at its sequence number", async () => {
    const owner = await person("owner");
    const org = await orgOf(owner);
    for (let i = 0; i < 4; i++) await write(org, owner, `insert into risks (org_id, title) values ('${org}', 'Risk ${i}')`);
    await asOwner(
      workerDb(),
      "alter table audit.entries disable trigger entries_append_only",
      `update audit.entries set after = jsonb_set(after, '{title}', '"nothing to see"') where org_id = '${org}' and seq = 3`,
      "alter table audit.entries enable trigger entries_append_only",
    );
    const response = await verify(org, owner.token);
    expect(await response.json()).toEqual({ valid: false, checked: 2, first_broken_seq: 3 });
  });

  it("P9: owners, admins and auditors read and verify; members and viewers get 403 and nothing", async () => {
    for (const role of ["owner", "admin", "auditor"] as const) {
      expect((await log(orgId, people[role].token)).status, role).toBe(200);
      expect((await verify(orgId, people[role].token)).status, role).toBe(200);
    }
    for (const role of ["member", "viewer"] as const) {
      await expectProblem(await log(orgId, people[role].token), 403, "forbidden");
      await expectProblem(await verify(orgId, people[role].token), 403, "forbidden");
    }
  });

  it("P11 (refuses): another tenant's owner, an outsider and a malformed id get 404; another org's entries never appear", async () => {
    const other = await orgWithRoles();
    await write(other.orgId, other.people.member, `insert into risks (org_id, title) values ('${other.orgId}', 'Theirs')`);
    const outsider = await person();
    for (const token of [other.people.owner.token, outsider.token]) {
      await expectProblem(await log(orgId, token), 404, "not_found");
      await expectProblem(await verify(orgId, token), 404, "not_found");
    }
    await expectProblem(await log("not-a-uuid", people.owner.token), 404, "not_found");
    const theirs = await page(other.orgId, other.people.auditor.token);
    expect(theirs.data.map((e) => e.seq)).toEqual([1]);
    const ours = await page(orgId, people.owner.token, "?limit=200");
    expect(ours.data.some((e) => e.after?.title === "Theirs")).toBe(false);
  });

  it("P13: the audit log's table filter offers exactly the tables that carry the audit trigger", async () => {
    const rows = await ownerQuery(
      `select distinct c.relname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
       join pg_proc p on p.oid = t.tgfoid join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'audit' and p.proname = 'record_change' and not t.tgisinternal`,
    );
    expect(rows.map((r) => String(r.name)).sort()).toEqual([...AUDITED_TABLES].sort());
  });

  it("P13: filters by table, row, actor, action and time", async () => {
    const seqs = async (query: string): Promise<number[]> => (await page(orgId, people.auditor.token, query)).data.map((e) => e.seq);
    expect(await seqs("?table=vendors")).toEqual([3]);
    expect(await seqs(`?row=${risk}`)).toEqual([4, 2, 1]);
    expect(await seqs(`?actor=${people.admin.id}`)).toEqual([4, 2]);
    expect(await seqs(`?action=insert&table=risks`)).toEqual([1]);
    const all = (await page(orgId, people.auditor.token)).data;
    const second = all.find((e) => e.seq === 2);
    if (second === undefined) throw new Error("no entry 2");
    // `from` is inclusive, `to` exclusive, at the database's microseconds.
    expect(await seqs(`?from=${encodeURIComponent(second.at)}`)).toEqual(all.filter((e) => e.at >= second.at).map((e) => e.seq));
    expect(await seqs(`?to=${encodeURIComponent(second.at)}`)).toEqual(all.filter((e) => e.at < second.at).map((e) => e.seq));
    expect(await seqs("?from=2999-01-01T00:00:00Z")).toEqual([]);
    expect(await seqs(`?actor=${crypto.randomUUID()}`)).toEqual([]);
  });

  it("P13: a cursor walk returns every entry once, newest first or in chain order", async () => {
    const owner = await person("owner");
    const org = await orgOf(owner);
    const values = Array.from({ length: 11 }, (_, i) => `('${org}', 'Risk ${i}')`).join(", ");
    await write(org, owner, `insert into risks (org_id, title) values ${values}`);
    const newest = await walk(org, owner.token, "", 3);
    expect(newest.pages).toBe(4);
    expect(newest.entries.map((e) => e.seq)).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const oldest = await walk(org, owner.token, "&order=asc", 4);
    expect(oldest.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // A cursor continues in its own order even when `order` is left out.
    const first = await page(org, owner.token, "?order=asc&limit=5");
    const rest = await page(org, owner.token, `?limit=5&cursor=${encodeURIComponent(first.next_cursor ?? "")}`);
    expect(rest.data.map((e) => e.seq)).toEqual([6, 7, 8, 9, 10]);
    const defaults = await page(org, owner.token);
    expect(defaults.data).toHaveLength(11);
  });

  it("P13 (refuses): a tampered, forged, foreign or replayed-in-the-other-order cursor is 400 invalid_cursor, never a 500", async () => {
    const first = await page(orgId, people.owner.token, "?limit=1");
    const cursor = first.next_cursor ?? "";
    expect(cursor).not.toBe("");
    for (const bad of [
      "not-a-cursor!",
      "AAAA",
      `${cursor.slice(0, -2)}${cursor.endsWith("zz") ? "yy" : "zz"}`,
      b64url("{}"),
      b64url('{"l":"audit-log","p":{"seq":"1 or 1=1","order":"desc"}}'),
      b64url('{"l":"audit-log","p":{"seq":-1,"order":"desc"}}'),
      b64url('{"l":"audit-log","p":{"seq":2,"order":"sideways"}}'),
      b64url(`{"l":"security-events","p":{"at":"2026-11-30T09:00:00.000000Z","id":"${crypto.randomUUID()}"}}`),
      b64url("\u00ff\u00fe"),
    ]) {
      await expectProblem(await log(orgId, people.owner.token, `?cursor=${encodeURIComponent(bad)}`), 400, "invalid_cursor");
    }
    await expectProblem(await log(orgId, people.owner.token, `?order=asc&cursor=${encodeURIComponent(cursor)}`), 400, "invalid_cursor");
    // A forged but well-formed cursor only moves the start of a list the caller may read anyway.
    const forged = b64url('{"l":"audit-log","p":{"seq":3,"order":"desc"}}');
    expect((await page(orgId, people.owner.token, `?cursor=${forged}`)).data.map((e) => e.seq)).toEqual([2, 1]);
  });

  it.each([
    ["a limit over 200", "?limit=201"],
    ["a limit of 0", "?limit=0"],
    ["a limit that is no number", "?limit=ten"],
    ["an unknown table", "?table=users"],
    ["an unknown action", "?action=truncate"],
    ["a row that is no uuid", "?row=42"],
    ["a time that is no time", "?from=yesterday"],
    ["a cursor over 512 characters", `?cursor=${"A".repeat(600)}`],
  ])("P13 (refuses): %s is 422 validation_failed", async (_label, query) => {
    await expectProblem(await log(orgId, people.owner.token, query), 422, "validation_failed");
  });
});
