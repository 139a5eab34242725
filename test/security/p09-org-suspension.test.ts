/**
 * P9: a platform administrator suspends an organization, and from the next request on it is
 * refused EVERYWHERE: every operation the served OpenAPI document lists under
 * `/v1/orgs/{org}/…` (every method, the routes other modules add later included, since the
 * walk reads the document) answers its owner (aal2) and its API key 403
 * `organization_suspended`, before anything is written; the database's row policies give its
 * members nothing even to a query that skips the API's check; reinstating restores access.
 *
 * Attacks and mistakes covered: a route that checks the suspension after a write (the walk
 * sends requests that validate, and nothing of the org changes), or not at all (a new route
 * is walked as soon as it is documented); a query that forgets the API's check (the policies
 * refuse on their own); a key that outlives its org's suspension.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/expect";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { workerDb } from "../helpers/identity";
import { orgWithRoles, type Person } from "../helpers/orgs";
import { asApp, dbError, seedOrg } from "../helpers/tenants";
import { accessTokenFor } from "../helpers/tokens";
import { operationsUnder, send, servedDocument, superAdmin } from "../helpers/admin";

const ORG_PREFIX = "/v1/orgs/{org}";

/** What the organization holds, as the owner of the database counts it: none of it may change while it is suspended. */
async function footprint(orgId: string): Promise<Record<string, unknown>> {
  const [row] = await ownerQuery(
    `select (select count(*)::int from audit.entries where org_id = $1) as audit_entries,
            (select count(*)::int from memberships where org_id = $1) as members,
            (select count(*)::int from api_keys where org_id = $1) as keys,
            (select count(*)::int from api_keys where org_id = $1 and revoked_at is not null) as revoked_keys,
            (select count(*)::int from invitations where org_id = $1) as invitations,
            (select count(*)::int from security_events where org_id = $1 and type <> 'request_refused') as events,
            (select row(name, plan, require_mfa, deadline_regimes, suspended_at)::text from organizations where id = $1) as org`,
    [orgId],
  );
  return row ?? {};
}

async function suspend(adminToken: string, orgId: string, reason = "P9 suspension walk"): Promise<void> {
  const response = await send("POST", `/v1/admin/orgs/${orgId}/suspend`, adminToken, { reason });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function reinstate(adminToken: string, orgId: string): Promise<void> {
  const response = await send("POST", `/v1/admin/orgs/${orgId}/reinstate`, adminToken);
  expect(response.status, await response.clone().text()).toBe(200);
}

describe("P9 a suspended organization", () => {
  let admin: Awaited<ReturnType<typeof superAdmin>>;
  let orgId: string;
  let owner: Person;
  let key: string;
  let riskId: string;

  beforeAll(async () => {
    admin = await superAdmin();
    const org = await orgWithRoles();
    orgId = org.orgId;
    owner = org.people.owner;
    const created = await send("POST", `/v1/orgs/${orgId}/api-keys`, owner.aal2, {
      name: "suspension walk",
      scopes: ["records:write", "audit:read", "evidence:write"],
    });
    expect(created.status, await created.clone().text()).toBe(201);
    key = (await created.json<{ key: string }>()).key;
    const risk = await send("POST", `/v1/orgs/${orgId}/risks`, owner.aal2, { title: "Before the suspension" });
    expect(risk.status, await risk.clone().text()).toBe(201);
    riskId = (await risk.json<{ id: string }>()).id;
  });

  it("P9: before the suspension, its owner and its key are served", async () => {
    expect((await send("GET", `/v1/orgs/${orgId}/risks/${riskId}`, owner.aal2)).status).toBe(200);
    expect((await send("GET", `/v1/orgs/${orgId}/risks/${riskId}`, key)).status).toBe(200);
  });

  it("P9 (refuses): every operation under /v1/orgs/{org} answers its owner (aal2) and its API key 403 organization_suspended, and nothing of it changes", async () => {
    await suspend(admin.aal2, orgId);
    const before = await footprint(orgId);
    const document = await servedDocument();
    // Deleting the organization goes last: were it not refused, the walk would lose its subject.
    const operations = operationsUnder(document, ORG_PREFIX).sort(
      (a, b) => Number(a.template === ORG_PREFIX && a.method === "DELETE") - Number(b.template === ORG_PREFIX && b.method === "DELETE"),
    );
    expect(operations.length).toBeGreaterThan(40);
    const wrong: string[] = [];
    for (const operation of operations) {
      const target = operation.target({ org: orgId, id: riskId });
      for (const [who, token] of [
        ["owner", owner.aal2],
        ["key", key],
      ] as const) {
        const response = await send(operation.method, target, token, operation.body, operation.headers);
        const problem =
          response.headers.get("content-type") === "application/problem+json" ? await response.json<{ code: string }>() : undefined;
        const got = `${response.status} ${problem?.code ?? "(no problem)"}`;
        // A route for people only refuses any key as an invalid token, suspended org or not.
        const expected = who === "key" && !operation.acceptsApiKey ? "401 invalid_token" : "403 organization_suspended";
        if (got !== expected) wrong.push(`${operation.method} ${operation.template} as ${who}: ${got}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await footprint(orgId)).toEqual(before);
  });

  it("P9: after reinstating, its owner and its key are served again", async () => {
    await reinstate(admin.aal2, orgId);
    expect((await send("GET", `/v1/orgs/${orgId}/risks/${riskId}`, owner.aal2)).status).toBe(200);
    expect((await send("GET", `/v1/orgs/${orgId}/risks/${riskId}`, key)).status).toBe(200);
    const created = await send("POST", `/v1/orgs/${orgId}/risks`, key, { title: "After reinstating" });
    expect(created.status, await created.clone().text()).toBe(201);
  });

  it("P9 (refuses): an access token of a suspended org's member (aal1 too) and a key get the same 403 on a record route", async () => {
    await suspend(admin.aal2, orgId);
    await expectProblem(await send("GET", `/v1/orgs/${orgId}/risks`, owner.token), 403, "organization_suspended");
    await expectProblem(await send("GET", `/v1/orgs/${orgId}/risks`, key), 403, "organization_suspended");
    await reinstate(admin.aal2, orgId);
  });
});

describe("P9 a suspended organization's rows, at the database", () => {
  it("P9 (refuses): with the org's owner as context, rampart_app reads none of its records, writes none, and reads them again once reinstated", async () => {
    const target = workerDb();
    const org = await seedOrg(target, "suspended-at-db");
    const context = { orgId: org.orgId, userId: org.users.owner };
    const keyContext = { orgId: org.orgId, apiKeyId: org.keys.write };
    expect(await asApp(target, context, "select id from risks")).toHaveLength(1);
    const admin = await superAdmin();
    await suspend(admin.aal2, org.orgId);
    expect(await asApp(target, context, "select id from risks")).toEqual([]);
    expect(await asApp(target, keyContext, "select id from risks")).toEqual([]);
    expect(await asApp(target, context, "select user_id from memberships")).toEqual([]);
    expect(await asApp(target, context, "select id from organizations")).toEqual([]);
    const insert = await dbError(asApp(target, context, `insert into risks (org_id, title) values ('${org.orgId}', 'while suspended')`));
    expect(insert.code).toBe("42501");
    const update = await asApp(target, context, "update risks set title = 'changed while suspended' returning id");
    expect(update).toEqual([]);
    // The API's own check, called directly, refuses too.
    expect((await dbError(asApp(target, context, "select app.authorize('read', 'aal2')"))).code).toBe("RASUS");
    expect(
      await ownerCount("select count(*)::int as n from risks where org_id = $1 and title = 'changed while suspended'", [org.orgId]),
    ).toBe(0);
    await reinstate(admin.aal2, org.orgId);
    expect(await asApp(target, context, "select id from risks")).toHaveLength(1);
  });

  it("P9: a token for the owner of a seeded org is served once reinstated (the suspension is the only difference)", async () => {
    const target = workerDb();
    const org = await seedOrg(target, "suspended-api");
    const token = await accessTokenFor({ userId: org.users.owner, aal: "aal2", amr: ["pwd", "otp"] });
    const admin = await superAdmin();
    await suspend(admin.aal2, org.orgId);
    await expectProblem(await send("GET", `/v1/orgs/${org.orgId}/risks`, token), 403, "organization_suspended");
    await reinstate(admin.aal2, org.orgId);
    expect((await send("GET", `/v1/orgs/${org.orgId}/risks`, token)).status).toBe(200);
  });
});
