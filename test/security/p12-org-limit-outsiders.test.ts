/**
 * P4, P12: an organization's rate limits belong to the organization. Stage 5 runs
 * before the organization's check (the first statement of the handler's transaction),
 * so it used to count every request naming an org id in its path. Attack covered: any
 * signed-up user, or anyone with a well-formed forged API key, from as many addresses
 * as they like, spending a victim organization's budget (`org`, 6000/min; the
 * invitations' `invitations-org`, 100/h) with requests that are answered 404, 401 or
 * 422, so that the victim's own members get 429. The organization's limits are now
 * read in the one round trip and consumed after the response, only for a request its
 * check admitted (src/pipeline/rate-limit/org-admission.ts).
 *
 * Through the real worker, database and Redis; `callApp` waits for the after-response
 * work, so the counters are settled when a request returns. Counters are read in the
 * stand-in's Redis. Runs in the rate-limit project (own stand-ins: round trips counted).
 */
import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { AppEnv } from "../../src/context";
import { newApiKey } from "../../src/crypto/api-keys";
import { createRouter } from "../../src/http/openapi";
import { json, jsonBody } from "../../src/http/schemas";
import { OrgParams } from "../../src/modules/orgs/orgs.schemas";
import { inOrg } from "../../src/pipeline/authorize";
import { limitPrefix, RATE_LIMIT_POLICIES, type RateLimitPolicy } from "../../src/pipeline/rate-limit";
import { defineRoute } from "../../src/pipeline/route";
import type { Bindings } from "../../src/env";
import { expectProblem } from "../helpers/expect";
import { randomIp } from "../helpers/identity-ip";
import { addMember, orgOf, person, type Person } from "../helpers/orgs";
import { directRedis, newTag, roundTrips, taggedEnv } from "../helpers/upstash";
import { callApp, testEnv } from "../helpers/worker";

/** Three requests an hour per organization on the probe route (an hour: windows are epoch-aligned). */
const SMALL: RateLimitPolicy = {
  name: "probe-org-small",
  onUnavailable: "config",
  limits: [{ name: "org", subject: "org", scope: "route", tokens: 3, window: "1 h" }],
};

/** Upstash round trips the stand-in had counted under a tag when the handler began, per request id. */
const atHandler = new Map<string, number>();

// An organization's route with the small limit, for people and keys, whose handler runs the
// organization's check like every organization route (`inOrg`).
const probe = createRouter();
const ProbeBody = z.object({ n: z.number().int() });
const Answer = json("The caller's role", z.object({ role: z.string().nullable() }));
/** The handler's work: note the round trips so far when asked to, then the organization's transaction. */
async function roleOf(c: Context<AppEnv>): Promise<string | null> {
  const tag = c.req.header("x-count-tag");
  if (tag !== undefined) atHandler.set(c.env.edge.requestId, await roundTrips(tag));
  const { role } = await inOrg(c, (tx) => [tx.execute(sql`select 1`)]);
  return role;
}
probe.openapi(
  defineRoute(
    { method: "get", path: "/{org}/org-limit-probe", request: { params: OrgParams }, responses: { 200: Answer } },
    { auth: { principals: ["user", "api_key"] }, permission: "read", rateLimit: SMALL },
  ),
  async (c) => c.json({ role: await roleOf(c) }, 200),
);
probe.openapi(
  defineRoute(
    { method: "post", path: "/{org}/org-limit-probe", request: { params: OrgParams, ...jsonBody(ProbeBody) }, responses: { 200: Answer } },
    { auth: { principals: ["user", "api_key"] }, permission: "read", rateLimit: SMALL },
  ),
  async (c) => c.json({ role: await roleOf(c) }, 200),
);
const app = createApp({ modules: [{ basePath: "/v1/orgs", router: probe }] });

/** A request through the app from an address of its own; resolves once its after-response work is done. */
function send(method: string, path: string, token?: string, body?: unknown, extra: Record<string, string> = {}, env: Bindings = testEnv) {
  const headers: Record<string, string> = { "cf-connecting-ip": randomIp(), ...extra };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return callApp(app, path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, env);
}

/** Sends `count` requests, `width` at a time, each from its own address; their statuses. */
async function flood(count: number, width: number, one: () => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += width) {
    const batch = await Promise.all(Array.from({ length: Math.min(width, count - sent) }, one));
    for (const response of batch) {
      await response.arrayBuffer();
      statuses.push(response.status);
    }
  }
  return statuses;
}

/** Requests an organization's counter holds, every window bucket summed (the limiter's keys `<prefix>:org:<id>:<bucket>`). */
async function counted(prefix: string, orgId: string): Promise<number> {
  const redis = directRedis();
  let total = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, { match: `${prefix}:org:${orgId}:*`, count: 1000 });
    for (const key of keys) total += Number(await redis.get(key));
    cursor = next;
  } while (cursor !== "0");
  return total;
}

const ORG_RULE = RATE_LIMIT_POLICIES.default.limits.find((rule) => rule.subject === "org");
const INVITE_RULE = RATE_LIMIT_POLICIES.invitations.limits.find((rule) => rule.name === "invitations-org");
if (ORG_RULE === undefined || INVITE_RULE === undefined) throw new Error("the policy table has no organization limits");
/** The API-wide organization limit's key prefix (`rl:api:org`) and the invitations' (`rl:p:invitations:invitations-org`). */
const ORG_PREFIX = limitPrefix(RATE_LIMIT_POLICIES.default, ORG_RULE, "");
const INVITE_PREFIX = limitPrefix(RATE_LIMIT_POLICIES.invitations, INVITE_RULE, "");
const SMALL_PREFIX = (method: string): string => limitPrefix(SMALL, SMALL.limits[0] ?? ORG_RULE, `${method} /v1/orgs/:org/org-limit-probe`);

/** The `r` (remaining) of the `org` item of a response's RateLimit field. */
function orgRemaining(response: Response): number {
  const match = /"org";r=(\d+);t=\d+/.exec(response.headers.get("ratelimit") ?? "");
  if (match === null) throw new Error(`no org item in RateLimit: ${response.headers.get("ratelimit")}`);
  return Number(match[1]);
}

/** An API key of `orgId` created through the API by its owner. */
async function keyOf(orgId: string, owner: Person): Promise<string> {
  const response = await send("POST", `/v1/orgs/${orgId}/api-keys`, owner.token, { name: "org-limit probe", scopes: ["records:read"] });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json<{ key: string }>()).key;
}

describe("P4/P12 an organization's limits count its own requests only", () => {
  let owner: Person;
  let viewer: Person;
  let outsider: Person;
  let orgB: string;
  let orgA: string;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    [owner, viewer, outsider] = await Promise.all([person("owner"), person("viewer"), person("outsider")]);
    // The outsider runs an organization of their own, with a live key of it.
    [orgB, orgA] = await Promise.all([orgOf(owner), orgOf(outsider)]);
    await addMember(orgB, viewer, "viewer");
    [keyA, keyB] = await Promise.all([keyOf(orgA, outsider), keyOf(orgB, owner)]);
  });

  it("P4/P12 (refuses): an outsider's flood of requests to another organization's routes, from many addresses, does not spend its org budget", async () => {
    const risks = `/v1/orgs/${orgB}/risks`;
    // The owner's key creation (beforeAll) was B's request too.
    const start = await counted(ORG_PREFIX, orgB);
    const first = await send("GET", risks, viewer.token);
    expect(first.status).toBe(200);
    const before = orgRemaining(first);
    expect(await counted(ORG_PREFIX, orgB)).toBe(start + 1);

    // A signed-up user who is not a member (404), with a body that fails validation before the
    // handler (422), with a forged but well-formed key (401), with a live key of another org (404).
    expect(new Set(await flood(40, 5, () => send("GET", risks, outsider.token)))).toEqual(new Set([404]));
    expect(new Set(await flood(10, 5, () => send("POST", risks, outsider.token, { title: 7 })))).toEqual(new Set([422]));
    expect(new Set(await flood(10, 5, () => send("GET", risks, newApiKey())))).toEqual(new Set([401]));
    expect(new Set(await flood(10, 5, () => send("GET", risks, keyA)))).toEqual(new Set([404]));
    expect(await counted(ORG_PREFIX, orgB)).toBe(start + 1);

    // B's member is served, and the budget moved by their own request only (r counts down by
    // one; by none if a minute boundary passed in between, which empties the current bucket).
    const next = await send("GET", risks, viewer.token);
    expect(next.status).toBe(200);
    expect(orgRemaining(next)).toBeGreaterThanOrEqual(before - 1);
    expect(await counted(ORG_PREFIX, orgB)).toBe(start + 2);
  });

  it("P4/P12: a member's and the organization's own API key's requests do count against its org limit", async () => {
    const risks = `/v1/orgs/${orgB}/risks`;
    const start = await counted(ORG_PREFIX, orgB);
    expect((await send("GET", risks, owner.token)).status).toBe(200);
    expect((await send("GET", risks, keyB)).status).toBe(200);
    // A member's refusal after the check admitted them counts too: a viewer may not write (403).
    await expectProblem(await send("POST", risks, viewer.token, { title: "not allowed" }), 403, "forbidden");
    expect(await counted(ORG_PREFIX, orgB)).toBe(start + 3);
  });

  it("P4/P12 (refuses): an outsider's invitations to another organization do not spend its invitations budget; the owner's do", async () => {
    const invitations = `/v1/orgs/${orgB}/invitations`;
    const body = (): { email: string; role: string } => ({ email: `invitee+${crypto.randomUUID()}@example.org`, role: "viewer" });
    expect(new Set(await flood(10, 5, () => send("POST", invitations, outsider.token, body())))).toEqual(new Set([404]));
    expect(new Set(await flood(5, 5, () => send("POST", invitations, outsider.token, { email: "nope", role: "viewer" })))).toEqual(
      new Set([422]),
    );
    expect(await counted(INVITE_PREFIX, orgB)).toBe(0);
    const sent = await send("POST", invitations, owner.token, body());
    expect(sent.status, await sent.clone().text()).toBe(201);
    expect(sent.headers.get("ratelimit")).toMatch(/"invitations-org";r=99;t=\d+/);
    expect(await counted(INVITE_PREFIX, orgB)).toBe(1);
  });
});

describe("P4/P12 the organization limit still refuses its members past it", () => {
  it("P4 (refuses): once the organization's own traffic used its quota, its members and keys get 429 with the RateLimit fields and Retry-After; outsiders spent none of it", async () => {
    const [boss, colleague, stranger, neighbour] = await Promise.all([
      person("boss"),
      person("colleague"),
      person("stranger"),
      person("neighbour"),
    ]);
    const [org, other] = await Promise.all([orgOf(boss), orgOf(neighbour)]);
    await addMember(org, colleague, "viewer");
    const key = await keyOf(org, boss);
    const path = `/v1/orgs/${org}/org-limit-probe`;

    // Far more than the quota of 3, all refused by the organization's check or by validation.
    expect(new Set(await flood(12, 6, () => send("GET", path, stranger.token)))).toEqual(new Set([404]));
    expect(new Set(await flood(6, 6, () => send("POST", path, stranger.token, { n: "x" })))).toEqual(new Set([422]));
    expect(new Set(await flood(6, 6, () => send("GET", path, newApiKey())))).toEqual(new Set([401]));
    expect(await counted(SMALL_PREFIX("GET"), org)).toBe(0);

    const served = [await send("GET", path, boss.token), await send("GET", path, key), await send("GET", path, colleague.token)];
    expect(served.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(served.map(orgRemaining)).toEqual([2, 1, 0]);
    for (const response of served) expect(response.headers.get("ratelimit-policy")).toBe('"org";q=3;w=3600');
    expect(await counted(SMALL_PREFIX("GET"), org)).toBe(3);

    for (const token of [boss.token, colleague.token, key]) {
      const refused = await send("GET", path, token);
      await expectProblem(refused, 429, "rate_limited");
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(refused.headers.get("ratelimit-policy")).toBe('"org";q=3;w=3600');
      expect(refused.headers.get("ratelimit")).toBe(`"org";r=0;t=${retryAfter}`);
    }
    // Another organization's members are unaffected.
    expect((await send("GET", `/v1/orgs/${other}/org-limit-probe`, neighbour.token)).status).toBe(200);
  });
});

describe("P4/P12 round trips with an organization limit", () => {
  it("P4: exactly one Upstash round trip before the handler (limits read, revocation read); a member's request adds one after the response, an outsider's none", async () => {
    const [boss, stranger] = await Promise.all([person("boss"), person("stranger")]);
    const org = await orgOf(boss);
    const path = `/v1/orgs/${org}/org-limit-probe`;
    // Scripts load once per Redis (NOSCRIPT → EVAL), and an outsider's first refusal is recorded
    // once per window (P16, one SET NX): both outside the count.
    expect((await send("GET", path, boss.token)).status).toBe(200);
    expect((await send("GET", path, stranger.token)).status).toBe(404);
    const tag = newTag("p12-org-limit");
    const env = taggedEnv(tag);
    const counting = { "x-count-tag": tag };

    const member = await send("GET", path, boss.token, undefined, counting, env);
    expect(member.status).toBe(200);
    expect(atHandler.get(member.headers.get("x-request-id") ?? "")).toBe(1);
    expect(await roundTrips(tag)).toBe(2);

    const outsider = await send("GET", path, stranger.token, undefined, counting, env);
    expect(outsider.status).toBe(404);
    expect(atHandler.get(outsider.headers.get("x-request-id") ?? "")).toBe(3);
    expect(await roundTrips(tag)).toBe(3);
  });
});
