/**
 * P11 (tenant isolation) on the eight compliance records, for every resource of the
 * registry, through the real worker and database.
 *
 * Attacks and mistakes covered:
 * - the registry and the database disagreeing on which tables are compliance records
 *   (a table without forced RLS or without the audit trigger, or one left out of the API);
 * - a member of A naming B's record ids on A's routes (get, change, delete): 404, nothing
 *   written, B's row unchanged; and naming B's organization: 404;
 * - lists: a cursor walk returns every row of the organization once, in order, for
 *   several sorts and a filter, and no other organization's rows; a tampered, foreign or
 *   undecodable cursor is 400 `invalid_cursor` (never a 500); a limit over 200 is 422;
 * - every records request is ONE database round trip (counted at the Neon stand-in).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { base64url, utf8 } from "../../src/lib/encoding";
import { expectProblem } from "../helpers/expect";
import { api, orgOf, orgWithRoles, person, type Person } from "../helpers/orgs";
import {
  apiWith,
  createRecord,
  RECORD_RESOURCES,
  recordsPath,
  resourceNamed,
  rowOf,
  rowsIn,
  taggedDatabase,
  validBody,
  type RecordBody,
  type RecordName,
} from "../helpers/records";
import { asOwner, dbTargets, roundTrips, type DbTarget } from "../helpers/tenants";
import { workerDb } from "../helpers/identity";

const NAMES: readonly RecordName[] = RECORD_RESOURCES.map((r) => r.name);

describe.each(dbTargets())("P11 records: the registry is what the database protects, on $backend", (target: DbTarget) => {
  it("P11: the tables with forced row-level security and the audit trigger are exactly the registry's resources", async () => {
    const rows = await asOwner(
      target,
      `select c.relname as name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r' and c.relrowsecurity and c.relforcerowsecurity
         and exists (select from pg_catalog.pg_trigger t where t.tgrelid = c.oid and t.tgname = 'audit_change' and not t.tgisinternal)
       order by 1`,
    );
    expect(rows.map((r) => r.name)).toEqual([...NAMES].sort());
  });

  it("P11: every registry table has its tenant policies, the actor stamps, the version trigger and the member-owner key", async () => {
    for (const name of NAMES) {
      const policies = await asOwner(
        target,
        `select policyname as p from pg_catalog.pg_policies where schemaname = 'public' and tablename = '${name}' order by 1`,
      );
      expect(
        policies.map((r) => r.p),
        name,
      ).toEqual(["definer_read", "tenant_delete", "tenant_insert", "tenant_read", "tenant_update"]);
      // The one policy not of the tenant: the backup export's role reads, and only reads (P15).
      const definer = await asOwner(
        target,
        `select cmd, roles::text as roles from pg_catalog.pg_policies where schemaname = 'public' and tablename = '${name}' and policyname = 'definer_read'`,
      );
      expect(definer, name).toEqual([{ cmd: "SELECT", roles: "{rampart_definer}" }]);
      const triggers = await asOwner(
        target,
        `select tgname as t from pg_catalog.pg_trigger where tgrelid = 'public.${name}'::regclass and not tgisinternal order by 1`,
      );
      expect(
        triggers.map((r) => r.t),
        name,
      ).toEqual(["audit_change", "bump_version", "stamp_actor"]);
      const keys = await asOwner(
        target,
        `select conname as c from pg_catalog.pg_constraint where conrelid = 'public.${name}'::regclass and contype = 'f' and confrelid = 'public.memberships'::regclass`,
      );
      expect(
        keys.map((r) => r.c),
        name,
      ).toContain(`${name}_owner_member_fk`);
    }
  });
});

describe("P11 records: another organization's records", () => {
  let a: { orgId: string; member: Person };
  let b: { orgId: string; owner: Person };

  beforeAll(async () => {
    const orgA = await orgWithRoles();
    a = { orgId: orgA.orgId, member: orgA.people.member };
    const ownerB = await person("owner-b");
    b = { orgId: await orgOf(ownerB), owner: ownerB };
  });

  it.each(NAMES)(
    "P11 (refuses): %s — A's member naming B's record on A's routes gets 404 on get, change and delete; B's row is unchanged",
    async (name) => {
      const label = resourceNamed(name).spec.label;
      const theirs = await createRecord(b.orgId, name, b.owner.token);
      await expectProblem(await api("GET", recordsPath(a.orgId, name, theirs.id), a.member.token), 404, "not_found");
      await expectProblem(
        await api("PATCH", recordsPath(a.orgId, name, theirs.id), a.member.token, { [label]: "hijacked" }),
        404,
        "not_found",
      );
      await expectProblem(await api("DELETE", recordsPath(a.orgId, name, theirs.id), a.member.token), 404, "not_found");
      // B's organization in the path: A's member is not in it.
      await expectProblem(await api("GET", recordsPath(b.orgId, name, theirs.id), a.member.token), 404, "not_found");
      await expectProblem(await api("GET", recordsPath(b.orgId, name), a.member.token), 404, "not_found");
      await expectProblem(await api("POST", recordsPath(b.orgId, name), a.member.token, validBody(name)), 404, "not_found");
      const row = await rowOf(name, theirs.id);
      expect(row?.[label]).toBe(theirs[label]);
      expect(row?.version).toBe(1);
      expect(row?.org_id).toBe(b.orgId);
      // A's list never shows it.
      const list = await api("GET", `${recordsPath(a.orgId, name)}?limit=200`, a.member.token);
      expect((await list.json<{ items: RecordBody[] }>()).items.map((r) => r.id)).not.toContain(theirs.id);
    },
  );
});

describe("P11 records: lists", () => {
  let owner: Person;
  let orgId: string;
  const ratings: [number | null, number | null][] = [
    [1, 1],
    [5, 5],
    [3, 4],
    [null, null],
    [2, 5],
    [4, 3],
    [null, 2],
    [3, 4],
    [1, 2],
  ];
  let risks: RecordBody[];

  beforeAll(async () => {
    owner = await person("lister");
    orgId = await orgOf(owner);
    risks = [];
    for (const [i, [likelihood, impact]] of ratings.entries()) {
      risks.push(
        await createRecord(orgId, "risks", owner.token, {
          title: `Risk ${String(i).padStart(2, "0")}`,
          likelihood,
          impact,
          treatment: i % 2 === 0 ? "mitigate" : "accept",
        }),
      );
    }
    // Noise in another organization: never listed here.
    const other = await person("other-lister");
    const otherOrg = await orgOf(other);
    for (let i = 0; i < 3; i++) await createRecord(otherOrg, "risks", other.token);
  });

  /** Every page of a list, following next_cursor. */
  async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${recordsPath(orgId, "risks")}?limit=${limit}&${query}${cursor === null ? "" : `&cursor=${cursor}`}`;
      const response = await api("GET", url, owner.token);
      expect(response.status, url).toBe(200);
      const page = await response.json<{ items: RecordBody[]; next_cursor: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((r) => r.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 50);
    return { ids, pages };
  }

  const score = (r: RecordBody): number | null => (r.inherent_score as number | null) ?? null;
  /** Sorted like the API: by the key (empty last), then by id, both in the direction. */
  function expected(key: (r: RecordBody) => number | string | null, descending: boolean, rows: RecordBody[] = risks): string[] {
    const sign = descending ? -1 : 1;
    return [...rows]
      .sort((x, y) => {
        const [kx, ky] = [key(x), key(y)];
        if (kx === null || ky === null) return kx === ky ? sign * x.id.localeCompare(y.id) : kx === null ? 1 : -1;
        if (kx !== ky) return sign * (kx < ky ? -1 : 1);
        return sign * x.id.localeCompare(y.id);
      })
      .map((r) => r.id);
  }

  it("P11: a cursor walk returns every row of the organization once, in order (by score, empty scores last, ties by id)", async () => {
    for (const descending of [true, false]) {
      const { ids, pages } = await walk(`sort=${descending ? "-" : ""}inherent_score`, 2);
      expect(ids).toEqual(expected(score, descending));
      expect(new Set(ids).size).toBe(risks.length);
      expect(pages).toBe(Math.ceil(risks.length / 2));
    }
  });

  it("P11: the walk holds for the default order, a text sort and a filter", async () => {
    const byCreation = await walk("", 4);
    expect(new Set(byCreation.ids)).toEqual(new Set(risks.map((r) => r.id)));
    expect(byCreation.ids).toHaveLength(risks.length);
    expect((await walk("sort=title", 3)).ids).toEqual(expected((r) => String(r.title), false));
    const mitigated = risks.filter((r) => r.treatment === "mitigate");
    expect((await walk("sort=-inherent_score&treatment=mitigate", 2)).ids).toEqual(expected(score, true, mitigated));
  });

  const cursorOf = (value: unknown): string => base64url(utf8.encode(JSON.stringify(value)));

  it("P11 (refuses): a tampered, foreign or undecodable cursor is 400 invalid_cursor, never a 500", async () => {
    const first = await api("GET", `${recordsPath(orgId, "risks")}?limit=2&sort=-inherent_score`, owner.token);
    const { next_cursor: valid } = await first.json<{ next_cursor: string }>();
    const id = crypto.randomUUID();
    for (const [label, query] of [
      ["garbage", "sort=-inherent_score&cursor=%%%garbage"],
      ["not base64url JSON", `sort=-inherent_score&cursor=${cursorOf("just a string")}`],
      ["another sort's cursor", `sort=inherent_score&cursor=${valid}`],
      ["another resource's cursor", `sort=-inherent_score&cursor=${cursorOf({ l: "records:vendors:-inherent_score", p: { v: "3", id } })}`],
      [
        "a score that is not a number",
        `sort=-inherent_score&cursor=${cursorOf({ l: "records:risks:-inherent_score", p: { v: "3; drop table risks", id } })}`,
      ],
      [
        "an impossible timestamp",
        `sort=-created_at&cursor=${cursorOf({ l: "records:risks:-created_at", p: { v: "2026-02-30 10:00:00+00", id } })}`,
      ],
      [
        "a timestamp out of range",
        `sort=-created_at&cursor=${cursorOf({ l: "records:risks:-created_at", p: { v: "2026-01-01 25:00:00+00", id } })}`,
      ],
      [
        "an id that is not a uuid",
        `sort=-inherent_score&cursor=${cursorOf({ l: "records:risks:-inherent_score", p: { v: "3", id: "1 or 1=1" } })}`,
      ],
      [
        "extra fields",
        `sort=-inherent_score&cursor=${cursorOf({ l: "records:risks:-inherent_score", p: { v: "3", id, org: crypto.randomUUID() } })}`,
      ],
    ] as const) {
      const response = await api("GET", `${recordsPath(orgId, "risks")}?${query}`, owner.token);
      expect([400, 403], label).toContain(response.status);
      if (response.status === 400) await expectProblem(response, 400, "invalid_cursor");
    }
    // A forged but well-formed position only moves the start of the caller's own list
    // (here: just after "Risk 04", whose id breaks the tie).
    const fourth = risks[4]?.id ?? "";
    const text = await api(
      "GET",
      `${recordsPath(orgId, "risks")}?sort=title&cursor=${cursorOf({ l: "records:risks:title", p: { v: "Risk 04", id: fourth } })}`,
      owner.token,
    );
    expect(text.status).toBe(200);
    expect((await text.json<{ items: RecordBody[] }>()).items.map((r) => r.title)).toEqual(["Risk 05", "Risk 06", "Risk 07", "Risk 08"]);
  });

  it("P11 (refuses): limit is 1–200 (default 50); an unknown sort or filter value is 422", async () => {
    await expectProblem(await api("GET", `${recordsPath(orgId, "risks")}?limit=201`, owner.token), 422, "validation_failed");
    await expectProblem(await api("GET", `${recordsPath(orgId, "risks")}?limit=0`, owner.token), 422, "validation_failed");
    await expectProblem(await api("GET", `${recordsPath(orgId, "risks")}?sort=org_id`, owner.token), 422, "validation_failed");
    await expectProblem(await api("GET", `${recordsPath(orgId, "risks")}?status=lost`, owner.token), 422, "validation_failed");
    await expectProblem(await api("GET", `${recordsPath(orgId, "vendors")}?dpa_signed=maybe`, owner.token), 422, "validation_failed");
    const all = await api("GET", recordsPath(orgId, "risks"), owner.token);
    expect((await all.json<{ items: unknown[]; next_cursor: null }>()).next_cursor).toBeNull();
  });
});

describe("P11 records: one database round trip per request", () => {
  it.each(NAMES)("P11: %s — list, create, get, change and delete each cost exactly one round trip", async (name) => {
    const owner = await person("counted");
    const orgId = await orgOf(owner);
    const label = resourceNamed(name).spec.label;
    const target = workerDb();
    const count = async (tag: string, send: (env: ReturnType<typeof taggedDatabase>) => Promise<Response>, status: number) => {
      const response = await send(taggedDatabase(tag));
      expect(response.status, `${name} ${tag}`).toBe(status);
      expect(await roundTrips(target, tag), `${name} ${tag}`).toBe(1);
      return response;
    };
    const tag = (what: string) => `p11-rt-${what}-${crypto.randomUUID()}`;
    const created = await count(tag("create"), (env) => apiWith(env, "POST", recordsPath(orgId, name), owner.token, validBody(name)), 201);
    const { id } = await created.json<RecordBody>();
    await count(tag("list"), (env) => apiWith(env, "GET", `${recordsPath(orgId, name)}?limit=1`, owner.token), 200);
    await count(tag("get"), (env) => apiWith(env, "GET", recordsPath(orgId, name, id), owner.token), 200);
    await count(
      tag("patch"),
      (env) => apiWith(env, "PATCH", recordsPath(orgId, name, id), owner.token, { [label]: "changed" }, { "if-match": '"1"' }),
      200,
    );
    await count(
      tag("stale"),
      (env) => apiWith(env, "PATCH", recordsPath(orgId, name, id), owner.token, { [label]: "again" }, { "if-match": '"1"' }),
      412,
    );
    await count(tag("delete"), (env) => apiWith(env, "DELETE", recordsPath(orgId, name, id), owner.token), 204);
    expect(await rowsIn(orgId, name)).toBe(0);
  });
});
