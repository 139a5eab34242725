/**
 * P16: requests refused on an organization's routes are that organization's security
 * events (`request_refused`), stored after the response, at most once per (principal,
 * code) and window, through the real worker, Redis and database. Requests go through
 * `callApp`, which waits for the work a request leaves to `waitUntil`, so "stored" and
 * "not stored" are decided when a request returns.
 *
 * Attacks and mistakes covered:
 * - a flood of refused requests becoming a flood of database writes: 50 at once store one;
 *   the Redis bound keys on a keyed hash of the principal (P12), and the database function
 *   bounds on its own (a flushed Redis cannot make more);
 * - an outsider learning that an organization exists: the probe of a real org's id is
 *   answered exactly like an unknown id's (404), its event is stored in the probed org only,
 *   and the prober can read it nowhere; an unknown id stores nothing;
 * - forged principals filling an org's events: anonymous requests, unknown or revoked keys
 *   store nothing;
 * - events carrying secrets: never a token, a raw address or a body;
 * - accepted requests and ordinary 404s (a record id that does not exist) stored as refusals.
 */
import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { newApiKey } from "../../src/crypto/api-keys";
import { json } from "../../src/http/schemas";
import { createRouter } from "../../src/http/openapi";
import { OrgParams } from "../../src/modules/orgs/orgs.schemas";
import { inOrg, REFUSAL_KEY_PREFIX, REFUSAL_WINDOW_SECONDS } from "../../src/pipeline/authorize";
import { defineRoute } from "../../src/pipeline/route";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { ownerCount, ownerQuery, randomIp } from "../helpers/identity-ip";
import { addMember, orgOf, orgWithRoles, person, type Person } from "../helpers/orgs";
import { asApp, dbError } from "../helpers/tenants";
import { directRedis } from "../helpers/upstash";
import { callApp } from "../helpers/worker";

interface Event {
  id: string;
  type: string;
  severity: string;
  scope: string;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  request_id: string | null;
  source: string | null;
  details: Record<string, unknown>;
}

// A route of an organization with a limit of one request per principal (an hour long: windows are
// epoch-aligned), so a test reaches a 429 on an organization route in two requests.
const probe = createRouter();
probe.openapi(
  defineRoute(
    {
      method: "get",
      path: "/{org}/refusal-probe",
      request: { params: OrgParams },
      responses: { 200: json("The caller's role", z.object({ role: z.string().nullable() })) },
    },
    {
      auth: { principals: ["user", "api_key"] },
      permission: "read",
      rateLimit: {
        name: "probe-refusals",
        onUnavailable: "config",
        limits: [{ name: "once", subject: "principal", scope: "route", tokens: 1, window: "1 h" }],
      },
    },
  ),
  async (c) => {
    const { role } = await inOrg(c, (tx) => [tx.execute(sql`select 1`)]);
    return c.json({ role }, 200);
  },
);
const app = createApp({ modules: [{ basePath: "/v1/orgs", router: probe }] });

/** A request through the app, from an address of its own; resolves once its after-response work is done. */
function send(method: string, path: string, token?: string, body?: unknown, ip: string = randomIp()): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": ip };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return callApp(app, path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** The stored `request_refused` rows of an organization, as the owner reads them. */
const refusedRows = (orgId: string): Promise<Record<string, unknown>[]> =>
  ownerQuery(
    "select *, details::text as details_text from security_events where org_id = $1 and type = 'request_refused' order by created_at",
    [orgId],
  );

/** A stored row's details. */
const detailsOf = (row: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(String(row.details_text)) as Record<string, unknown>;

/** What the org's auditor lists of `request_refused`. */
async function listedRefusals(orgId: string, auditor: Person): Promise<Event[]> {
  const response = await send("GET", `/v1/orgs/${orgId}/security-events?type=request_refused&limit=200`, auditor.token);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json<{ data: Event[] }>()).data;
}

const risksPath = (orgId: string): string => `/v1/orgs/${orgId}/risks`;

describe("P16 requests refused on an organization's routes", () => {
  let orgId: string;
  let people: Awaited<ReturnType<typeof orgWithRoles>>["people"];

  beforeAll(async () => {
    ({ orgId, people } = await orgWithRoles());
  });

  it("P16: a viewer's write attempt is stored once, as the org's event its auditor lists with code forbidden", async () => {
    const ip = randomIp();
    const marker = `secret-body-${crypto.randomUUID()}`;
    const refused = await send("POST", risksPath(orgId), people.viewer.token, { title: marker }, ip);
    await expectProblem(refused, 403, "forbidden");
    const listed = await listedRefusals(orgId, people.auditor);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      type: "request_refused",
      severity: "warning",
      scope: "organization",
      actor_user_id: people.viewer.id,
      actor_api_key_id: null,
      request_id: refused.headers.get("x-request-id"),
      details: { code: "forbidden", method: "POST", route: "/v1/orgs/:org/risks", window_seconds: REFUSAL_WINDOW_SECONDS },
    });
    expect(listed[0]?.source).toMatch(/^[0-9a-f]{24}$/);
    // Never a token, the raw address or the body, in the stored row or the listing.
    const [row] = await refusedRows(orgId);
    const everything = JSON.stringify({ row, listed });
    for (const secret of [people.viewer.token, ip, marker]) expect(everything).not.toContain(secret);
    expect(String(row?.ip_hash)).toMatch(/^[\w-]{22}$/);
  });

  it("P16: 50 refused requests in a burst store one event; the Redis bound holds a keyed hash, never the user id", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    // One after another, as fast as the client goes (the embedded stand-ins cannot answer dozens at once
    // within the limits' Redis deadline); concurrent writers are the database test's below.
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++)
      statuses.push((await send("DELETE", `${risksPath(org)}/${crypto.randomUUID()}`, crew.viewer.token)).status);
    expect(statuses).toEqual(Array<number>(50).fill(403));
    expect(await refusedRows(org)).toHaveLength(1);
    const keys = await directRedis().keys(`${REFUSAL_KEY_PREFIX}${org}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${REFUSAL_KEY_PREFIX}${org}:user:[\\w-]{22}:forbidden$`));
    expect(keys[0]).not.toContain(crew.viewer.id);
    const ttl = await directRedis().ttl(keys[0] ?? "");
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(REFUSAL_WINDOW_SECONDS);
    // Another code of the same principal is another event; so is another principal.
    await expectProblem(await send("GET", `/v1/orgs/${org}/audit-log`, crew.viewer.token), 403, "forbidden");
    await expectProblem(await send("GET", `/v1/orgs/${org}/audit-log`, crew.member.token), 403, "forbidden");
    expect((await refusedRows(org)).map((r) => r.actor_user_id)).toEqual([crew.viewer.id, crew.member.id]);
  });

  it("P16 (refuses): the database bounds on its own: one per (org, principal, code) and window; unknown orgs and principals store nothing", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    const call = (args: string) => asApp(workerDb(), null, `select app.record_refused_request(${args}) as stored`);
    const viewer = `'${org}', '${crew.viewer.id}', null, 'forbidden', 'req-1', 'POST', '/v1/orgs/:org/risks', 'aGFzaA', 600`;
    // Ten writers at once (a flushed Redis, many isolates): the advisory lock lets one store.
    const racing = await Promise.all(Array.from({ length: 10 }, () => call(viewer)));
    expect(racing.filter(([row]) => row?.stored === true)).toHaveLength(1);
    expect(await call(viewer)).toEqual([{ stored: false }]);
    expect(await call(viewer.replace("'forbidden'", "'rate_limited'"))).toEqual([{ stored: true }]);
    const nobody = crypto.randomUUID();
    expect(await call(`'${crypto.randomUUID()}', '${crew.viewer.id}', null, 'not_found', 'r', 'GET', 'x', null, 600`)).toEqual([
      { stored: false },
    ]);
    expect(await call(`'${org}', '${nobody}', null, 'not_found', 'r', 'GET', 'x', null, 600`)).toEqual([{ stored: false }]);
    expect(await call(`'${org}', null, '${nobody}', 'not_found', 'r', 'GET', 'x', null, 600`)).toEqual([{ stored: false }]);
    expect((await dbError(call(`'${org}', '${crew.viewer.id}', null, 'login_failed', 'r', 'GET', 'x', null, 600`))).code).toBe("22023");
    expect((await dbError(call(`'${org}', '${crew.viewer.id}', '${nobody}', 'forbidden', 'r', 'GET', 'x', null, 600`))).code).toBe("22023");
    expect(await refusedRows(org)).toHaveLength(2);
    // An outsider's refusal reaches the org only through the function: the row policies refuse it a direct insert.
    const outsider = await person("outsider");
    const direct = await dbError(
      asApp(
        workerDb(),
        { orgId: org, userId: outsider.id },
        `insert into security_events (org_id, type, severity, actor_user_id) values ('${org}', 'request_refused', 'warning', '${outsider.id}')`,
      ),
    );
    expect(direct.code).toBe("42501");
  });

  it("P16 (refuses): an outsider probing org B is answered as for an unknown org (404); B stores it, the prober sees nothing", async () => {
    const b = await orgWithRoles();
    const outsider = await person("outsider");
    const own = await orgOf(outsider);
    const unknown = crypto.randomUUID();
    const real = await send("GET", risksPath(b.orgId), outsider.token);
    const none = await send("GET", risksPath(unknown), outsider.token);
    await expectProblem(real.clone(), 404, "not_found");
    await expectProblem(none.clone(), 404, "not_found");
    // Everything but the request id, and the remaining-quota counters' values (their names are compared).
    const varying = new Set(["x-request-id", "ratelimit"]);
    const strip = async (r: Response) => {
      const { request_id: _id, ...body } = await r.json<Record<string, unknown>>();
      const headers = [...r.headers].map(([name, value]) => [name, varying.has(name) ? "…" : value]);
      return { status: r.status, body, headers };
    };
    expect(await strip(real)).toEqual(await strip(none));
    // B's auditors see the probe; nothing is stored for the unknown id, or in the prober's own org.
    const listed = await listedRefusals(b.orgId, b.people.auditor);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ actor_user_id: outsider.id, details: { code: "not_found", method: "GET" } });
    expect(await ownerCount("select count(*)::int as n from security_events where details::text like $1", [`%${unknown}%`])).toBe(0);
    expect(await ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = 'request_refused'", [own])).toBe(
      0,
    );
    // The prober cannot read B's events (404, itself not stored twice), and its own org lists none of them.
    await expectProblem(await send("GET", `/v1/orgs/${b.orgId}/security-events`, outsider.token), 404, "not_found");
    const mine = await send("GET", `/v1/orgs/${own}/security-events?limit=200`, outsider.token);
    expect(mine.status).toBe(200);
    expect(JSON.stringify(await mine.json())).not.toContain(b.orgId);
  });

  it("P16: another org's API key on B's id is stored in B with the key's id; unknown or revoked keys store nothing", async () => {
    const a = await orgWithRoles();
    const b = await orgWithRoles();
    const created = await send("POST", `/v1/orgs/${a.orgId}/api-keys`, a.people.owner.token, { name: "probe", scopes: ["records:read"] });
    expect(created.status).toBe(201);
    const key = await created.json<{ id: string; key: string }>();
    await expectProblem(await send("GET", risksPath(b.orgId), key.key), 404, "not_found");
    expect((await refusedRows(b.orgId)).map((r) => [r.actor_user_id, r.actor_api_key_id])).toEqual([[null, key.id]]);
    // A key of the right shape that no row has: 401, nothing stored; a scope it lacks in its own org: 403, stored.
    await expectProblem(await send("GET", risksPath(b.orgId), newApiKey()), 401, "invalid_token");
    await expectProblem(await send("POST", risksPath(a.orgId), key.key, { title: "Not allowed" }), 403, "forbidden");
    expect((await refusedRows(a.orgId)).map((r) => [r.actor_api_key_id, detailsOf(r).code])).toEqual([[key.id, "forbidden"]]);
    // Revoked: 401 like any invalid token, and the WAF's refusal of it (no transaction to check it) stores nothing either.
    expect((await send("DELETE", `/v1/orgs/${a.orgId}/api-keys/${key.id}`, a.people.owner.token)).status).toBe(204);
    await expectProblem(await send("GET", risksPath(b.orgId), key.key), 401, "invalid_token");
    await expectProblem(await send("GET", `${risksPath(a.orgId)}?q=${encodeURIComponent("' or 1=1 --")}`, key.key), 403, "waf_blocked");
    expect(await refusedRows(b.orgId)).toHaveLength(1);
    expect(await refusedRows(a.orgId)).toHaveLength(1);
  });

  it("P16: mfa_required is stored, from the org's requirement and from a route's aal2 (refused before the principal was set)", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    await ownerQuery("update organizations set require_mfa = true where id = $1", [org]);
    await expectProblem(await send("GET", risksPath(org), crew.member.token), 403, "mfa_required");
    expect((await send("GET", risksPath(org), crew.member.aal2)).status).toBe(200);
    await expectProblem(await send("DELETE", `/v1/orgs/${org}?confirm=whatever`, crew.owner.token), 403, "mfa_required");
    const rows = await refusedRows(org);
    expect(rows.map((r) => [r.actor_user_id, detailsOf(r)])).toEqual([
      [crew.member.id, expect.objectContaining({ code: "mfa_required", route: "/v1/orgs/:org/risks" })],
      [crew.owner.id, expect.objectContaining({ code: "mfa_required", method: "DELETE", route: "/v1/orgs/:org" })],
    ]);
  });

  it("P16: a 429 on an organization's route is stored as rate_limited; the accepted request before it is not", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    const path = `/v1/orgs/${org}/refusal-probe`;
    expect((await send("GET", path, crew.member.token)).status).toBe(200);
    expect(await refusedRows(org)).toHaveLength(0);
    for (let i = 0; i < 3; i++) await expectProblem(await send("GET", path, crew.member.token), 429, "rate_limited");
    const rows = await refusedRows(org);
    expect(rows.map((r) => [r.actor_user_id, detailsOf(r)])).toEqual([
      [crew.member.id, expect.objectContaining({ code: "rate_limited", route: "/v1/orgs/:org/refusal-probe" })],
    ]);
  });

  it("P16: the WAF's 403 on a real org's path is stored (never the payload); on an unknown id or anonymously, nothing", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    const attack = `?q=${encodeURIComponent("<script>alert(document.cookie)</script>")}`;
    await expectProblem(await send("GET", `${risksPath(org)}${attack}`, crew.member.token), 403, "waf_blocked");
    const unknown = crypto.randomUUID();
    await expectProblem(await send("GET", `${risksPath(unknown)}${attack}`, crew.member.token), 403, "waf_blocked");
    await expectProblem(await send("GET", `${risksPath(org)}${attack}`, undefined), 403, "waf_blocked");
    const rows = await refusedRows(org);
    expect(rows.map((r) => [r.actor_user_id, detailsOf(r)])).toEqual([
      [crew.member.id, expect.objectContaining({ code: "waf_blocked", method: "GET", route: "/v1/orgs/:org/risks" })],
    ]);
    expect(String(rows[0]?.details_text)).not.toMatch(/script|cookie/i);
    expect(await ownerCount("select count(*)::int as n from security_events where org_id = $1", [unknown])).toBe(0);
  });

  it("P16 (refuses): nothing is stored for accepted requests, a record id that does not exist, or anonymous requests", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    const newcomer = await person("newcomer");
    await addMember(org, newcomer, "member");
    expect((await send("GET", risksPath(org), crew.viewer.token)).status).toBe(200);
    expect((await send("POST", risksPath(org), newcomer.token, { title: "Allowed" })).status).toBe(201);
    await expectProblem(await send("GET", `${risksPath(org)}/${crypto.randomUUID()}`, crew.member.token), 404, "not_found");
    await expectProblem(await send("POST", risksPath(org), undefined, { title: "Anonymous" }), 401, "authentication_required");
    await expectProblem(await send("POST", risksPath(org), "not.a.jwt", { title: "Forged" }), 401, "invalid_token");
    expect(await refusedRows(org)).toHaveLength(0);
  });
});
