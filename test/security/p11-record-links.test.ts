/**
 * Links between compliance records (control ↔ risk, control ↔ evidence) and assessment
 * results (assessment ↔ control, with the control's result), through the real worker and
 * database: P9 (roles, API key scopes), P11 (tenant isolation), P13 (audit log).
 *
 * Attacks and mistakes covered:
 * - link, relink (idempotent: 200, no second row or audit entry), read, list from both
 *   sides, unlink; results recorded, replaced, left unchanged (no audit entry), listed
 *   with counts, removed;
 * - a member of A naming B's records (either end, or both) on A's routes, and A's member
 *   on B's routes, by token and by API key: 404, nothing written;
 * - a viewer or a `records:read` key changing a link: 403, nothing written; no token 401;
 * - bad input (unknown result, oversized notes, NUL, unknown field, missing result) 422
 *   and malformed ids 404, nothing written; a free-text finding quoting an attack passes;
 * - every link change is one audit entry by the caller, and the chain verifies;
 * - the database refuses on its own, as rampart_app with the API bypassed: a link to
 *   another organization's record (composite keys), a forged creator, a viewer's link,
 *   a change of a plain link, a result moved to another control, values the API refuses;
 * - deleting a record deletes its links and results (audited);
 * - every request is ONE database round trip; the NIS2 overview counts linked evidence.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { OrgRole } from "../../src/db/schema";
import { expectProblem } from "../helpers/expect";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { workerDb } from "../helpers/identity";
import { api, orgWithRoles, type Person } from "../helpers/orgs";
import { apiWith, auditCount, auditOf, createRecord, recordsPath, taggedDatabase, type RecordName } from "../helpers/records";
import { asApp, asOwner, dbError, dbTargets, roundTrips, type DbTarget } from "../helpers/tenants";

/** A plain link as the tests drive it: its table, its ends, its paths. */
interface Pair {
  readonly table: "control_risks" | "control_evidence";
  readonly to: "risks" | "evidence";
  readonly column: "risk_id" | "evidence_id";
  readonly item: "risk" | "evidence";
}
const PAIRS: readonly Pair[] = [
  { table: "control_risks", to: "risks", column: "risk_id", item: "risk" },
  { table: "control_evidence", to: "evidence", column: "evidence_id", item: "evidence" },
];
const LINK_TABLES = ["assessment_results", "control_evidence", "control_risks"] as const;

interface Link {
  control_id: string;
  created_at: string;
  created_by: string;
  [column: string]: unknown;
}
interface Result {
  assessment_id: string;
  control_id: string;
  result: string;
  notes: string | null;
  created_by: string;
  updated_by: string;
  updated_at: string;
}

const linkPath = (orgId: string, pair: Pair, control: string, other: string) =>
  `${recordsPath(orgId, "controls", control)}/${pair.to}/${other}`;
const resultPath = (orgId: string, assessment: string, control: string) =>
  `${recordsPath(orgId, "assessments", assessment)}/results/${control}`;
const linksOf = (table: string, column: string, id: string): Promise<number> =>
  ownerCount(`select count(*)::int as n from ${table} where ${column} = $1`, [id]);
/** Rows of every link table naming any of `ids`, as the owner counts them. */
const linkRowsNaming = async (ids: readonly string[]): Promise<number> => {
  const [row] = await ownerQuery(
    `select (select count(*) from control_risks where control_id = any($1::uuid[]) or risk_id = any($1::uuid[]))
          + (select count(*) from control_evidence where control_id = any($1::uuid[]) or evidence_id = any($1::uuid[]))
          + (select count(*) from assessment_results where control_id = any($1::uuid[]) or assessment_id = any($1::uuid[])) as n`,
    [ids],
  );
  return Number(row?.n);
};

let orgId: string;
let people: Record<OrgRole, Person>;
let owner: Person;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
  owner = people.owner;
});

/** Two records of the org (a control and one of `name`), by the owner. */
async function recordsFor(name: RecordName, org = orgId, token = owner.token) {
  const control = await createRecord(org, "controls", token);
  const other = await createRecord(org, name, token);
  return { control, other };
}

async function keyWith(scopes: string[]): Promise<{ id: string; key: string }> {
  const response = await api("POST", `/v1/orgs/${orgId}/api-keys`, owner.aal2, { name: `links ${scopes.join(" ")}`, scopes });
  if (response.status !== 201) throw new Error(`creating a key answered ${response.status}: ${await response.text()}`);
  return response.json<{ id: string; key: string }>();
}

describe.each(PAIRS)("P11 record links: control ↔ $item", (pair) => {
  it(`P11: link (201), link again (200, same link, no second row or audit entry), read, list from both sides, unlink (204)`, async () => {
    const { control, other } = await recordsFor(pair.to);
    const second = await createRecord(orgId, pair.to, owner.token);
    const path = linkPath(orgId, pair, control.id, other.id);

    const created = await api("PUT", path, people.member.token);
    expect(created.status, await created.clone().text()).toBe(201);
    const link = await created.json<Link>();
    expect(link).toMatchObject({ control_id: control.id, [pair.column]: other.id, created_by: people.member.id });
    expect(Math.abs(Date.parse(link.created_at) - Date.now())).toBeLessThan(60_000);
    const audits = await auditCount(orgId);

    const again = await api("PUT", path, owner.token);
    expect(again.status).toBe(200);
    expect(await again.json<Link>()).toEqual(link); // still the member's link
    expect(await linksOf(pair.table, "control_id", control.id)).toBe(1);
    expect(await auditCount(orgId)).toBe(audits);

    const read = await api("GET", path, people.viewer.token);
    expect(read.status).toBe(200);
    expect(await read.json<Link>()).toEqual(link);

    expect((await api("PUT", linkPath(orgId, pair, control.id, second.id), owner.token)).status).toBe(201);
    const fromControl = await api("GET", `${recordsPath(orgId, "controls", control.id)}/${pair.to}`, people.auditor.token);
    expect(fromControl.status).toBe(200);
    const listed = await fromControl.json<{
      items: Link[];
      truncated: boolean;
    }>();
    expect(listed.truncated).toBe(false);
    expect(listed.items.map((i) => i[pair.column]).sort()).toEqual([other.id, second.id].sort());
    const summary = listed.items.find((i) => i[pair.column] === other.id)?.[pair.item] as Record<string, unknown> | undefined;
    expect(summary).toMatchObject({ id: other.id, title: other.title, status: other.status });
    expect(Object.keys(summary ?? {})).not.toContain("org_id");

    const fromOther = await api("GET", `${recordsPath(orgId, pair.to, other.id)}/controls`, people.viewer.token);
    expect(fromOther.status).toBe(200);
    const back = await fromOther.json<{ items: (Link & { control: { id: string; reference: string; title: string } })[] }>();
    expect(back.items).toHaveLength(1);
    expect(back.items[0]).toMatchObject({ control_id: control.id, [pair.column]: other.id, created_by: people.member.id });
    expect(back.items[0]?.control).toMatchObject({ id: control.id, reference: control.reference, title: control.title });

    expect((await api("DELETE", path, people.admin.token)).status).toBe(204);
    await expectProblem(await api("DELETE", path, people.admin.token), 404, "not_found");
    await expectProblem(await api("GET", path, owner.token), 404, "not_found");
    expect(await linksOf(pair.table, "control_id", control.id)).toBe(1); // the second one stays
  });

  it("P11: a record not linked yet lists nothing; an unknown record's list is 404", async () => {
    const { control, other } = await recordsFor(pair.to);
    const list = await api("GET", `${recordsPath(orgId, "controls", control.id)}/${pair.to}`, owner.token);
    expect(await list.json()).toEqual({ items: [], truncated: false });
    const back = await api("GET", `${recordsPath(orgId, pair.to, other.id)}/controls`, owner.token);
    expect(await back.json()).toEqual({ items: [], truncated: false });
    await expectProblem(
      await api("GET", `${recordsPath(orgId, "controls", crypto.randomUUID())}/${pair.to}`, owner.token),
      404,
      "not_found",
    );
  });

  it("P11 (refuses): A's member naming B's records (either end or both), or B's organization, gets 404 and nothing is written", async () => {
    const { orgId: other, people: them } = await orgWithRoles();
    const theirs = await recordsFor(pair.to, other, them.owner.token);
    const ours = await recordsFor(pair.to);
    const token = people.member.token;
    const audits = await auditCount(other);
    for (const [control, record] of [
      [theirs.control.id, theirs.other.id],
      [ours.control.id, theirs.other.id],
      [theirs.control.id, ours.other.id],
      [crypto.randomUUID(), ours.other.id],
    ] as const) {
      const path = linkPath(orgId, pair, control, record);
      await expectProblem(await api("PUT", path, token), 404, "not_found");
      await expectProblem(await api("GET", path, token), 404, "not_found");
      await expectProblem(await api("DELETE", path, token), 404, "not_found");
    }
    await expectProblem(await api("GET", `${recordsPath(orgId, "controls", theirs.control.id)}/${pair.to}`, token), 404, "not_found");
    await expectProblem(await api("GET", `${recordsPath(orgId, pair.to, theirs.other.id)}/controls`, token), 404, "not_found");
    // B's own routes: A's member is not in B.
    await expectProblem(await api("PUT", linkPath(other, pair, theirs.control.id, theirs.other.id), token), 404, "not_found");
    await expectProblem(await api("GET", `${recordsPath(other, "controls", theirs.control.id)}/${pair.to}`, token), 404, "not_found");
    expect(await linkRowsNaming([theirs.control.id, theirs.other.id, ours.control.id, ours.other.id])).toBe(0);
    expect(await auditCount(other)).toBe(audits);
  });

  it("P9 (refuses): a viewer or auditor cannot link or unlink (403), a records:read key neither; records:write links as the key", async () => {
    const { control, other } = await recordsFor(pair.to);
    const path = linkPath(orgId, pair, control.id, other.id);
    for (const role of ["viewer", "auditor"] as const) {
      await expectProblem(await api("PUT", path, people[role].token), 403, "forbidden");
    }
    expect(await linksOf(pair.table, "control_id", control.id)).toBe(0);
    expect((await api("PUT", path, owner.token)).status).toBe(201);
    await expectProblem(await api("DELETE", path, people.viewer.token), 403, "forbidden");
    const [{ key: reader }, { id: writerId, key: writer }] = await Promise.all([keyWith(["records:read"]), keyWith(["records:write"])]);
    expect((await api("GET", path, reader)).status).toBe(200);
    await expectProblem(await api("DELETE", path, reader), 403, "forbidden");
    expect(await linksOf(pair.table, "control_id", control.id)).toBe(1);
    expect((await api("DELETE", path, writer)).status).toBe(204);
    const relinked = await api("PUT", path, writer);
    expect(relinked.status).toBe(201);
    expect((await relinked.json<Link>()).created_by).toBe(writerId);
    await expectProblem(await api("PUT", path, undefined), 401, "authentication_required");
  });

  it("P11 (refuses): malformed ids answer 404 on every route, before any write", async () => {
    const { control, other } = await recordsFor(pair.to);
    for (const [c, o] of [
      ["not-a-uuid", other.id],
      [control.id, "not-a-uuid"],
      [control.id, `${other.id}0`],
    ] as const) {
      const path = linkPath(orgId, pair, c, o);
      for (const method of ["PUT", "GET", "DELETE"]) await expectProblem(await api(method, path, owner.token), 404, "not_found");
    }
    expect(await linksOf(pair.table, "control_id", control.id)).toBe(0);
  });
});

describe("P11 assessment results", () => {
  it("P11: record (201), read, repeat unchanged (200, nothing written), replace (200, stamped), list with counts from both sides, remove (204)", async () => {
    const assessment = await createRecord(orgId, "assessments", owner.token);
    const control = (tag: string) =>
      createRecord(orgId, "controls", owner.token, { reference: `${tag}-${crypto.randomUUID().slice(0, 6)}` });
    const a1 = await control("A1");
    const a2 = await control("A2");
    const a3 = await control("A3");
    const path = resultPath(orgId, assessment.id, a1.id);
    const created = await api("PUT", path, people.member.token, { result: "partial", notes: "Two accounts exempt." });
    expect(created.status, await created.clone().text()).toBe(201);
    const first = await created.json<Result>();
    expect(first).toMatchObject({
      assessment_id: assessment.id,
      control_id: a1.id,
      result: "partial",
      notes: "Two accounts exempt.",
      created_by: people.member.id,
      updated_by: people.member.id,
    });
    expect(await api("GET", path, people.viewer.token).then((r) => r.json())).toEqual(first);

    const audits = await auditCount(orgId);
    const same = await api("PUT", path, owner.token, { result: "partial", notes: "Two accounts exempt." });
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual(first);
    expect(await auditCount(orgId)).toBe(audits);

    // PUT replaces whole: notes left out are cleared.
    const replaced = await api("PUT", path, people.admin.token, { result: "compliant" });
    expect(replaced.status).toBe(200);
    expect(await replaced.json<Result>()).toMatchObject({
      result: "compliant",
      notes: null,
      created_by: people.member.id,
      updated_by: people.admin.id,
    });
    expect(await auditCount(orgId)).toBe(audits + 1);

    expect((await api("PUT", resultPath(orgId, assessment.id, a2.id), owner.token, { result: "non_compliant", notes: null })).status).toBe(
      201,
    );
    expect((await api("PUT", resultPath(orgId, assessment.id, a3.id), owner.token, { result: "compliant" })).status).toBe(201);
    const list = await api("GET", `${recordsPath(orgId, "assessments", assessment.id)}/results`, people.auditor.token);
    expect(list.status).toBe(200);
    const body = await list.json<{
      items: (Result & { control: { id: string; reference: string; status: string } })[];
      truncated: boolean;
      counts: Record<string, number>;
    }>();
    expect(body.items.map((i) => i.control.reference)).toEqual([a1.reference, a2.reference, a3.reference]);
    expect(body.items.map((i) => i.result)).toEqual(["compliant", "non_compliant", "compliant"]);
    expect(body.counts).toEqual({ compliant: 2, partial: 0, non_compliant: 1 });
    expect(body.truncated).toBe(false);

    const other = await createRecord(orgId, "assessments", owner.token);
    expect((await api("PUT", resultPath(orgId, other.id, a1.id), owner.token, { result: "non_compliant" })).status).toBe(201);
    const perControl = await api("GET", `${recordsPath(orgId, "controls", a1.id)}/results`, people.viewer.token);
    const across = await perControl.json<{ items: (Result & { assessment: { id: string; title: string } })[] }>();
    expect(across.items.map((i) => [i.assessment.id, i.result]).sort()).toEqual(
      [
        [assessment.id, "compliant"],
        [other.id, "non_compliant"],
      ].sort(),
    );

    expect((await api("DELETE", path, people.member.token)).status).toBe(204);
    await expectProblem(await api("DELETE", path, people.member.token), 404, "not_found");
    await expectProblem(await api("GET", path, owner.token), 404, "not_found");
    expect(await linksOf("assessment_results", "assessment_id", assessment.id)).toBe(2);
  });

  it("P3: findings may quote an attack (the free-text WAF exclusion) and are stored as written", async () => {
    const { control, other: assessment } = await recordsFor("assessments");
    const notes = "Tester sent ' OR 1=1 -- and <script>alert(1)</script> to /etc/passwd; both refused.";
    const response = await api("PUT", resultPath(orgId, assessment.id, control.id), owner.token, { result: "compliant", notes });
    expect(response.status, await response.clone().text()).toBe(201);
    expect((await response.json<Result>()).notes).toBe(notes);
  });

  it("P11 (refuses): bad input is 422 (unknown result, oversized or NUL notes, unknown field, no result) and writes nothing", async () => {
    const { control, other: assessment } = await recordsFor("assessments");
    const audits = await auditCount(orgId);
    for (const body of [
      { result: "pass" },
      { result: "Compliant" },
      {},
      { notes: "no result" },
      { result: "compliant", notes: "x".repeat(20_001) },
      { result: "compliant", notes: 42 },
      { result: "compliant", created_by: people.viewer.id },
      { result: "compliant", control_id: crypto.randomUUID() },
    ]) {
      await expectProblem(await api("PUT", resultPath(orgId, assessment.id, control.id), owner.token, body), 422, "validation_failed");
    }
    for (const [a, c] of [
      ["nope", control.id],
      [assessment.id, "nope"],
    ] as const) {
      await expectProblem(await api("PUT", resultPath(orgId, a, c), owner.token, { result: "compliant" }), 404, "not_found");
      await expectProblem(await api("GET", resultPath(orgId, a, c), owner.token), 404, "not_found");
      await expectProblem(await api("DELETE", resultPath(orgId, a, c), owner.token), 404, "not_found");
    }
    await expectProblem(await api("GET", `${recordsPath(orgId, "assessments")}/nope/results`, owner.token), 404, "not_found");
    // A NUL character never reaches the handler (the WAF's protocol rules run on free text too); zod would refuse it next.
    const nul = await api("PUT", resultPath(orgId, assessment.id, control.id), owner.token, { result: "compliant", notes: "a\u0000b" });
    await expectProblem(nul, 403, "waf_blocked");
    expect(await linksOf("assessment_results", "assessment_id", assessment.id)).toBe(0);
    expect(await auditCount(orgId)).toBe(audits);
    // At the limit it is accepted.
    const full = await api("PUT", resultPath(orgId, assessment.id, control.id), owner.token, {
      result: "partial",
      notes: "x".repeat(20_000),
    });
    expect(full.status).toBe(201);
  });

  it("P11 (refuses): another organization's assessment or control, by token or API key, is 404 and nothing is written", async () => {
    const { orgId: other, people: them } = await orgWithRoles();
    const theirs = await recordsFor("assessments", other, them.owner.token);
    const ours = await recordsFor("assessments");
    const { key: writer } = await keyWith(["records:write"]);
    const audits = await auditCount(other);
    for (const token of [people.member.token, writer]) {
      for (const [a, c] of [
        [theirs.other.id, theirs.control.id],
        [ours.other.id, theirs.control.id],
        [theirs.other.id, ours.control.id],
      ] as const) {
        await expectProblem(await api("PUT", resultPath(orgId, a, c), token, { result: "compliant" }), 404, "not_found");
        await expectProblem(await api("GET", resultPath(orgId, a, c), token), 404, "not_found");
        await expectProblem(await api("DELETE", resultPath(orgId, a, c), token), 404, "not_found");
      }
      await expectProblem(await api("GET", `${recordsPath(orgId, "assessments", theirs.other.id)}/results`, token), 404, "not_found");
      await expectProblem(await api("GET", `${recordsPath(orgId, "controls", theirs.control.id)}/results`, token), 404, "not_found");
      // B's organization in the path.
      await expectProblem(
        await api("PUT", resultPath(other, theirs.other.id, theirs.control.id), token, { result: "compliant" }),
        404,
        "not_found",
      );
      // And a plain link through the key, across organizations.
      await expectProblem(await api("PUT", linkPath(orgId, PAIRS[0] as Pair, ours.control.id, theirs.other.id), token), 404, "not_found");
    }
    expect(await linkRowsNaming([theirs.other.id, theirs.control.id, ours.other.id, ours.control.id])).toBe(0);
    expect(await auditCount(other)).toBe(audits);
  });

  it("P9 (refuses): a viewer, an auditor and a records:read key cannot record or remove a result (403, nothing written)", async () => {
    const { control, other: assessment } = await recordsFor("assessments");
    const path = resultPath(orgId, assessment.id, control.id);
    const { key: reader } = await keyWith(["records:read"]);
    for (const token of [people.viewer.token, people.auditor.token, reader]) {
      await expectProblem(await api("PUT", path, token, { result: "compliant" }), 403, "forbidden");
    }
    expect(await linksOf("assessment_results", "assessment_id", assessment.id)).toBe(0);
    expect((await api("PUT", path, owner.token, { result: "partial" })).status).toBe(201);
    for (const token of [people.viewer.token, reader]) await expectProblem(await api("DELETE", path, token), 403, "forbidden");
    expect((await api("GET", path, reader)).status).toBe(200);
    expect(await linksOf("assessment_results", "assessment_id", assessment.id)).toBe(1);
  });
});

describe("P13 record links: the audit log", () => {
  it("P13: link, unlink, a result recorded, changed and removed are each one entry by the caller, and the chain verifies", async () => {
    const { control, other: risk } = await recordsFor("risks");
    const assessment = await createRecord(orgId, "assessments", owner.token);
    const path = linkPath(orgId, PAIRS[0] as Pair, control.id, risk.id);
    expect((await api("PUT", path, people.member.token)).status).toBe(201);
    expect((await api("DELETE", path, people.admin.token)).status).toBe(204);
    const linkEntries = await ownerQuery(
      "select action, table_name, actor_user_id, before, after from audit.entries where org_id = $1 and table_name = 'control_risks' and coalesce(after, before)->>'control_id' = $2 order by seq",
      [orgId, control.id],
    );
    expect(linkEntries.map((e) => [e.action, e.actor_user_id])).toEqual([
      ["insert", people.member.id],
      ["delete", people.admin.id],
    ]);
    expect(linkEntries[0]?.after).toMatchObject({ control_id: control.id, risk_id: risk.id, org_id: orgId, created_by: people.member.id });
    expect(linkEntries[1]?.before).toMatchObject({ control_id: control.id, risk_id: risk.id });

    const rpath = resultPath(orgId, assessment.id, control.id);
    const recorded = await api("PUT", rpath, people.member.token, { result: "partial", notes: "gap" });
    expect(recorded.status).toBe(201);
    expect((await api("PUT", rpath, owner.token, { result: "compliant", notes: "closed" })).status).toBe(200);
    expect((await api("DELETE", rpath, people.admin.token)).status).toBe(204);
    const [row] = await ownerQuery(
      "select row_id from audit.entries where org_id = $1 and table_name = 'assessment_results' and after->>'assessment_id' = $2 limit 1",
      [orgId, assessment.id],
    );
    const entries = await auditOf(orgId, String(row?.row_id));
    expect(entries.map((e) => [e.action, e.table_name, e.actor_user_id])).toEqual([
      ["insert", "assessment_results", people.member.id],
      ["update", "assessment_results", owner.id],
      ["delete", "assessment_results", people.admin.id],
    ]);
    expect(entries[1]?.before).toMatchObject({ result: "partial", notes: "gap" });
    expect(entries[1]?.after).toMatchObject({ result: "compliant", notes: "closed", updated_by: owner.id, created_by: people.member.id });

    // The audit routes filter by the link tables like by the records'.
    const filtered = await api("GET", `/v1/orgs/${orgId}/audit-log?table=assessment_results&action=update`, people.auditor.token);
    expect(filtered.status).toBe(200);
    const page = await filtered.json<{ data: { table: string; action: string; row_id: string }[] }>();
    expect(page.data.map((e) => e.row_id)).toContain(String(row?.row_id));
    expect(new Set(page.data.map((e) => `${e.table}:${e.action}`))).toEqual(new Set(["assessment_results:update"]));

    const verify = await api("GET", `/v1/orgs/${orgId}/audit-log/verify`, people.auditor.token);
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ valid: true, first_broken_seq: null });
  });

  it("P13: deleting a record deletes its links and results, each an audit entry by whoever deleted it", async () => {
    const control = await createRecord(orgId, "controls", owner.token);
    const risk = await createRecord(orgId, "risks", owner.token);
    const evidence = await createRecord(orgId, "evidence", owner.token);
    const assessment = await createRecord(orgId, "assessments", owner.token);
    expect((await api("PUT", linkPath(orgId, PAIRS[0] as Pair, control.id, risk.id), owner.token)).status).toBe(201);
    expect((await api("PUT", linkPath(orgId, PAIRS[1] as Pair, control.id, evidence.id), owner.token)).status).toBe(201);
    expect((await api("PUT", resultPath(orgId, assessment.id, control.id), owner.token, { result: "compliant" })).status).toBe(201);
    // The risk goes: its link goes, the control's other links stay.
    expect((await api("DELETE", recordsPath(orgId, "risks", risk.id), people.member.token)).status).toBe(204);
    expect(await linksOf("control_risks", "control_id", control.id)).toBe(0);
    expect(await linksOf("control_evidence", "control_id", control.id)).toBe(1);
    // The control goes: everything linked to it goes; the evidence and assessment stay.
    expect((await api("DELETE", recordsPath(orgId, "controls", control.id), people.admin.token)).status).toBe(204);
    expect(await linkRowsNaming([control.id])).toBe(0);
    expect((await api("GET", recordsPath(orgId, "evidence", evidence.id), owner.token)).status).toBe(200);
    expect((await api("GET", `${recordsPath(orgId, "assessments", assessment.id)}/results`, owner.token)).status).toBe(200);
    const deletions = await ownerQuery(
      "select table_name, actor_user_id from audit.entries where org_id = $1 and action = 'delete' and before->>'control_id' = $2 order by seq",
      [orgId, control.id],
    );
    // The risk's link by the member; then the control's result and evidence link (cascade order aside) by the admin.
    expect(deletions[0]).toEqual({ table_name: "control_risks", actor_user_id: people.member.id });
    expect(deletions.slice(1).sort((x, y) => String(x.table_name).localeCompare(String(y.table_name)))).toEqual([
      { table_name: "assessment_results", actor_user_id: people.admin.id },
      { table_name: "control_evidence", actor_user_id: people.admin.id },
    ]);
  });
});

describe.each(dbTargets())("P11 record links: the database refuses on its own, on $backend", (target: DbTarget) => {
  it("P11: the link tables have forced row-level security, their policies, the stamp and audit triggers and same-organization keys", async () => {
    const rows = await asOwner(
      target,
      `select c.relname as name, c.relrowsecurity and c.relforcerowsecurity as forced,
         (select string_agg(policyname, ',' order by policyname) from pg_catalog.pg_policies p where p.schemaname = 'public' and p.tablename = c.relname) as policies,
         (select string_agg(tgname, ',' order by tgname) from pg_catalog.pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal) as triggers,
         (select string_agg(conname, ',' order by conname) from pg_catalog.pg_constraint k where k.conrelid = c.oid and k.contype = 'f' and k.conname like '%same_org_fk') as keys
       from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relname = any('{${LINK_TABLES.join(",")}}') order by 1`,
    );
    expect(rows).toEqual([
      {
        name: "assessment_results",
        forced: true,
        policies: "definer_read,tenant_delete,tenant_insert,tenant_read,tenant_update",
        triggers: "audit_link,stamp_actor",
        keys: "assessment_results_assessment_same_org_fk,assessment_results_control_same_org_fk",
      },
      {
        name: "control_evidence",
        forced: true,
        policies: "definer_read,tenant_delete,tenant_insert,tenant_read",
        triggers: "audit_link,stamp_actor",
        keys: "control_evidence_control_same_org_fk,control_evidence_evidence_same_org_fk",
      },
      {
        name: "control_risks",
        forced: true,
        policies: "definer_read,tenant_delete,tenant_insert,tenant_read",
        triggers: "audit_link,stamp_actor",
        keys: "control_risks_control_same_org_fk,control_risks_risk_same_org_fk",
      },
    ]);
  });

  it("P11 (refuses): as rampart_app, a link to another organization's record is refused by the composite keys (23503)", async () => {
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const seed = async (org: string, label: string) => {
      const user = crypto.randomUUID();
      const ids = {
        control: crypto.randomUUID(),
        risk: crypto.randomUUID(),
        evidence: crypto.randomUUID(),
        assessment: crypto.randomUUID(),
      };
      await asOwner(
        target,
        `insert into users (id, email, name, email_verified_at) values ('${user}', '${label}.${user}@links.example', '${label}', now())`,
        `insert into organizations (id, name) values ('${org}', '${label}')`,
        `insert into memberships (org_id, user_id, role) values ('${org}', '${user}', 'owner')`,
        `select set_config('app.org_id', '${org}', true), set_config('app.user_id', '${user}', true)`,
        `insert into controls (id, org_id, title) values ('${ids.control}', '${org}', 'c')`,
        `insert into risks (id, org_id, title) values ('${ids.risk}', '${org}', 'r')`,
        `insert into evidence (id, org_id, title) values ('${ids.evidence}', '${org}', 'e')`,
        `insert into assessments (id, org_id, title) values ('${ids.assessment}', '${org}', 'a')`,
      );
      return { user, ...ids };
    };
    const ours = await seed(a, "links-a");
    const theirs = await seed(b, "links-b");
    const as = { orgId: a, userId: ours.user };
    for (const statement of [
      `insert into control_risks (org_id, control_id, risk_id) values ('${a}', '${ours.control}', '${theirs.risk}')`,
      `insert into control_risks (org_id, control_id, risk_id) values ('${a}', '${theirs.control}', '${ours.risk}')`,
      `insert into control_evidence (org_id, control_id, evidence_id) values ('${a}', '${ours.control}', '${theirs.evidence}')`,
      `insert into assessment_results (org_id, assessment_id, control_id, result) values ('${a}', '${ours.assessment}', '${theirs.control}', 'compliant')`,
      `insert into assessment_results (org_id, assessment_id, control_id, result) values ('${a}', '${theirs.assessment}', '${ours.control}', 'compliant')`,
    ]) {
      expect((await dbError(asApp(target, as, statement))).code, statement).toBe("23503");
    }
    // B's org id on the row: the row policy refuses it first.
    expect(
      (
        await dbError(
          asApp(
            target,
            as,
            `insert into control_risks (org_id, control_id, risk_id) values ('${b}', '${theirs.control}', '${theirs.risk}')`,
          ),
        )
      ).code,
    ).toBe("42501");
    // Even the owner (no RLS) cannot join two organizations: the keys hold for everyone.
    expect(
      (
        await dbError(
          asOwner(
            target,
            `select set_config('app.user_id', '${ours.user}', true)`,
            `insert into control_risks (org_id, control_id, risk_id) values ('${a}', '${ours.control}', '${theirs.risk}')`,
          ),
        )
      ).code,
    ).toBe("23503");
    // Within the org it works, stamped with the actor; the creator cannot be forged, nor the link changed.
    const [link] = await asApp(
      target,
      as,
      `insert into control_risks (org_id, control_id, risk_id) values ('${a}', '${ours.control}', '${ours.risk}') returning id, created_by`,
    );
    expect(link?.created_by).toBe(ours.user);
    const forged = await dbError(
      asApp(
        target,
        as,
        `insert into control_evidence (org_id, control_id, evidence_id, created_by) values ('${a}', '${ours.control}', '${ours.evidence}', '${theirs.user}')`,
      ),
    );
    expect(forged.code).toBe("42501");
    expect(
      (await dbError(asApp(target, as, `update control_risks set risk_id = '${theirs.risk}' where id = '${String(link?.id)}'`))).code,
    ).toBe("42501");
    // Results: values the API refuses are refused by CHECK constraints; a result cannot move to another control.
    const insert = (values: string) =>
      `insert into assessment_results (org_id, assessment_id, control_id, result, notes) values (${values})`;
    expect((await dbError(asApp(target, as, insert(`'${a}', '${ours.assessment}', '${ours.control}', 'pass', null`)))).code).toBe("23514");
    expect(
      (await dbError(asApp(target, as, insert(`'${a}', '${ours.assessment}', '${ours.control}', 'partial', repeat('x', 20001)`)))).code,
    ).toBe("23514");
    const [result] = await asApp(target, as, `${insert(`'${a}', '${ours.assessment}', '${ours.control}', 'partial', null`)} returning id`);
    const other = crypto.randomUUID();
    await asOwner(
      target,
      `select set_config('app.org_id', '${a}', true), set_config('app.user_id', '${ours.user}', true)`,
      `insert into controls (id, org_id, title) values ('${other}', '${a}', 'c2')`,
    );
    expect(
      (await dbError(asApp(target, as, `update assessment_results set control_id = '${other}' where id = '${String(result?.id)}'`))).code,
    ).toBe("42501");
    // Without an actor nothing is written.
    expect(
      (
        await dbError(
          asApp(
            target,
            { orgId: a },
            `insert into control_evidence (org_id, control_id, evidence_id) values ('${a}', '${ours.control}', '${ours.evidence}')`,
          ),
        )
      ).code,
    ).toBe("42501");
  });
});

describe("P9 record links: the row policies, with the API bypassed", () => {
  it("P9 (refuses): as rampart_app, a viewer's context reads links but cannot write or delete them", async () => {
    const { orgId: org, people: them } = await orgWithRoles();
    const control = await createRecord(org, "controls", them.owner.token);
    const risk = await createRecord(org, "risks", them.owner.token);
    expect((await api("PUT", linkPath(org, PAIRS[0] as Pair, control.id, risk.id), them.owner.token)).status).toBe(201);
    const target = workerDb();
    const viewer = { orgId: org, userId: them.viewer.id };
    expect(await asApp(target, viewer, `select id from control_risks where control_id = '${control.id}'`)).toHaveLength(1);
    expect(await asApp(target, viewer, `delete from control_risks where control_id = '${control.id}' returning id`)).toEqual([]);
    const insert = await dbError(
      asApp(
        target,
        viewer,
        `insert into control_evidence (org_id, control_id, evidence_id) values ('${org}', '${control.id}', '${(await createRecord(org, "evidence", them.owner.token)).id}')`,
      ),
    );
    expect(insert.code).toBe("42501");
    expect(await linksOf("control_risks", "control_id", control.id)).toBe(1);
  });
});

describe("P11 record links: one database round trip per request", () => {
  it("P11: every link and result route costs exactly one round trip", async () => {
    const target = workerDb();
    const { control, other: risk } = await recordsFor("risks");
    const evidence = await createRecord(orgId, "evidence", owner.token);
    const assessment = await createRecord(orgId, "assessments", owner.token);
    const riskLink = linkPath(orgId, PAIRS[0] as Pair, control.id, risk.id);
    const evidenceLink = linkPath(orgId, PAIRS[1] as Pair, control.id, evidence.id);
    const result = resultPath(orgId, assessment.id, control.id);
    const requests: [string, string, string, unknown, number][] = [
      ["link", "PUT", riskLink, undefined, 201],
      ["relink", "PUT", riskLink, undefined, 200],
      ["get-link", "GET", riskLink, undefined, 200],
      ["list-risks", "GET", `${recordsPath(orgId, "controls", control.id)}/risks`, undefined, 200],
      ["list-controls", "GET", `${recordsPath(orgId, "risks", risk.id)}/controls`, undefined, 200],
      ["unlink", "DELETE", riskLink, undefined, 204],
      ["unlink-404", "DELETE", riskLink, undefined, 404],
      ["link-evidence", "PUT", evidenceLink, undefined, 201],
      ["list-evidence", "GET", `${recordsPath(orgId, "evidence", evidence.id)}/controls`, undefined, 200],
      ["result", "PUT", result, { result: "partial", notes: "n" }, 201],
      ["result-again", "PUT", result, { result: "compliant" }, 200],
      ["get-result", "GET", result, undefined, 200],
      ["list-results", "GET", `${recordsPath(orgId, "assessments", assessment.id)}/results`, undefined, 200],
      ["control-results", "GET", `${recordsPath(orgId, "controls", control.id)}/results`, undefined, 200],
      ["delete-result", "DELETE", result, undefined, 204],
      ["result-404", "PUT", resultPath(orgId, crypto.randomUUID(), control.id), { result: "partial" }, 404],
    ];
    for (const [what, method, path, body, status] of requests) {
      const tag = `links-rt-${what}-${crypto.randomUUID()}`;
      const response = await apiWith(taggedDatabase(tag), method, path, owner.token, body);
      expect(response.status, what).toBe(status);
      expect(await roundTrips(target, tag), what).toBe(1);
    }
  });
});

describe("P17 NIS2 overview: evidence linked to controls", () => {
  it("P17: per Art. 21(2) measure, the distinct evidence linked to its controls, by status; per control, its evidence count", async () => {
    const { orgId: fresh, people: them } = await orgWithRoles();
    const token = them.owner.token;
    const ac1 = await createRecord(fresh, "controls", token, { reference: "AC-01", nis2_measures: ["a", "j"] });
    const ac2 = await createRecord(fresh, "controls", token, { reference: "AC-02", nis2_measures: ["j"] });
    await createRecord(fresh, "controls", token, { reference: "BC-01", nis2_measures: ["c"] });
    const accepted = await createRecord(fresh, "evidence", token, { status: "accepted" });
    const pending = await createRecord(fresh, "evidence", token, { status: "pending" });
    const expired = await createRecord(fresh, "evidence", token, { status: "expired" });
    for (const [control, evidence] of [
      [ac1, accepted],
      [ac1, pending],
      [ac2, accepted], // the same evidence for two controls of (j) counts once there
      [ac2, expired],
    ] as const) {
      expect((await api("PUT", linkPath(fresh, PAIRS[1] as Pair, control.id, evidence.id), token)).status).toBe(201);
    }
    const response = await api("GET", `/v1/orgs/${fresh}/nis2/overview`, them.viewer.token);
    expect(response.status).toBe(200);
    const body = await response.json<{
      measures: {
        measure: string;
        controls: { reference: string; evidence_count: number }[];
        evidence_count: number;
        evidence_status_counts: Record<string, number>;
      }[];
    }>();
    const measure = (m: string) => body.measures.find((x) => x.measure === m);
    expect(measure("j")?.controls.map((c) => [c.reference, c.evidence_count])).toEqual([
      ["AC-01", 2],
      ["AC-02", 2],
    ]);
    expect(measure("j")?.evidence_count).toBe(3);
    expect(measure("j")?.evidence_status_counts).toEqual({ pending: 1, accepted: 1, rejected: 0, expired: 1 });
    expect(measure("a")?.evidence_count).toBe(2);
    expect(measure("a")?.evidence_status_counts).toEqual({ pending: 1, accepted: 1, rejected: 0, expired: 0 });
    expect(measure("c")).toMatchObject({ evidence_count: 0, evidence_status_counts: { pending: 0, accepted: 0, rejected: 0, expired: 0 } });
    expect(measure("c")?.controls.map((c) => c.evidence_count)).toEqual([0]);
    expect(measure("b")).toMatchObject({ controls: [], evidence_count: 0 });
  });
});
