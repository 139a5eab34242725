/**
 * P9 (roles), P11 (tenant isolation) and P7 (an organization's MFA requirement) on
 * the organization routes, through the real worker and database.
 *
 * Attacks and mistakes covered:
 * - an outsider (or a member of another organization) naming an org id: 404, exactly
 *   like an id that does not exist, so ids reveal nothing; a malformed id: 404;
 * - each role trying each action class the routes have (read, manage settings, own):
 *   403 where the role table says no, with nothing changed;
 * - with the API's check bypassed, the database refusing a member's settings change and
 *   an outsider's read on its own (row-level security);
 * - an org that requires MFA reached with a password-only session: 403 `mfa_required`
 *   on every route, reads included; an admin switching the requirement on from an aal1
 *   session (locking themselves out): refused;
 * - deleting an organization without aal2, without the owner role or with a wrong name:
 *   refused, nothing deleted; the last owner removed by a direct statement: refused;
 * - bad input (empty or oversized names, unknown or repeated regimes, an empty change,
 *   a body on DELETE): a 4xx problem, nothing written.
 */
import { describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/expect";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { addMember, api, orgOf, orgRow, orgWithRoles, person } from "../helpers/orgs";
import { asApp, dbError } from "../helpers/tenants";
import { workerDb } from "../helpers/identity";
import { call } from "../helpers/worker";

interface OrgBody {
  id: string;
  name: string;
  plan: string;
  require_mfa: boolean;
  deadline_regimes: string[];
  role: string;
}

const eventsOf = (orgId: string, type: string): Promise<number> =>
  ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = $2", [orgId, type]);

describe("P9 organizations: create", () => {
  it("P9: a signed-in user creates an organization and becomes its owner, with the event in the same transaction", async () => {
    const owner = await person("owner");
    const response = await api("POST", "/v1/orgs", owner.token, { name: "  Acme Energie GmbH  ", deadline_regimes: ["nis2", "gdpr"] });
    expect(response.status).toBe(201);
    const org = await response.json<OrgBody>();
    expect(org).toMatchObject({
      name: "Acme Energie GmbH",
      plan: "free",
      require_mfa: false,
      deadline_regimes: ["nis2", "gdpr"],
      role: "owner",
    });
    expect(response.headers.get("location")).toBe(`/v1/orgs/${org.id}`);
    const [membership] = await ownerQuery("select role from memberships where org_id = $1 and user_id = $2", [org.id, owner.id]);
    expect(membership?.role).toBe("owner");
    expect(await eventsOf(org.id, "org_created")).toBe(1);
  });

  it("P9: every deadline regime applies unless the creator chooses", async () => {
    const owner = await person();
    const response = await api("POST", "/v1/orgs", owner.token, { name: "Defaults Ltd" });
    expect((await response.json<OrgBody>()).deadline_regimes).toEqual(["nis2", "gdpr", "customer"]);
  });

  it.each([
    ["an empty name", { name: "   " }],
    ["a name over 200 characters", { name: "x".repeat(201) }],
    ["an unknown regime", { name: "Acme", deadline_regimes: ["sox"] }],
    ["a repeated regime", { name: "Acme", deadline_regimes: ["nis2", "nis2"] }],
    ["a name of the wrong type", { name: 42 }],
  ])("P9 (refuses): %s is 422 validation_failed and creates nothing", async (_label, body) => {
    const owner = await person();
    await expectProblem(await api("POST", "/v1/orgs", owner.token, body), 422, "validation_failed");
    expect(await ownerCount("select count(*)::int as n from memberships where user_id = $1", [owner.id])).toBe(0);
  });

  it("P7 (refuses): requiring MFA from the start needs the creator's own session at aal2", async () => {
    const owner = await person();
    await expectProblem(await api("POST", "/v1/orgs", owner.token, { name: "Strict", require_mfa: true }), 403, "mfa_required");
    expect(await ownerCount("select count(*)::int as n from memberships where user_id = $1", [owner.id])).toBe(0);
    const response = await api("POST", "/v1/orgs", owner.aal2, { name: "Strict", require_mfa: true });
    expect(response.status).toBe(201);
  });

  it("P9 (refuses): no token is 401; nobody can create an organization anonymously", async () => {
    await expectProblem(await api("POST", "/v1/orgs", undefined, { name: "Anon" }), 401, "authentication_required");
  });
});

describe("P11 organizations: another tenant's id", () => {
  it("P11 (refuses): an outsider, a member of another org and an unknown id all get the same 404", async () => {
    const [owner, outsider, neighbour] = await Promise.all([person(), person(), person()]);
    const orgId = await orgOf(owner);
    await orgOf(neighbour);
    for (const who of [outsider, neighbour]) {
      await expectProblem(await api("GET", `/v1/orgs/${orgId}`, who.token), 404, "not_found");
      await expectProblem(await api("PATCH", `/v1/orgs/${orgId}`, who.token, { name: "Taken over" }), 404, "not_found");
    }
    await expectProblem(await api("GET", `/v1/orgs/${crypto.randomUUID()}`, owner.token), 404, "not_found");
    await expectProblem(await api("GET", "/v1/orgs/not-a-uuid", owner.token), 404, "not_found");
    expect((await orgRow(orgId))?.name).not.toBe("Taken over");
  });

  it("P11 (refuses): with the API's check bypassed, the database shows an outsider nothing of the organization", async () => {
    const [owner, outsider] = await Promise.all([person(), person()]);
    const orgId = await orgOf(owner);
    const rows = await asApp(workerDb(), { orgId, userId: outsider.id }, `select id, name from organizations where id = '${orgId}'`);
    expect(rows).toEqual([]);
  });
});

describe("P9 organizations: the role table", () => {
  it("P9: every role reads its organization and sees its own role", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const [role, who] of Object.entries(people)) {
      const response = await api("GET", `/v1/orgs/${orgId}`, who.token);
      expect(response.status, role).toBe(200);
      expect((await response.json<OrgBody>()).role).toBe(role);
    }
  });

  it("P9: owners and admins change settings; members, auditors and viewers get 403 and change nothing", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const role of ["member", "auditor", "viewer"] as const) {
      await expectProblem(await api("PATCH", `/v1/orgs/${orgId}`, people[role].token, { name: `By ${role}` }), 403, "forbidden");
    }
    const before = await orgRow(orgId);
    expect(before?.name).not.toMatch(/^By /);
    for (const role of ["owner", "admin"] as const) {
      const response = await api("PATCH", `/v1/orgs/${orgId}`, people[role].token, { name: `By ${role}`, deadline_regimes: ["nis2"] });
      expect(response.status, role).toBe(200);
      expect(await response.json<OrgBody>()).toMatchObject({ name: `By ${role}`, deadline_regimes: ["nis2"], role });
    }
    expect(await eventsOf(orgId, "org_settings_changed")).toBe(2);
  });

  it("P9 (refuses): with the API's check bypassed, the database refuses a member's settings change on its own", async () => {
    const { orgId, people } = await orgWithRoles();
    const updated = await asApp(
      workerDb(),
      { orgId, userId: people.member.id },
      `update organizations set name = 'By member' where id = '${orgId}' returning id`,
    );
    expect(updated).toEqual([]);
    expect((await orgRow(orgId))?.name).not.toBe("By member");
  });

  it.each([
    ["an empty change", {}],
    ["an unknown regime", { deadline_regimes: ["hipaa"] }],
    ["a null name", { name: null }],
  ])("P9 (refuses): %s is 422 and changes nothing", async (_label, body) => {
    const { orgId, people } = await orgWithRoles();
    const before = await orgRow(orgId);
    await expectProblem(await api("PATCH", `/v1/orgs/${orgId}`, people.owner.token, body), 422, "validation_failed");
    expect(await orgRow(orgId)).toEqual(before);
  });

  it("P9 (refuses): a suspended organization refuses even its owner (403 organization_suspended)", async () => {
    const { orgId, people } = await orgWithRoles();
    await ownerQuery("update organizations set suspended_at = now() where id = $1", [orgId]);
    await expectProblem(await api("GET", `/v1/orgs/${orgId}`, people.owner.token), 403, "organization_suspended");
  });
});

describe("P7 organizations that require MFA", () => {
  it("P7 (refuses): once required, members' password-only sessions get 403 mfa_required on every route, reads included", async () => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await api("PATCH", `/v1/orgs/${orgId}`, people.admin.token, { require_mfa: true }), 403, "mfa_required");
    expect((await orgRow(orgId))?.require_mfa).toBe(false);
    const response = await api("PATCH", `/v1/orgs/${orgId}`, people.admin.aal2, { require_mfa: true });
    expect((await response.json<OrgBody>()).require_mfa).toBe(true);
    for (const who of Object.values(people)) {
      await expectProblem(await api("GET", `/v1/orgs/${orgId}`, who.token), 403, "mfa_required");
      expect((await api("GET", `/v1/orgs/${orgId}`, who.aal2)).status).toBe(200);
    }
    // An outsider still learns nothing: 404 before the requirement is even considered.
    await expectProblem(await api("GET", `/v1/orgs/${orgId}`, (await person()).token), 404, "not_found");
  });
});

describe("P9 organizations: delete", () => {
  it("P9 (refuses): only the owner, at aal2, with the exact name, deletes it; the deletion is recorded outside the org", async () => {
    const { orgId, people } = await orgWithRoles();
    const name = String((await orgRow(orgId))?.name);
    const path = `/v1/orgs/${orgId}?confirm=${encodeURIComponent(name)}`;
    await expectProblem(await api("DELETE", path, people.admin.aal2), 403, "forbidden");
    await expectProblem(await api("DELETE", path, people.owner.token), 403, "mfa_required");
    await expectProblem(await api("DELETE", `/v1/orgs/${orgId}?confirm=wrong`, people.owner.aal2), 422, "confirmation_mismatch");
    await expectProblem(await api("DELETE", `/v1/orgs/${orgId}`, people.owner.aal2), 422, "validation_failed");
    expect(await orgRow(orgId)).toBeDefined();
    expect(
      await ownerCount("select count(*)::int as n from security_events where type = 'org_deleted' and details->>'org' = $1", [orgId]),
    ).toBe(0);

    const response = await api("DELETE", path, people.owner.aal2);
    expect(response.status).toBe(204);
    expect(await orgRow(orgId)).toBeUndefined();
    expect(await ownerCount("select count(*)::int as n from memberships where org_id = $1", [orgId])).toBe(0);
    expect(
      await ownerCount(
        "select count(*)::int as n from security_events where type = 'org_deleted' and org_id is null and details->>'org' = $1",
        [orgId],
      ),
    ).toBe(1);
    await expectProblem(await api("GET", `/v1/orgs/${orgId}`, people.owner.token), 404, "not_found");
  });

  it("P9 (refuses): a DELETE with a body is refused before anything runs", async () => {
    const { orgId, people } = await orgWithRoles();
    const response = await call(`/v1/orgs/${orgId}?confirm=x`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${people.owner.aal2}`, "content-type": "application/json" },
      body: JSON.stringify({ confirm: "x" }),
    });
    await expectProblem(response, 400, "body_not_allowed");
    expect(await orgRow(orgId)).toBeDefined();
  });

  it("P9 (refuses): the database keeps an owner: removing or demoting the last one is refused whoever asks", async () => {
    const owner = await person();
    const orgId = await orgOf(owner);
    const removal = await dbError(asApp(workerDb(), { orgId, userId: owner.id }, `delete from memberships where org_id = '${orgId}'`));
    expect(removal.code).toBe("RALOW");
    const demotion = await dbError(
      asApp(workerDb(), { orgId, userId: owner.id }, `update memberships set role = 'admin' where org_id = '${orgId}'`),
    );
    expect(demotion.code).toBe("RALOW");
    // With a second owner, the first may step down.
    const second = await person();
    await addMember(orgId, second, "owner");
    await asApp(
      workerDb(),
      { orgId, userId: owner.id },
      `update memberships set role = 'admin' where org_id = '${orgId}' and user_id = '${owner.id}'`,
    );
    const [row] = await ownerQuery("select role from memberships where org_id = $1 and user_id = $2", [orgId, owner.id]);
    expect(row?.role).toBe("admin");
  });
});
