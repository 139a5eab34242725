/**
 * P7, P9, P16: platform administration routes are for super administrators at aal2 only, and
 * every call to one is a security event with the administrator's id. The walk reads the served
 * OpenAPI document, so every operation under `/v1/admin/` is covered, the ones other modules
 * add later included.
 *
 * Attacks covered: a stolen password of a super administrator (aal1: refused everywhere); an
 * ordinary user or an API key trying admin routes; a token whose `adm` claim the database does
 * not confirm (a demoted administrator's token, or one signed for a user who never was one);
 * spraying admin routes to flood the event table (one row per user, code and window); an
 * administrator's actions going unrecorded; secrets in the recorded events.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_REFUSAL_WINDOW_SECONDS } from "../../src/pipeline/admin-audit";
import { expectProblem } from "../helpers/expect";
import { eventsOfRequests, eventsOfUser, ownerCount, ownerQuery, requestIdOf } from "../helpers/identity-ip";
import { orgWithRoles, person, type Person } from "../helpers/orgs";
import { accessTokenFor } from "../helpers/tokens";
import { operationsUnder, send, servedDocument, superAdmin, type WalkedOperation } from "../helpers/admin";

const ADMIN_PREFIX = "/v1/admin/";

async function codeOf(response: Response): Promise<string> {
  const problem = response.headers.get("content-type") === "application/problem+json" ? await response.json<{ code: string }>() : undefined;
  return `${response.status} ${problem?.code ?? "(no problem)"}`;
}

/** Sends every operation with `token` and lists those not answered `expected`. */
async function walk(operations: readonly WalkedOperation[], token: string | undefined, expected: string, orgId: string): Promise<string[]> {
  const wrong: string[] = [];
  for (const operation of operations) {
    const response = await send(operation.method, operation.target({ org: orgId }), token, operation.body, operation.headers);
    const got = await codeOf(response);
    if (got !== expected) wrong.push(`${operation.method} ${operation.template}: ${got}`);
  }
  return wrong;
}

describe("P7 platform administration: super administrators at aal2 only", () => {
  let operations: WalkedOperation[];
  let orgId: string;
  let owner: Person;
  let key: string;

  beforeAll(async () => {
    operations = operationsUnder(await servedDocument(), ADMIN_PREFIX);
    const org = await orgWithRoles();
    orgId = org.orgId;
    owner = org.people.owner;
    const created = await send("POST", `/v1/orgs/${orgId}/api-keys`, owner.aal2, {
      name: "admin probe",
      scopes: ["records:write", "audit:read"],
    });
    key = (await created.json<{ key: string }>()).key;
  });

  it("P7: the walk covers the admin module and the routes other modules declare super-admin", () => {
    const templates = operations.map((o) => `${o.method} ${o.template}`);
    expect(templates).toEqual(
      expect.arrayContaining([
        "GET /v1/admin/orgs",
        "GET /v1/admin/orgs/{org}",
        "POST /v1/admin/orgs/{org}/suspend",
        "POST /v1/admin/orgs/{org}/reinstate",
        "GET /v1/admin/security-events",
        "GET /v1/admin/alerts",
        "POST /v1/admin/data-keys/reencrypt",
      ]),
    );
  });

  it("P7 (refuses): a super administrator at aal1 gets 403 mfa_required on every admin operation, and nothing changes", async () => {
    const admin = await superAdmin();
    const before = await ownerCount("select count(*)::int as n from org_suspensions where org_id = $1", [orgId]);
    expect(await walk(operations, admin.aal1, "403 mfa_required", orgId)).toEqual([]);
    expect(await ownerCount("select count(*)::int as n from org_suspensions where org_id = $1", [orgId])).toBe(before);
    expect(await ownerCount("select count(*)::int as n from organizations where id = $1 and suspended_at is not null", [orgId])).toBe(0);
  });

  it("P9 (refuses): an ordinary user at aal2 (an org owner) gets 403 forbidden on every admin operation", async () => {
    expect(await walk(operations, owner.aal2, "403 forbidden", orgId)).toEqual([]);
  });

  it("P9 (refuses): an API key is no credential for admin routes (401 invalid_token), nor is no credential (401)", async () => {
    expect(await walk(operations, key, "401 invalid_token", orgId)).toEqual([]);
    expect(await walk(operations, undefined, "401 authentication_required", orgId)).toEqual([]);
  });

  it("P9 (refuses): an aal2 token claiming the role for a user the database does not know as one is refused by the database (403 forbidden)", async () => {
    const pretender = await person("pretender");
    const forged = await accessTokenFor({ userId: pretender.id, aal: "aal2", amr: ["pwd", "otp", "mfa"], superAdmin: true });
    expect(await walk(operations, forged, "403 forbidden", orgId)).toEqual([]);
    expect(await ownerCount("select count(*)::int as n from organizations where id = $1 and suspended_at is not null", [orgId])).toBe(0);
    // A demoted administrator's token still carries the claim: refused the same way.
    const admin = await superAdmin();
    await ownerQuery("update users set is_super_admin = false where id = $1", [admin.id]);
    await expectProblem(await send("GET", "/v1/admin/orgs", admin.aal2), 403, "forbidden");
    await expectProblem(await send("POST", `/v1/admin/orgs/${orgId}/suspend`, admin.aal2, { reason: "demoted" }), 403, "forbidden");
    expect(await ownerCount("select count(*)::int as n from organizations where id = $1 and suspended_at is not null", [orgId])).toBe(0);
  });
});

describe("P16 every admin call is a security event with the administrator's id", () => {
  it("P16: each call to an admin route (this module's and the data-keys job) stores one admin_action: method, route pattern, status, target org; never a token or body", async () => {
    const admin = await superAdmin();
    const { orgId } = await orgWithRoles();
    const marker = `reason-${crypto.randomUUID()}`;
    const calls = [
      await send("GET", "/v1/admin/orgs?limit=1", admin.aal2),
      await send("GET", `/v1/admin/orgs/${orgId}`, admin.aal2),
      await send("POST", `/v1/admin/orgs/${orgId}/suspend`, admin.aal2, { reason: marker }),
      await send("POST", `/v1/admin/orgs/${orgId}/reinstate`, admin.aal2),
      await send("GET", `/v1/admin/orgs/${crypto.randomUUID()}`, admin.aal2),
      await send("GET", "/v1/admin/security-events?limit=1", admin.aal2),
      await send("GET", "/v1/admin/alerts?limit=1", admin.aal2),
      await send("POST", "/v1/admin/data-keys/reencrypt", admin.aal2, { batch_size: 0 }),
    ];
    expect(calls.map((r) => r.status)).toEqual([200, 200, 200, 200, 404, 200, 200, 422]);
    const events = await eventsOfRequests(calls.map(requestIdOf));
    const actions = events.filter((e) => e.type === "admin_action");
    expect(actions).toHaveLength(calls.length);
    for (const action of actions) {
      expect(action).toMatchObject({ org_id: null, actor_user_id: admin.id, severity: "warning" });
      expect(typeof action.ip_hash).toBe("string");
    }
    expect(actions.map((a) => a.details)).toEqual(
      expect.arrayContaining([
        { method: "GET", route: "/v1/admin/orgs", status: 200 },
        { method: "GET", route: "/v1/admin/orgs/:org", status: 200, target_org_id: orgId },
        { method: "POST", route: "/v1/admin/orgs/:org/suspend", status: 200, target_org_id: orgId },
        { method: "POST", route: "/v1/admin/orgs/:org/reinstate", status: 200, target_org_id: orgId },
        { method: "POST", route: "/v1/admin/data-keys/reencrypt", status: 422 },
      ]),
    );
    const stored = JSON.stringify(events);
    expect(stored).not.toContain(marker);
    expect(stored).not.toContain(admin.aal2);
    // Suspending and reinstating are also the organization's own events, with the administrator as actor.
    expect(events.filter((e) => e.org_id === orgId).map((e) => [e.type, e.actor_user_id])).toEqual([
      ["org_suspended", admin.id],
      ["org_reinstated", admin.id],
    ]);
  });

  it("P16 (refuses): refused attempts on admin routes are stored as admin_access_refused, once per user, code and window, however many", async () => {
    const admin = await superAdmin();
    const user = await person("sprayer");
    const sprays = await Promise.all(
      Array.from({ length: 12 }, (_, i) => send("GET", i % 2 ? "/v1/admin/orgs" : "/v1/admin/alerts", admin.aal1)),
    );
    expect(sprays.every((r) => r.status === 403)).toBe(true);
    for (let i = 0; i < 6; i++) await expectProblem(await send("GET", "/v1/admin/security-events", user.aal2), 403, "forbidden");
    const refusedAdmin = (await eventsOfUser(admin.id)).filter((e) => e.type === "admin_access_refused");
    expect(refusedAdmin).toHaveLength(1);
    expect(refusedAdmin[0]).toMatchObject({ org_id: null, severity: "warning" });
    expect(refusedAdmin[0]?.details).toMatchObject({ code: "mfa_required", method: "GET", window_seconds: ADMIN_REFUSAL_WINDOW_SECONDS });
    expect(String(refusedAdmin[0]?.details.route)).toMatch(/^\/v1\/admin\/(orgs|alerts)$/);
    const refusedUser = (await eventsOfUser(user.id)).filter((e) => e.type === "admin_access_refused");
    expect(refusedUser.map((e) => e.details.code)).toEqual(["forbidden"]);
    // No admin_action for any of them: they were refused.
    expect((await eventsOfUser(admin.id)).filter((e) => e.type === "admin_action")).toEqual([]);
    // A forged claim, refused by the database, is a refused attempt too.
    const pretender = await person("pretender");
    const forged = await accessTokenFor({ userId: pretender.id, aal: "aal2", amr: ["pwd", "otp"], superAdmin: true });
    await expectProblem(await send("GET", "/v1/admin/orgs", forged), 403, "forbidden");
    expect((await eventsOfUser(pretender.id)).map((e) => [e.type, e.details.code])).toEqual([["admin_access_refused", "forbidden"]]);
  });

  it("P16 (refuses): anonymous requests and credentials that do not verify store nothing", async () => {
    const requests = [
      await send("GET", "/v1/admin/orgs"),
      await send("GET", "/v1/admin/orgs", "not-a-token"),
      await send("GET", "/v1/admin/orgs", `${(await superAdmin()).aal2}x`),
    ];
    expect(requests.map((r) => r.status)).toEqual([401, 401, 401]);
    expect(await eventsOfRequests(requests.map(requestIdOf))).toEqual([]);
  });
});
