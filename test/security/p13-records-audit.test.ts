/**
 * P13 (audit log) on the compliance records' routes, for every resource of the
 * registry: every change made through the API leaves exactly one audit entry, written
 * by the table's trigger in the request's own transaction, with the actor and the row
 * before and after; a refused change leaves none. And no lost update: a change sent
 * with a stale `If-Match` writes nothing.
 *
 * Attacks and mistakes covered:
 * - create, change and delete through HTTP: one entry each, actor = the caller, before /
 *   after as the row was, the version bumped by the database;
 * - refused requests (wrong role, bad input, another org's id, a stale If-Match): no entry;
 * - If-Match: a stale version is 412 `precondition_failed` with nothing written, a weak or
 *   foreign tag never matches, a malformed header is 422; the current tag and `*` apply;
 *   without the header the change applies to the current version (the documented choice).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { OrgRole } from "../../src/db/schema";
import { expectProblem } from "../helpers/expect";
import { api, orgOf, orgWithRoles, person, type Person } from "../helpers/orgs";
import {
  apiHeaders,
  auditCount,
  auditOf,
  createRecord,
  RECORD_RESOURCES,
  recordsPath,
  resourceNamed,
  rowOf,
  validBody,
  type RecordBody,
  type RecordName,
} from "../helpers/records";

const NAMES: readonly RecordName[] = RECORD_RESOURCES.map((r) => r.name);

let orgId: string;
let people: Record<OrgRole, Person>;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
});

describe("P13 records: one audit entry per change, with the actor and the row before and after", () => {
  it.each(NAMES)("P13: %s — create, change and delete through the API each write one entry", async (name) => {
    const label = resourceNamed(name).spec.label;
    const created = await createRecord(orgId, name, people.member.token);
    const changed = await api("PATCH", recordsPath(orgId, name, created.id), people.admin.token, { [label]: "Renamed" });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).toBe('"2"');
    expect((await api("DELETE", recordsPath(orgId, name, created.id), people.owner.token)).status).toBe(204);
    const entries = await auditOf(orgId, created.id);
    expect(entries.map((e) => [e.action, e.table_name])).toEqual([
      ["insert", name],
      ["update", name],
      ["delete", name],
    ]);
    const [ins, upd, del] = entries as [(typeof entries)[number], (typeof entries)[number], (typeof entries)[number]];
    expect(ins).toMatchObject({ actor_user_id: people.member.id, actor_api_key_id: null, before: null });
    expect(ins.after).toMatchObject({ id: created.id, org_id: orgId, [label]: created[label], version: 1, created_by: people.member.id });
    expect(upd).toMatchObject({ actor_user_id: people.admin.id });
    expect(upd.before).toMatchObject({ [label]: created[label], version: 1 });
    expect(upd.after).toMatchObject({ [label]: "Renamed", version: 2, updated_by: people.admin.id, created_by: people.member.id });
    expect(del).toMatchObject({ actor_user_id: people.owner.id, after: null });
    expect(del.before).toMatchObject({ [label]: "Renamed", version: 2 });
    expect([upd.seq - ins.seq, del.seq - upd.seq]).toEqual([1, 1]);
  });

  it("P13 (refuses): refused requests leave no entry (wrong role, bad input, another org's id, an owner who is not a member)", async () => {
    const seed = await createRecord(orgId, "incidents", people.member.token);
    const otherOwner = await person("other");
    const otherOrg = await orgOf(otherOwner);
    const theirs = await createRecord(otherOrg, "incidents", otherOwner.token);
    const before = await auditCount(orgId);
    const theirsBefore = await auditCount(otherOrg);
    await expectProblem(await api("POST", recordsPath(orgId, "incidents"), people.viewer.token, validBody("incidents")), 403, "forbidden");
    await expectProblem(
      await api("PATCH", recordsPath(orgId, "incidents", seed.id), people.auditor.token, { title: "x" }),
      403,
      "forbidden",
    );
    await expectProblem(await api("DELETE", recordsPath(orgId, "incidents", seed.id), people.viewer.token), 403, "forbidden");
    await expectProblem(
      await api("PATCH", recordsPath(orgId, "incidents", seed.id), people.member.token, { severity: "meh" }),
      422,
      "validation_failed",
    );
    await expectProblem(
      await api("PATCH", recordsPath(orgId, "incidents", seed.id), people.member.token, { owner_id: otherOwner.id }),
      422,
      "invalid_reference",
    );
    await expectProblem(
      await api("PATCH", recordsPath(orgId, "incidents", theirs.id), people.member.token, { title: "x" }),
      404,
      "not_found",
    );
    await expectProblem(await api("DELETE", recordsPath(orgId, "incidents", theirs.id), people.member.token), 404, "not_found");
    expect(await auditCount(orgId)).toBe(before);
    expect(await auditCount(otherOrg)).toBe(theirsBefore);
  });
});

describe("P13 records: If-Match, no lost updates", () => {
  it.each(NAMES)(
    "P13 (refuses): %s — a stale If-Match is 412 precondition_failed and writes nothing; the current one applies",
    async (name) => {
      const label = resourceNamed(name).spec.label;
      const record = await createRecord(orgId, name, people.member.token);
      const path = recordsPath(orgId, name, record.id);
      const read = await api("GET", path, people.member.token);
      const etag = read.headers.get("etag") ?? "";
      expect(etag).toBe('"1"');
      // Someone else changes it meanwhile.
      expect((await apiHeaders("PATCH", path, people.admin.token, { "if-match": etag }, { [label]: "Theirs" })).status).toBe(200);
      const entries = await auditCount(orgId);
      await expectProblem(
        await apiHeaders("PATCH", path, people.member.token, { "if-match": etag }, { [label]: "Mine" }),
        412,
        "precondition_failed",
      );
      expect(await rowOf(name, record.id)).toMatchObject({ [label]: "Theirs", version: 2 });
      expect(await auditCount(orgId)).toBe(entries);
      const mine = await apiHeaders("PATCH", path, people.member.token, { "if-match": '"2"' }, { [label]: "Mine" });
      expect(mine.status).toBe(200);
      expect(mine.headers.get("etag")).toBe('"3"');
      expect((await mine.json<RecordBody>()).version).toBe(3);
    },
  );

  it("P13 (refuses): weak and unknown tags never match (412); a list matches any of its strong tags; * and no header apply to the current version", async () => {
    const record = await createRecord(orgId, "risks", people.member.token);
    const path = recordsPath(orgId, "risks", record.id);
    const patch = (ifMatch: string | undefined, title: string) =>
      ifMatch === undefined
        ? api("PATCH", path, people.member.token, { title })
        : apiHeaders("PATCH", path, people.member.token, { "if-match": ifMatch }, { title });
    await expectProblem(await patch('W/"1"', "weak"), 412, "precondition_failed");
    await expectProblem(await patch('"abc"', "foreign"), 412, "precondition_failed");
    await expectProblem(await patch('"0", "7"', "none of them"), 412, "precondition_failed");
    expect((await rowOf("risks", record.id))?.version).toBe(1);
    expect((await patch('"7", "1"', "one of them")).status).toBe(200);
    expect((await patch("*", "any")).status).toBe(200);
    expect((await patch(undefined, "last write wins")).status).toBe(200);
    expect(await rowOf("risks", record.id)).toMatchObject({ title: "last write wins", version: 4 });
    await expectProblem(await patch("3", "malformed"), 422, "validation_failed");
    // If-Match on an id that is not there is 404, not 412.
    await expectProblem(
      await apiHeaders(
        "PATCH",
        recordsPath(orgId, "risks", crypto.randomUUID()),
        people.member.token,
        { "if-match": '"1"' },
        { title: "x" },
      ),
      404,
      "not_found",
    );
  });
});
