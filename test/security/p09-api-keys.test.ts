/**
 * P9 (roles and scopes), P11 (tenant isolation) and P4 (per-key limits) for
 * organizations' API keys, through the real worker and database.
 *
 * Attacks and mistakes covered:
 * - managing keys: only owners and admins create, list and revoke; other roles 403,
 *   outsiders 404, and a key itself 401 (keys never manage keys, members or settings);
 *   bad input (names, scopes, expiry) 422 with nothing written;
 * - each scope against each action class (read, write, audit, manage, own): only what
 *   the scope names, never manage or own, checked by the transaction itself;
 * - a key of organization A on organization B's path: 404, as any outsider;
 * - a revoked key (on its very next request), an expired key, an unknown key: 401
 *   `invalid_token`, logged but not stored; a forged checksum and a wrong prefix: 401
 *   without any I/O (the database and Redis unreachable change nothing);
 * - a key on routes for people only (/v1/auth/me, PATCH or DELETE the organization,
 *   creating one): 401, nothing changed;
 * - a route that takes keys but answers without the authenticating transaction: 500, never data;
 * - rate limits count per key (a stable identity across requests), "last used" at most once a minute.
 */
import { z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { apiKeyChecksum, apiKeyDigest, newApiKey } from "../../src/crypto/api-keys";
import { createDatabase, inTenant } from "../../src/db";
import { createRouter } from "../../src/http/openapi";
import { json } from "../../src/http/schemas";
import { OrgParams } from "../../src/modules/orgs/orgs.schemas";
import { inOrg } from "../../src/pipeline/authorize";
import { defineRoute } from "../../src/pipeline/route";
import type { Permission } from "../../src/context";
import { expectProblem } from "../helpers/expect";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { workerDb } from "../helpers/identity";
import { captureLogs } from "../helpers/logs";
import { api, orgOf, orgRow, orgWithRoles, person, someIp, type Person } from "../helpers/orgs";
import { asApp, dbError, roundTrips, tagged } from "../helpers/tenants";
import { callApp, envWith, testEnv } from "../helpers/worker";

interface CreatedKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  key: string;
}

const keysPath = (orgId: string): string => `/v1/orgs/${orgId}/api-keys`;

/** A key created through the API by `who` (owner or admin). */
async function createKey(orgId: string, who: Person, scopes: string[], extra: Record<string, unknown> = {}): Promise<CreatedKey> {
  const response = await api("POST", keysPath(orgId), who.token, { name: `key ${scopes.join(" ")}`, scopes, ...extra });
  if (response.status !== 201) throw new Error(`creating a key answered ${response.status}: ${await response.text()}`);
  return response.json<CreatedKey>();
}

const keyRows = (orgId: string): Promise<number> => ownerCount("select count(*)::int as n from api_keys where org_id = $1", [orgId]);
const eventsOf = (orgId: string, type: string): Promise<number> =>
  ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = $2", [orgId, type]);

// A module of routes for each permission that accept keys, as later modules' routes will.
const PERMISSIONS = ["read", "write", "audit", "manage", "own"] as const satisfies readonly Permission[];
const probe = createRouter();
const Answer = json("The caller's role", z.object({ role: z.string().nullable() }));
for (const permission of PERMISSIONS) {
  probe.openapi(
    defineRoute(
      { method: "get", path: `/{org}/${permission}`, request: { params: OrgParams }, responses: { 200: Answer } },
      { auth: { principals: ["user", "api_key"] }, permission },
    ),
    async (c) => {
      const { role } = await inOrg(c, (tx) => [tx.execute(sql`select 1`)]);
      return c.json({ role }, 200);
    },
  );
}
// A handler that forgets its transaction: with a key, the organization stage refuses its answer.
probe.openapi(
  defineRoute(
    { method: "get", path: "/{org}/careless", request: { params: OrgParams }, responses: { 200: Answer } },
    { auth: { principals: ["user", "api_key"] }, permission: "read" },
  ),
  (c) => c.json({ role: "unchecked" }, 200),
);
const probeApp = createApp({ modules: [{ basePath: "/__keys", router: probe }] });
const probeCall = (path: string, token: string): Promise<Response> =>
  callApp(probeApp, path, { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": someIp() } });

describe("P9 API keys: management by owners and admins", () => {
  it("P9: an owner creates a key: shown once, not cached, with its metadata and the event in the same transaction", async () => {
    const { orgId, people } = await orgWithRoles();
    const response = await api("POST", keysPath(orgId), people.owner.token, {
      name: "  SIEM export  ",
      scopes: ["records:read", "audit:read"],
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const created = await response.json<CreatedKey>();
    expect(created).toMatchObject({
      name: "SIEM export",
      scopes: ["records:read", "audit:read"],
      created_by: people.owner.id,
      last_used_at: null,
      expires_at: null,
      revoked_at: null,
    });
    expect(created.key).toMatch(/^rk_live_[0-9A-Za-z]{49}$/);
    expect(created.prefix).toBe(created.key.slice(0, 14));
    expect(await eventsOf(orgId, "api_key_created")).toBe(1);
    const [event] = await ownerQuery("select actor_user_id, details from security_events where org_id = $1 and type = 'api_key_created'", [
      orgId,
    ]);
    expect(event).toMatchObject({ actor_user_id: people.owner.id, details: { key_id: created.id, prefix: created.prefix } });

    const list = await api("GET", keysPath(orgId), people.admin.token);
    expect(list.status).toBe(200);
    const { data } = await list.json<{ data: Record<string, unknown>[] }>();
    expect(data).toHaveLength(1);
    expect(Object.keys(data[0] ?? {}).sort()).toEqual(
      ["created_at", "created_by", "expires_at", "id", "last_used_at", "name", "prefix", "revoked_at", "scopes"].sort(),
    );
    expect(JSON.stringify(data)).not.toContain(created.key.slice(14));
  });

  it("P9 (refuses): admins create keys too; members, auditors and viewers get 403 and nothing is written; outsiders 404", async () => {
    const { orgId, people } = await orgWithRoles();
    await createKey(orgId, people.admin, ["records:write"]);
    for (const role of ["member", "auditor", "viewer"] as const) {
      const body = { name: `by ${role}`, scopes: ["records:read"] };
      await expectProblem(await api("POST", keysPath(orgId), people[role].token, body), 403, "forbidden");
      await expectProblem(await api("GET", keysPath(orgId), people[role].token), 403, "forbidden");
    }
    const outsider = await person("outsider");
    await expectProblem(await api("POST", keysPath(orgId), outsider.token, { name: "x", scopes: ["records:read"] }), 404, "not_found");
    await expectProblem(await api("GET", keysPath(orgId), outsider.token), 404, "not_found");
    expect(await keyRows(orgId)).toBe(1);
    expect(await eventsOf(orgId, "api_key_created")).toBe(1);
  });

  it.each([
    ["an empty name", { name: "   ", scopes: ["records:read"] }],
    ["a name over 100 characters", { name: "x".repeat(101), scopes: ["records:read"] }],
    ["no scope", { name: "k", scopes: [] }],
    ["an unknown scope", { name: "k", scopes: ["members:manage"] }],
    ["a repeated scope", { name: "k", scopes: ["records:read", "records:read"] }],
    ["an expiry in the past", { name: "k", scopes: ["records:read"], expires_at: "2020-01-01T00:00:00Z" }],
    ["an expiry that is not a time", { name: "k", scopes: ["records:read"], expires_at: "tomorrow" }],
    ["a key chosen by the client", { name: "k", scopes: ["records:read"], key: newApiKey() }],
  ])("P9 (refuses): %s is 422 and creates nothing", async (label, body) => {
    const { orgId, people } = await orgWithRoles();
    const response = await api("POST", keysPath(orgId), people.owner.token, body);
    if (label === "a key chosen by the client") {
      // Unknown fields are ignored (zod strips them): the key is always generated.
      expect(response.status).toBe(201);
      expect((await response.json<CreatedKey>()).key).not.toBe((body as { key: string }).key);
      return;
    }
    await expectProblem(response, 422, "validation_failed");
    expect(await keyRows(orgId)).toBe(0);
  });

  it("P9 (refuses): a key manages nothing: the key routes, settings and deletion answer 401 to it, and nothing changes", async () => {
    const { orgId, people } = await orgWithRoles();
    const all = await createKey(orgId, people.owner, ["records:read", "records:write", "audit:read", "evidence:read", "evidence:write"]);
    await expectProblem(await api("POST", keysPath(orgId), all.key, { name: "by a key", scopes: ["records:read"] }), 401, "invalid_token");
    await expectProblem(await api("GET", keysPath(orgId), all.key), 401, "invalid_token");
    await expectProblem(await api("DELETE", `${keysPath(orgId)}/${all.id}`, all.key), 401, "invalid_token");
    await expectProblem(await api("PATCH", `/v1/orgs/${orgId}`, all.key, { name: "Taken over" }), 401, "invalid_token");
    await expectProblem(await api("DELETE", `/v1/orgs/${orgId}?confirm=x`, all.key), 401, "invalid_token");
    await expectProblem(await api("POST", "/v1/orgs", all.key, { name: "By a key" }), 401, "invalid_token");
    expect(await keyRows(orgId)).toBe(1);
    expect((await orgRow(orgId))?.name).not.toBe("Taken over");
    expect((await ownerQuery("select revoked_at from api_keys where id = $1", [all.id]))[0]?.revoked_at).toBeNull();
  });

  it("P9: revoking: 204 once with its event, 204 again with nothing new; another org's key id is 404 and stays live", async () => {
    const a = await orgWithRoles();
    const bOwner = await person("b-owner");
    const bOrg = await orgOf(bOwner);
    const mine = await createKey(a.orgId, a.people.owner, ["records:read"]);
    const theirs = await createKey(bOrg, bOwner, ["records:read"]);
    await expectProblem(await api("DELETE", `${keysPath(a.orgId)}/${theirs.id}`, a.people.owner.token), 404, "not_found");
    await expectProblem(await api("DELETE", `${keysPath(a.orgId)}/${crypto.randomUUID()}`, a.people.owner.token), 404, "not_found");
    await expectProblem(await api("DELETE", `${keysPath(a.orgId)}/not-a-uuid`, a.people.owner.token), 422, "validation_failed");
    await expectProblem(await api("DELETE", `${keysPath(a.orgId)}/${mine.id}`, a.people.member.token), 403, "forbidden");
    expect((await api("GET", `/v1/orgs/${bOrg}`, theirs.key)).status).toBe(200);

    expect((await api("DELETE", `${keysPath(a.orgId)}/${mine.id}`, a.people.admin.token)).status).toBe(204);
    expect((await api("DELETE", `${keysPath(a.orgId)}/${mine.id}`, a.people.owner.token)).status).toBe(204);
    expect(await eventsOf(a.orgId, "api_key_revoked")).toBe(1);
    expect(await eventsOf(bOrg, "api_key_revoked")).toBe(0);
    const [row] = await ownerQuery("select revoked_at from api_keys where id = $1", [theirs.id]);
    expect(row?.revoked_at).toBeNull();
    const { data } = await (await api("GET", keysPath(a.orgId), a.people.owner.token)).json<{ data: CreatedKey[] }>();
    expect(data.find((k) => k.id === mine.id)?.revoked_at).not.toBeNull();
  });
});

describe("P9 API keys: what a key may do", () => {
  let orgId = "";
  let owner: Person;
  beforeAll(async () => {
    ({
      orgId,
      people: { owner },
    } = await orgWithRoles());
  });

  it("P9: GET /v1/orgs/{org} works with a key that may read records", async () => {
    const key = await createKey(orgId, owner, ["records:read"]);
    const response = await api("GET", `/v1/orgs/${orgId}`, key.key);
    expect(response.status).toBe(200);
    // Keys have scopes, not roles.
    expect(await response.json<{ id: string; role: string | null }>()).toMatchObject({ id: orgId, role: null });
  });

  const MATRIX: [string[], Permission[]][] = [
    [["records:read"], ["read"]],
    [["records:write"], ["read", "write"]],
    [["audit:read"], ["audit"]],
    [["evidence:read"], []],
    [["evidence:write"], []],
    [
      ["records:read", "records:write", "audit:read", "evidence:read", "evidence:write"],
      ["read", "write", "audit"],
    ],
  ];
  it.each(MATRIX)("P9: scopes %j allow exactly %j (never manage or own)", async (scopes, allowed) => {
    const key = await createKey(orgId, owner, scopes);
    for (const permission of PERMISSIONS) {
      const response = await probeCall(`/__keys/${orgId}/${permission}`, key.key);
      if (allowed.includes(permission)) {
        expect(response.status, permission).toBe(200);
        expect(await response.json()).toEqual({ role: null });
      } else {
        await expectProblem(response, 403, "forbidden");
      }
    }
  });

  it("P9: the database's scope table knows the evidence scopes (a write scope includes its read)", async () => {
    const [row] = await asApp(
      workerDb(),
      null,
      `select app.scope_allows('{evidence:read}', 'evidence:read') as er_er, app.scope_allows('{evidence:read}', 'evidence:write') as er_ew,
              app.scope_allows('{evidence:write}', 'evidence:read') as ew_er, app.scope_allows('{evidence:write}', 'evidence:write') as ew_ew,
              app.scope_allows('{records:write}', 'evidence:read') as rw_er, app.scope_allows('{evidence:write}', 'read') as ew_r,
              app.scope_allows('{records:write,audit:read,evidence:write}', 'manage') as all_m`,
    );
    expect(row).toEqual({ er_er: true, er_ew: false, ew_er: true, ew_ew: true, rw_er: false, ew_r: false, all_m: false });
  });

  it("P11 (refuses): a key of organization A on organization B's path is 404, as for any outsider", async () => {
    const key = await createKey(orgId, owner, ["records:read", "records:write", "audit:read"]);
    const other = await orgOf(await person("other-owner"));
    await expectProblem(await api("GET", `/v1/orgs/${other}`, key.key), 404, "not_found");
    for (const permission of PERMISSIONS) await expectProblem(await probeCall(`/__keys/${other}/${permission}`, key.key), 404, "not_found");
    await expectProblem(await api("GET", `/v1/orgs/${crypto.randomUUID()}`, key.key), 404, "not_found");
    await expectProblem(await api("GET", "/v1/orgs/not-a-uuid", key.key), 404, "not_found");
  });

  it("P9 (refuses): a suspended organization refuses its keys too (403 organization_suspended)", async () => {
    const { orgId: suspended, people } = await orgWithRoles();
    const key = await createKey(suspended, people.owner, ["records:read"]);
    await ownerQuery("update organizations set suspended_at = now() where id = $1", [suspended]);
    await expectProblem(await api("GET", `/v1/orgs/${suspended}`, key.key), 403, "organization_suspended");
  });

  it("P9 (refuses): a route that takes keys but answers without its transaction is a 500 for a key, never its data", async () => {
    const key = await createKey(orgId, owner, ["records:read"]);
    const forged = newApiKey();
    await expectProblem(await probeCall(`/__keys/${orgId}/careless`, key.key), 500, "internal_error");
    await expectProblem(await probeCall(`/__keys/${orgId}/careless`, forged), 500, "internal_error");
    expect((await probeCall(`/__keys/${orgId}/careless`, owner.token)).status).toBe(200);
  });

  it("P9 (refuses): a route that could take a key outside an organization, or at aal2, does not build", () => {
    const ok = { 200: { description: "ok" } } as const;
    expect(() => defineRoute({ method: "get", path: "/__nowhere", responses: ok }, { auth: { principals: ["api_key"] } })).toThrow(
      /organization route/,
    );
    expect(() =>
      defineRoute(
        { method: "get", path: "/{org}/strict", request: { params: OrgParams }, responses: ok },
        { auth: { principals: ["user", "api_key"], aal: "aal2" }, permission: "read" },
      ),
    ).toThrow(/without aal2/);
  });
});

describe("P9 API keys: refused keys", () => {
  let orgId = "";
  let owner: Person;
  let logs: ReturnType<typeof captureLogs> | undefined;
  beforeAll(async () => {
    ({
      orgId,
      people: { owner },
    } = await orgWithRoles());
  });
  afterAll(() => logs?.restore());

  const rejections = (lines: ReturnType<NonNullable<typeof logs>["lines"]>) =>
    lines.filter((line) => line.event === "security.api_key_rejected");

  it("P9 (refuses): a revoked key fails on its very next request (401 invalid_token)", async () => {
    const key = await createKey(orgId, owner, ["records:read"]);
    expect((await api("GET", `/v1/orgs/${orgId}`, key.key)).status).toBe(200);
    expect((await api("DELETE", `${keysPath(orgId)}/${key.id}`, owner.token)).status).toBe(204);
    const refused = await api("GET", `/v1/orgs/${orgId}`, key.key);
    await expectProblem(refused, 401, "invalid_token");
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="rampart", error="invalid_token"');
  });

  it("P9 (refuses): an expired key is 401 invalid_token, like an unknown one", async () => {
    const key = await createKey(orgId, owner, ["records:read"], { expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await api("GET", `/v1/orgs/${orgId}`, key.key)).status).toBe(200);
    await ownerQuery("update api_keys set expires_at = now() - interval '1 second' where id = $1", [key.id]);
    await expectProblem(await api("GET", `/v1/orgs/${orgId}`, key.key), 401, "invalid_token");
  });

  it("P9, P16 (refuses): an unknown key is 401 invalid_token, logged with its non-secret prefix only and not stored", async () => {
    const unknown = newApiKey();
    logs = captureLogs();
    const response = await api("GET", `/v1/orgs/${orgId}`, unknown);
    const lines = logs.lines();
    const raw = logs.raw();
    logs.restore();
    const problem = await expectProblem(response, 401, "invalid_token");
    expect(rejections(lines)).toEqual([
      expect.objectContaining({ reason: "unknown", key_prefix: unknown.slice(0, 14), request_id: problem.request_id }),
    ]);
    for (const line of raw) expect(line).not.toContain(unknown.slice(14));
    expect(await ownerCount("select count(*)::int as n from security_events where request_id = $1", [problem.request_id])).toBe(0);
  });

  it("P9 (refuses): a forged checksum or a wrong prefix is 401 without any I/O (database and Redis unreachable)", async () => {
    const key = await createKey(orgId, owner, ["records:read"]);
    const body = key.key.slice(8, 51);
    const wrongChecksum = `rk_live_${body}${apiKeyChecksum(body) === "000000" ? "000001" : "000000"}`;
    const cut = (env: typeof testEnv) => (path: string, token: string) =>
      callApp(createApp(), path, { headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": someIp() } }, env);
    const offline = cut(
      envWith({
        NEON_HTTP_ENDPOINT: "http://127.0.0.1:9/sql",
        UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
        RATE_LIMIT_FAIL_POLICY: "closed",
      }),
    );
    logs = captureLogs();
    for (const forged of [wrongChecksum, `rk_test_${key.key.slice(8)}`, `${key.key}x`, "rk_live_", `rk_live_${"0".repeat(49)}`]) {
      await expectProblem(await offline(`/v1/orgs/${orgId}`, forged), 401, "invalid_token");
    }
    const lines = logs.lines();
    logs.restore();
    expect(rejections(lines).map((line) => line.reason)).toEqual(["checksum", "checksum", "checksum", "checksum"]);
    for (const line of rejections(lines)) expect(line).not.toHaveProperty("key_prefix");
    // The same database and Redis are needed by a real key: it cannot be decided offline.
    expect((await offline(`/v1/orgs/${orgId}`, key.key)).status).toBeGreaterThanOrEqual(500);
    expect((await api("GET", `/v1/orgs/${orgId}`, key.key)).status).toBe(200);
  });

  it("P9 (refuses): routes for people only refuse a live key with 401 (/v1/auth/me, sessions)", async () => {
    const key = await createKey(orgId, owner, ["records:read", "records:write", "audit:read"]);
    await expectProblem(await api("GET", "/v1/auth/me", key.key), 401, "invalid_token");
    await expectProblem(await api("GET", "/v1/auth/sessions", key.key), 401, "invalid_token");
    await expectProblem(await api("POST", "/v1/auth/logout", key.key, {}), 401, "invalid_token");
  });

  it("P9 (refuses): the database refuses what the API refuses: unknown, revoked and expired digests raise RAKEY", async () => {
    const live = await createKey(orgId, owner, ["records:read"]);
    const revoked = await createKey(orgId, owner, ["records:read"]);
    await api("DELETE", `${keysPath(orgId)}/${revoked.id}`, owner.token);
    const secret = testEnv.API_KEY_HASH_SECRET ?? "";
    const digestOf = (key: string) => apiKeyDigest(secret, key);
    expect(await asApp(workerDb(), null, `select auth.authenticate_api_key('${await digestOf(live.key)}') as id`)).toEqual([
      { id: live.id },
    ]);
    for (const key of [revoked.key, newApiKey()]) {
      const err = await dbError(asApp(workerDb(), null, `select auth.authenticate_api_key('${await digestOf(key)}')`));
      expect(err.code).toBe("RAKEY");
    }
    // Nobody can act as a key by naming its id and another org: the check refuses a foreign org.
    const other = await orgOf(await person());
    const err = await dbError(asApp(workerDb(), { orgId: other, apiKeyId: live.id }, "select app.authorize('read', null)"));
    expect(err.code).toBe("RA404");
  });
});

describe("P11 API keys: authenticated inside the request's one transaction", () => {
  it("P11: a key's context, its check and the work cost exactly one database round trip; an unknown key fails it whole", async () => {
    const { orgId, people } = await orgWithRoles();
    const key = await createKey(orgId, people.owner, ["records:read"]);
    const target = workerDb();
    const secret = testEnv.API_KEY_HASH_SECRET ?? "";
    const tag = `api-key-${crypto.randomUUID()}`;
    const db = await createDatabase(tagged(target.app, tag));
    const actor = { kind: "api_key", keyDigest: await apiKeyDigest(secret, key.key) } as const;
    const [role, self, orgs] = await inTenant(db, { orgId, actor }, (tx) => [
      tx.execute(sql`select app.authorize('read', null) as role`),
      tx.execute(sql`select app.current_api_key_id() as id`),
      tx.execute(sql`select id from organizations`),
    ]);
    expect(await roundTrips(target, tag)).toBe(1);
    expect(role.rows).toEqual([{ role: null }]);
    expect(self.rows).toEqual([{ id: key.id }]);
    expect(orgs.rows).toEqual([{ id: orgId }]);

    const unknown = { kind: "api_key", keyDigest: await apiKeyDigest(secret, newApiKey()) } as const;
    const failed = inTenant(db, { orgId, actor: unknown }, (tx) => [tx.execute(sql`select id from organizations`)]);
    expect((await dbError(failed)).code).toBe("RAKEY");
  });
});

describe("P4 API keys: per-key limits and last use", () => {
  it("P4: a key's requests share one per-key counter; another key of the same org has its own", async () => {
    const { orgId, people } = await orgWithRoles();
    const [first, second] = [
      await createKey(orgId, people.owner, ["records:read"]),
      await createKey(orgId, people.owner, ["records:read"]),
    ];
    const remaining = (response: Response): number => Number(/"user";r=(\d+)/.exec(response.headers.get("ratelimit") ?? "")?.[1]);
    const a1 = remaining(await api("GET", `/v1/orgs/${orgId}`, first.key));
    const a2 = remaining(await api("GET", `/v1/orgs/${orgId}`, first.key));
    const b1 = remaining(await api("GET", `/v1/orgs/${orgId}`, second.key));
    expect(a2).toBe(a1 - 1);
    expect(b1).toBe(a1);
  });

  it("P9: last_used_at is written after a key's first request of the minute, and not again within it", async () => {
    const { orgId, people } = await orgWithRoles();
    const key = await createKey(orgId, people.owner, ["records:read"]);
    const lastUsed = async (): Promise<string | null> => {
      const [row] = await ownerQuery("select last_used_at::text as t from api_keys where id = $1", [key.id]);
      return (row?.t as string | null | undefined) ?? null;
    };
    expect(await lastUsed()).toBeNull();
    expect((await api("GET", `/v1/orgs/${orgId}`, key.key)).status).toBe(200);
    let first: string | null = null;
    for (let i = 0; i < 50 && first === null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      first = await lastUsed();
    }
    expect(first).not.toBeNull();
    expect((await api("GET", `/v1/orgs/${orgId}`, key.key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await lastUsed()).toBe(first);
    const { data } = await (await api("GET", keysPath(orgId), people.owner.token)).json<{ data: CreatedKey[] }>();
    expect(data[0]?.last_used_at).not.toBeNull();
  });
});
