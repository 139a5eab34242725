/**
 * P9 (roles) on the eight compliance records, through the real worker and database,
 * for every resource of the registry.
 *
 * Attacks and mistakes covered:
 * - each of the five roles trying each of the five actions on each resource: read
 *   (list, get) for everyone; create, change and delete for owners, admins and members
 *   only; auditors and viewers get 403 and nothing is written (the row unchanged);
 * - with the API's check bypassed, the database refusing a viewer's insert and an
 *   auditor's update on its own (row-level security), and refusing a value out of range
 *   that slipped past the API (CHECK constraints);
 * - bad input on every field of every resource (a value of the wrong type), and the
 *   targeted cases (out of range, unknown value, too long, impossible date, NUL
 *   character, unknown field, empty change, an owner who is not a member, dates in the
 *   wrong order): 4xx problem with a stable code, nothing written;
 * - a malformed record id: 404, like an unknown one; never a 500.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { OrgRole } from "../../src/db/schema";
import { expectProblem } from "../helpers/expect";
import { addMember, api, orgWithRoles, person, type Person } from "../helpers/orgs";
import {
  createRecord,
  RECORD_RESOURCES,
  recordsPath,
  rowOf,
  rowsIn,
  validBody,
  type RecordBody,
  type RecordName,
} from "../helpers/records";
import { asApp, dbError } from "../helpers/tenants";
import { workerDb } from "../helpers/identity";

const ROLES: readonly OrgRole[] = ["owner", "admin", "member", "auditor", "viewer"];
const WRITERS: ReadonlySet<OrgRole> = new Set(["owner", "admin", "member"]);
const NAMES: readonly RecordName[] = RECORD_RESOURCES.map((r) => r.name);

let orgId: string;
let people: Record<OrgRole, Person>;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
});

describe("P9 records: the role matrix, for every resource", () => {
  it.each(NAMES)("P9: %s — every role reads; only owners, admins and members create, change and delete", async (name) => {
    const label = resourceLabel(name);
    for (const role of ROLES) {
      const token = people[role].token;
      const seed = await createRecord(orgId, name, people.owner.token);
      // Read: everyone.
      expect((await api("GET", recordsPath(orgId, name), token)).status, `${role} lists ${name}`).toBe(200);
      const got = await api("GET", recordsPath(orgId, name, seed.id), token);
      expect(got.status, `${role} gets ${name}`).toBe(200);
      expect(got.headers.get("etag")).toBe('"1"');
      const before = await rowsIn(orgId, name);
      const created = await api("POST", recordsPath(orgId, name), token, validBody(name));
      const patched = await api("PATCH", recordsPath(orgId, name, seed.id), token, { [label]: `renamed by ${role}` });
      if (WRITERS.has(role)) {
        expect(created.status, `${role} creates ${name}`).toBe(201);
        expect(patched.status, `${role} changes ${name}`).toBe(200);
        expect((await patched.json<RecordBody>())[label]).toBe(`renamed by ${role}`);
        expect((await api("DELETE", recordsPath(orgId, name, seed.id), token)).status, `${role} deletes ${name}`).toBe(204);
        expect(await rowOf(name, seed.id)).toBeUndefined();
      } else {
        await expectProblem(created, 403, "forbidden");
        await expectProblem(patched, 403, "forbidden");
        await expectProblem(await api("DELETE", recordsPath(orgId, name, seed.id), token), 403, "forbidden");
        expect(await rowsIn(orgId, name), `${role} wrote nothing to ${name}`).toBe(before);
        const row = await rowOf(name, seed.id);
        expect(row?.[label], `${role} changed nothing`).toBe(seed[label]);
        expect(row?.version).toBe(1);
      }
    }
  });

  it("P9 (refuses): someone who is not a member gets 404 on every route, as if the organization did not exist", async () => {
    const outsider = await person("outsider");
    const seed = await createRecord(orgId, "risks", people.owner.token);
    for (const [method, path, body] of [
      ["GET", recordsPath(orgId, "risks"), undefined],
      ["POST", recordsPath(orgId, "risks"), validBody("risks")],
      ["GET", recordsPath(orgId, "risks", seed.id), undefined],
      ["PATCH", recordsPath(orgId, "risks", seed.id), { title: "mine" }],
      ["DELETE", recordsPath(orgId, "risks", seed.id), undefined],
    ] as const) {
      await expectProblem(await api(method, path, outsider.token, body), 404, "not_found");
    }
    expect((await rowOf("risks", seed.id))?.title).toBe(seed.title);
  });

  it("P9 (refuses): no token is 401 on every resource's list", async () => {
    for (const name of NAMES) await expectProblem(await api("GET", recordsPath(orgId, name), undefined), 401, "authentication_required");
  });
});

describe("P9 records: API keys act by their scopes", () => {
  /** A key of the organization with `scopes`, made through the API by its owner. */
  async function keyWith(scopes: string[]): Promise<{ id: string; key: string }> {
    const response = await api("POST", `/v1/orgs/${orgId}/api-keys`, people.owner.aal2, { name: `records ${scopes.join(" ")}`, scopes });
    if (response.status !== 201) throw new Error(`creating a key answered ${response.status}: ${await response.text()}`);
    return response.json<{ id: string; key: string }>();
  }

  it.each(NAMES)(
    "P9: %s — records:read lists and reads but cannot write (403); records:write writes, stamped with the key",
    async (name) => {
      const [{ key: reader }, { id: writerId, key: writer }] = await Promise.all([keyWith(["records:read"]), keyWith(["records:write"])]);
      const seed = await createRecord(orgId, name, people.owner.token);
      expect((await api("GET", recordsPath(orgId, name), reader)).status).toBe(200);
      expect((await api("GET", recordsPath(orgId, name, seed.id), reader)).status).toBe(200);
      const before = await rowsIn(orgId, name);
      await expectProblem(await api("POST", recordsPath(orgId, name), reader, validBody(name)), 403, "forbidden");
      await expectProblem(await api("DELETE", recordsPath(orgId, name, seed.id), reader), 403, "forbidden");
      expect(await rowsIn(orgId, name)).toBe(before);
      const created = await api("POST", recordsPath(orgId, name), writer, validBody(name));
      expect(created.status).toBe(201);
      const row = await rowOf(name, (await created.json<RecordBody>()).id);
      // Stamped by the database with the key's id, not a person's.
      expect(row?.created_by).toBe(writerId);
    },
  );
});

describe("P9 records: the database refuses on its own", () => {
  it.each(NAMES)(
    "P9 (refuses): %s — with the API's check bypassed, a viewer's insert and an auditor's update are refused by row-level security",
    async (name) => {
      const label = resourceLabel(name);
      const seed = await createRecord(orgId, name, people.owner.token);
      const viewer = { orgId, userId: people.viewer.id };
      const insert = await dbError(asApp(workerDb(), viewer, `insert into ${name} (org_id, ${label}) values ('${orgId}', 'by a viewer')`));
      expect(insert.code).toBe("42501");
      const auditor = { orgId, userId: people.auditor.id };
      expect(
        await asApp(workerDb(), auditor, `update ${name} set ${label} = 'by an auditor' where id = '${seed.id}' returning id`),
      ).toEqual([]);
      expect((await rowOf(name, seed.id))?.[label]).toBe(seed[label]);
    },
  );

  it.each([
    ["risks", "likelihood = 9"],
    ["risks", "treatment = 'ignore'"],
    ["vendors", "data_access = 'everything'"],
    ["vendors", "country = 'germany'"],
    ["incidents", "severity = 'apocalyptic'"],
    ["policies", "status = 'published'"],
    ["controls", "nis2_measures = '{a,z}'"],
    ["trainings", "title = '   '"],
    ["evidence", "status = 'bogus'"],
    ["assessments", "status = 'bogus'"],
  ] as const)(
    "P9 (refuses): %s — a value the API would refuse (%s) is refused by a CHECK constraint too (23514)",
    async (name, assignment) => {
      const seed = await createRecord(orgId, name, people.owner.token);
      const err = await dbError(
        asApp(workerDb(), { orgId, userId: people.member.id }, `update ${name} set ${assignment} where id = '${seed.id}'`),
      );
      expect(err.code).toBe("23514");
      expect((await rowOf(name, seed.id))?.version).toBe(1);
    },
  );
});

/** The column that names a record of `name`. */
function resourceLabel(name: RecordName): string {
  const resource = RECORD_RESOURCES.find((r) => r.name === name);
  if (resource === undefined) throw new Error(name);
  return resource.spec.label;
}

describe("P9 records: bad input is 422 with the field named, and nothing is written", () => {
  it.each(NAMES)("P9 (refuses): %s — a value of the wrong type in any writable field", async (name) => {
    const resource = RECORD_RESOURCES.find((r) => r.name === name);
    if (resource === undefined) throw new Error(name);
    const before = await rowsIn(orgId, name);
    const seed = await createRecord(orgId, name, people.member.token);
    for (const field of Object.keys(resource.writable)) {
      const body = validBody(name, { [field]: { not: "a value" } });
      const created = await expectProblem(await api("POST", recordsPath(orgId, name), people.member.token, body), 422, "validation_failed");
      expect(
        created.errors?.map((e) => e.path),
        `${name}.${field}`,
      ).toContain(field);
      const patched = await expectProblem(
        await api("PATCH", recordsPath(orgId, name, seed.id), people.member.token, { [field]: { not: "a value" } }),
        422,
        "validation_failed",
      );
      expect(patched.errors?.map((e) => e.path)).toContain(field);
    }
    expect(await rowsIn(orgId, name)).toBe(before + 1);
    expect((await rowOf(name, seed.id))?.version).toBe(1);
  });

  const long = "x".repeat(20_001);
  it.each([
    ["risks", { likelihood: 6 }, "likelihood"],
    ["risks", { impact: 0 }, "impact"],
    ["risks", { likelihood: 2.5 }, "likelihood"],
    ["risks", { treatment: "ignore" }, "treatment"],
    ["risks", { status: "forgotten" }, "status"],
    ["risks", { review_due: "2026-02-30" }, "review_due"],
    ["risks", { review_due: "0000-01-01" }, "review_due"],
    ["risks", { description: long }, "description"],
    ["risks", { title: "   " }, "title"],
    ["risks", { title: "x".repeat(301) }, "title"],
    ["risks", { inherent_score: 25 }, ""],
    ["risks", { id: "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b" }, ""],
    ["risks", { owner_id: "not-a-uuid" }, "owner_id"],
    ["vendors", { criticality: "extreme" }, "criticality"],
    ["vendors", { data_access: "all" }, "data_access"],
    ["vendors", { country: "Germany" }, "country"],
    ["vendors", { certifications: ["ISO 27001", "ISO 27001"] }, "certifications"],
    ["vendors", { certifications: "ISO 27001" }, "certifications"],
    ["vendors", { dpa_signed: "yes" }, "dpa_signed"],
    ["incidents", { severity: "meh" }, "severity"],
    ["incidents", { aware_at: "yesterday" }, "aware_at"],
    ["incidents", { significant: 1 }, "significant"],
    ["incidents", { affected_services: Array.from({ length: 51 }, (_, i) => `s${i}`) }, "affected_services"],
    ["policies", { status: "published" }, "status"],
    ["policies", { body: "x".repeat(50_001) }, "body"],
    ["policies", { document_version: "" }, "document_version"],
    ["trainings", { due_date: "31.12.2026" }, "due_date"],
    ["controls", { nis2_measures: ["k"] }, "nis2_measures"],
    ["controls", { reference: "x".repeat(51) }, "reference"],
    ["assessments", { status: "done" }, "status"],
    ["evidence", { status: "valid" }, "status"],
  ] as const)("P9 (refuses): %s with %j is 422 naming the field, nothing written", async (name, overrides, field) => {
    const before = await rowsIn(orgId, name);
    const problem = await expectProblem(
      await api("POST", recordsPath(orgId, name), people.member.token, validBody(name, overrides)),
      // A body over the WAF's value limits is 413 before any validation; these stay under it.
      422,
      "validation_failed",
    );
    // A list's item is named with its index (`nis2_measures.0`).
    expect(
      problem.errors?.some((e) => e.in === "body" && (e.path === field || e.path.startsWith(`${field}.`))),
      JSON.stringify(problem.errors),
    ).toBe(true);
    expect(await rowsIn(orgId, name)).toBe(before);
  });

  it("P9 (refuses): a NUL character is refused before it reaches the database (the WAF, else the API: never a 500), nothing written", async () => {
    const before = await rowsIn(orgId, "risks");
    const response = await api(
      "POST",
      recordsPath(orgId, "risks"),
      people.member.token,
      validBody("risks", { description: "nul \u0000 inside" }),
    );
    expect([403, 422]).toContain(response.status);
    expect(await rowsIn(orgId, "risks")).toBe(before);
  });

  it("P9 (refuses): an empty change is 422 and changes nothing (not even the version)", async () => {
    const seed = await createRecord(orgId, "risks", people.member.token);
    await expectProblem(await api("PATCH", recordsPath(orgId, "risks", seed.id), people.member.token, {}), 422, "validation_failed");
    expect((await rowOf("risks", seed.id))?.version).toBe(1);
  });

  it("P9 (refuses): an owner who is not a member of the organization is 422 invalid_reference (checked by the database in the same statement)", async () => {
    const stranger = await person("stranger");
    const before = await rowsIn(orgId, "risks");
    await expectProblem(
      await api("POST", recordsPath(orgId, "risks"), people.member.token, validBody("risks", { owner_id: stranger.id })),
      422,
      "invalid_reference",
    );
    expect(await rowsIn(orgId, "risks")).toBe(before);
    const seed = await createRecord(orgId, "risks", people.member.token);
    await expectProblem(
      await api("PATCH", recordsPath(orgId, "risks", seed.id), people.member.token, { owner_id: crypto.randomUUID() }),
      422,
      "invalid_reference",
    );
    expect((await rowOf("risks", seed.id))?.owner_id).toBeNull();
    // A member is accepted, and so is a policy's approver; removing the member clears the owner, keeping the record.
    const colleague = await person("colleague");
    await addMember(orgId, colleague, "member");
    const owned = await createRecord(orgId, "risks", people.member.token, { owner_id: colleague.id });
    expect(owned.owner_id).toBe(colleague.id);
    await expectProblem(
      await api("POST", recordsPath(orgId, "policies"), people.member.token, validBody("policies", { approver_id: stranger.id })),
      422,
      "invalid_reference",
    );
    expect((await createRecord(orgId, "policies", people.member.token, { approver_id: colleague.id })).approver_id).toBe(colleague.id);
  });

  it("P9 (refuses): dates in the wrong order are refused by the database: 422 constraint_violated, nothing written", async () => {
    const before = await rowsIn(orgId, "vendors");
    await expectProblem(
      await api(
        "POST",
        recordsPath(orgId, "vendors"),
        people.member.token,
        validBody("vendors", { contract_start: "2027-01-01", contract_end: "2026-01-01" }),
      ),
      422,
      "constraint_violated",
    );
    expect(await rowsIn(orgId, "vendors")).toBe(before);
    const incident = await createRecord(orgId, "incidents", people.member.token, {
      occurred_at: "2026-11-30T10:00:00Z",
      detected_at: null,
      aware_at: null,
    });
    await expectProblem(
      await api("PATCH", recordsPath(orgId, "incidents", incident.id), people.member.token, { detected_at: "2026-11-29T10:00:00+01:00" }),
      422,
      "constraint_violated",
    );
    expect((await rowOf("incidents", incident.id))?.version).toBe(1);
  });

  it("P9 (refuses): a control's reference is unique in its organization: 409 already_exists", async () => {
    const reference = `AC-${crypto.randomUUID().slice(0, 8)}`;
    await createRecord(orgId, "controls", people.member.token, { reference });
    await expectProblem(
      await api("POST", recordsPath(orgId, "controls"), people.member.token, validBody("controls", { reference })),
      409,
      "already_exists",
    );
  });

  it("P9 (refuses): a malformed record id is 404 on get, change and delete, never a 500", async () => {
    for (const id of ["not-a-uuid", "00000000-0000-0000-0000-00000000000g", "3f1e9c2a7b4d4e6f9a8b1c2d3e4f5a6b"]) {
      const path = recordsPath(orgId, "risks", encodeURIComponent(id));
      await expectProblem(await api("GET", path, people.member.token), 404, "not_found");
      await expectProblem(await api("PATCH", path, people.member.token, { title: "x" }), 404, "not_found");
      await expectProblem(await api("DELETE", path, people.member.token), 404, "not_found");
    }
    await expectProblem(await api("GET", recordsPath(orgId, "risks", crypto.randomUUID()), people.member.token), 404, "not_found");
  });
});

describe("P9 records: fields worth a GRC tool", () => {
  it("P9: a risk's inherent and residual scores are computed by the database", async () => {
    const risk = await createRecord(orgId, "risks", people.member.token, {
      likelihood: 4,
      impact: 5,
      residual_likelihood: 2,
      residual_impact: 3,
    });
    expect(risk).toMatchObject({ inherent_score: 20, residual_score: 6, status: "identified", version: 1 });
    const changed = await api("PATCH", recordsPath(orgId, "risks", risk.id), people.member.token, { impact: 2, residual_likelihood: null });
    expect(await changed.json<RecordBody>()).toMatchObject({ inherent_score: 8, residual_score: null, version: 2 });
    await expectProblem(
      await api("PATCH", recordsPath(orgId, "risks", risk.id), people.member.token, { inherent_score: 1 }),
      422,
      "validation_failed",
    );
  });

  it("P9: an incident keeps its NIS2 and GDPR facts; instants are answered in UTC", async () => {
    const incident = await createRecord(orgId, "incidents", people.member.token, {
      occurred_at: "2026-11-30T07:00:00+01:00",
      detected_at: "2026-11-30T06:45:00Z",
      aware_at: "2026-11-30T08:00:00Z",
      cross_border: true,
    });
    expect(incident).toMatchObject({
      occurred_at: "2026-11-30T06:00:00.000Z",
      detected_at: "2026-11-30T06:45:00.000Z",
      significant: true,
      personal_data_breach: true,
      cross_border: true,
      affected_services: ["Customer portal"],
      severity: "high",
      status: "open",
    });
  });
});
