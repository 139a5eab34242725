/**
 * P18 Webhooks, the bank's OAuth2 callback (with P12 and P9). The attacks: a state
 * replayed, kept past its 10 minutes, carried to another browser or session, or
 * tampered with (login CSRF: attaching the attacker's bank account to the victim's
 * organization, or the victim's grant to the attacker's); a forged error or issuer
 * (mix-up); a code without its PKCE verifier; a member who is not an owner or admin,
 * or no longer one by the time the bank answers. Every broken path ends with a clear
 * problem or an error redirect and nothing stored. The bank is `oauth2-mock-server`
 * made strict (test/stack/bank-oauth.ts), reached by the worker's real entry point.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { seal } from "../../src/crypto/envelope";
import {
  appResult,
  approve,
  bankRequests,
  callback,
  connectBank,
  connectionRow,
  digestOf,
  requestsWith,
  startConnect,
  tokensOf,
} from "../helpers/bank";
import { API_CSP, expectProblem, expectSecureHeaders } from "../helpers/expect";
import { jwtPayload, ownerCount, ownerQuery } from "../helpers/identity-ip";
import { api, orgWithRoles, person, someIp } from "../helpers/orgs";
import { directRedis } from "../helpers/upstash";
import { workerDb } from "../helpers/identity";
import { asOwner } from "../helpers/tenants";
import { call, callApp, envWith, testEnv } from "../helpers/worker";

const KEYS = testEnv.DATA_ENCRYPTION_KEYS ?? "";

interface Connection {
  readonly status: string;
  readonly scopes: string[];
  readonly connected_by: string | null;
  readonly connected_at: string | null;
  readonly access_token_expires_at: string | null;
  readonly refreshed_at: string | null;
  readonly broken_reason: string | null;
}

async function statusOf(orgId: string, token: string): Promise<Connection> {
  const res = await api("GET", `/v1/orgs/${orgId}/integrations/bank`, token);
  expect(res.status).toBe(200);
  const text = await res.text();
  // Never a token in any answer: the bank's tokens are JWTs (and its refresh tokens UUIDs, which no field here holds).
  expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
  return JSON.parse(text) as Connection;
}

/** Changes the connection as the database owner, acting as `userId` (the table's trigger stamps an actor). */
function ownerUpdate(userId: string, text: string, params: unknown[]): Promise<unknown> {
  return asOwner(workerDb(), { text: "select set_config('app.user_id', $1, true)", params: [userId] }, { text, params });
}

/** The Redis keys of `orgId`'s pending states. */
async function stateKeys(orgId: string): Promise<string[]> {
  return directRedis().keys(`oauth:bank:org:${orgId}:state:*`);
}

describe("P18 bank OAuth2: the flow", () => {
  it("P18: connect sends the browser to the bank with PKCE (S256) and a state bound by a cookie; the callback stores the connection", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.admin);
    const authorize = started.authorizeUrl;
    expect(authorize.origin).toBe(new URL(testEnv.BANK_ISSUER ?? "").origin);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: "code",
      client_id: testEnv.BANK_CLIENT_ID,
      redirect_uri: "https://api.rampart.test/oauth/bank/callback",
      code_challenge_method: "S256",
      scope: "accounts:read",
    });
    expect(authorize.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(started.state).toMatch(new RegExp(`^${orgId}\\.[\\w-]{43}$`));
    expect(started.setCookie).toMatch(/^__Host-rampart-bank-oauth=[^;]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect(started.response.headers.get("cache-control")).toBe("no-store");

    const back = await callback(await approve(started), started.cookie);
    expect(back.status).toBe(302);
    expect(appResult(back)).toEqual({ path: "/settings/integrations/bank", result: "connected", reason: null });
    expect(new URL(back.headers.get("location") ?? "").origin).toBe(new URL(testEnv.APP_URL ?? "https://app.rampart.example").origin);
    expect(back.headers.get("set-cookie")).toMatch(/^__Host-rampart-bank-oauth=; Max-Age=0/);

    const connection = await statusOf(orgId, people.owner.token);
    expect(connection).toMatchObject({ status: "connected", connected_by: people.admin.id, broken_reason: null });
    expect(connection.scopes).toEqual(["accounts:read"]);
    expect(Date.parse(connection.access_token_expires_at ?? "")).toBeGreaterThan(Date.now());
    const row = await connectionRow(orgId);
    expect(String(row?.access_token_sealed)).toMatch(/^e1\.v\d+\./);
    expect(String(row?.refresh_token_sealed)).toMatch(/^e1\.v\d+\./);
    expect(await ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = 'bank_connected'", [orgId])).toBe(
      1,
    );
    // The state was used: nothing of it is left in Redis.
    expect(await stateKeys(orgId)).toEqual([]);
  });

  it("P18: a browser app asking for JSON gets the authorization URL and the same binding cookie, and completes the flow", async () => {
    const { orgId, people } = await orgWithRoles();
    const res = await call(`/v1/orgs/${orgId}/integrations/bank/connect`, {
      headers: { authorization: `Bearer ${people.owner.token}`, accept: "application/json", "cf-connecting-ip": someIp() },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { authorization_url: url } = await res.json<{ authorization_url: string }>();
    const cookie = /__Host-rampart-bank-oauth=([^;]+); Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax/.exec(
      res.headers.get("set-cookie") ?? "",
    )?.[1];
    expect(cookie).toBeDefined();
    const started = {
      response: res,
      authorizeUrl: new URL(url),
      state: new URL(url).searchParams.get("state") ?? "",
      cookie: cookie ?? "",
      setCookie: "",
    };
    expect(appResult(await callback(await approve(started), started.cookie)).result).toBe("connected");
  });

  it("P12: the pending state lives in Redis under a key carrying the organization, for at most 10 minutes, never in clear", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.owner);
    const [key, ...others] = await stateKeys(orgId);
    expect(others).toEqual([]);
    expect(key).toMatch(new RegExp(`^oauth:bank:org:${orgId}:state:[\\w-]{43}$`));
    const redis = directRedis();
    const ttl = await redis.ttl(key ?? "");
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    const stored = JSON.stringify(await redis.get(key ?? ""));
    expect(stored).not.toContain(started.state);
    expect(stored).not.toContain(started.state.split(".")[1]);
    expect(stored).not.toContain(started.cookie.split(".")[1]);
    expect(stored).toContain(String(jwtPayload(people.owner.token).sid));
  });

  it("P18: the bank's status, check and disconnect: never a token, revoked at the bank, again 204", async () => {
    const { orgId, people } = await orgWithRoles();
    expect((await statusOf(orgId, people.owner.token)).status).toBe("not_connected");
    expect((await connectBank(orgId, people.owner)).status).toBe(302);
    const check = await api("POST", `/v1/orgs/${orgId}/integrations/bank/check`, people.admin.token);
    expect(check.status).toBe(200);
    expect(await check.text()).not.toMatch(/eyJ[\w-]+\.eyJ/);
    const { refresh } = await tokensOf(orgId);
    const before = (await bankRequests()).length;
    expect((await api("DELETE", `/v1/orgs/${orgId}/integrations/bank`, people.admin.token)).status).toBe(204);
    expect(await connectionRow(orgId)).toBeNull();
    expect((await statusOf(orgId, people.owner.token)).status).toBe("not_connected");
    // The refresh token (the grant) is revoked at the bank, after the response.
    await expect.poll(async () => (await requestsWith(before, refresh)).map((r) => r.path)).toEqual(["/revoke"]);
    expect((await api("DELETE", `/v1/orgs/${orgId}/integrations/bank`, people.admin.token)).status).toBe(204);
    expect(
      await ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = 'bank_disconnected'", [orgId]),
    ).toBe(1);
  });

  it("P9 (refuses): only owners and admins connect, see or remove the connection; outsiders get 404", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const role of ["member", "auditor", "viewer"] as const) {
      await expectProblem(await api("GET", `/v1/orgs/${orgId}/integrations/bank/connect`, people[role].token), 403, "forbidden");
      await expectProblem(await api("GET", `/v1/orgs/${orgId}/integrations/bank`, people[role].token), 403, "forbidden");
      await expectProblem(await api("DELETE", `/v1/orgs/${orgId}/integrations/bank`, people[role].token), 403, "forbidden");
    }
    await expectProblem(
      await api("GET", `/v1/orgs/${orgId}/integrations/bank/connect`, (await person("outsider")).token),
      404,
      "not_found",
    );
    await expectProblem(await api("GET", `/v1/orgs/${orgId}/integrations/bank/connect`, undefined), 401, "authentication_required");
    expect(await stateKeys(orgId)).toEqual([]);
  });

  it("P18 (refuses): without a configured bank the routes answer 503 bank_not_configured", async () => {
    const { orgId, people } = await orgWithRoles();
    const res = await callApp(
      createApp(),
      `/v1/orgs/${orgId}/integrations/bank/connect`,
      { headers: { authorization: `Bearer ${people.owner.token}`, "cf-connecting-ip": "10.9.9.9" } },
      envWith({ BANK_ISSUER: undefined }),
    );
    await expectProblem(res, 503, "bank_not_configured");
  });
});

describe("P18 bank OAuth2: a state works once, in its own session, for 10 minutes", () => {
  it("P18 (refuses): a replayed callback is 400 invalid_oauth_state and changes nothing", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.owner);
    const url = await approve(started);
    expect(appResult(await callback(url, started.cookie)).result).toBe("connected");
    const first = await connectionRow(orgId);
    const before = (await bankRequests()).length;
    const replay = await callback(url, started.cookie);
    // Browsers navigate here with the binding cookie: the answer is served as a document (P2).
    expectSecureHeaders(replay, API_CSP, "document");
    await expectProblem(replay, 400, "invalid_oauth_state");
    expect(await connectionRow(orgId)).toEqual(first);
    expect(await requestsWith(before, url.searchParams.get("code") ?? undefined)).toEqual([]);
  });

  it("P18 (refuses): an expired state is refused even while Redis still holds it; Redis drops it after 10 minutes anyway", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.owner);
    const [key = ""] = await stateKeys(orgId);
    const redis = directRedis();
    const record = await redis.get<Record<string, unknown>>(key);
    await redis.set(key, { ...record, expires_at: Date.now() - 1000 }, { keepTtl: true });
    await expectProblem(await callback(await approve(started), started.cookie), 400, "invalid_oauth_state");
    expect(await connectionRow(orgId)).toBeNull();
    // And one whose key expired is simply unknown.
    const again = await startConnect(orgId, people.owner);
    const [gone = ""] = await stateKeys(orgId);
    await redis.pexpire(gone, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expectProblem(await callback(await approve(again), again.cookie), 400, "invalid_oauth_state");
    expect(await connectionRow(orgId)).toBeNull();
  });

  it("P18 (refuses): a state taken to another session or browser is refused, and burnt for everyone", async () => {
    const { orgId, people } = await orgWithRoles();
    const victim = await startConnect(orgId, people.owner);
    const victimCallback = await approve(victim);
    // Another admin of the same organization, with a binding cookie of their own.
    const other = await startConnect(orgId, people.admin);
    await expectProblem(await callback(victimCallback, other.cookie), 400, "invalid_oauth_state");
    // The owner's own browser now finds it gone: a state is tried once.
    await expectProblem(await callback(victimCallback, victim.cookie), 400, "invalid_oauth_state");
    // No cookie at all, and a cookie whose session matches but whose nonce does not.
    const third = await startConnect(orgId, people.owner);
    const thirdUrl = await approve(third);
    await expectProblem(await callback(thirdUrl, null), 400, "invalid_oauth_state");
    const fourth = await startConnect(orgId, people.owner);
    const [sid] = fourth.cookie.split(".");
    await expectProblem(await callback(await approve(fourth), `${sid}.${"A".repeat(43)}`), 400, "invalid_oauth_state");
    expect(await connectionRow(orgId)).toBeNull();
  });

  it("P18 (refuses): a session revoked between connect and callback cannot finish the connection", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.owner);
    await directRedis().set(`rs:revoked:${String(jwtPayload(people.owner.token).sid)}`, 1, { ex: 60 });
    await expectProblem(await callback(await approve(started), started.cookie), 400, "invalid_oauth_state");
    expect(await connectionRow(orgId)).toBeNull();
  });

  it("P18 (refuses): a tampered state (another organization's id, altered randomness, garbage) is refused with no I/O to the bank", async () => {
    const a = await orgWithRoles();
    const b = await orgWithRoles();
    const started = await startConnect(a.orgId, a.people.owner);
    const url = await approve(started);
    const before = (await bankRequests()).length;
    const [, random = ""] = started.state.split(".");
    const tamper = (state: string) => {
      const copy = new URL(url);
      copy.searchParams.set("state", state);
      return copy;
    };
    for (const state of [
      `${b.orgId}.${random}`,
      `${a.orgId}.${random.slice(0, -1)}${random.endsWith("A") ? "B" : "A"}`,
      "x",
      `${a.orgId}.`,
    ]) {
      await expectProblem(await callback(tamper(state), started.cookie), 400, "invalid_oauth_state");
    }
    const missing = new URL(url);
    missing.searchParams.delete("state");
    await expectProblem(await callback(missing, started.cookie), 422, "validation_failed");
    expect(await requestsWith(before, url.searchParams.get("code") ?? undefined)).toEqual([]);
    expect(await connectionRow(a.orgId)).toBeNull();
    expect(await connectionRow(b.orgId)).toBeNull();
  });
});

describe("P18 bank OAuth2: what the bank answers", () => {
  it("P18 (refuses): an error from the bank ends in an error redirect, nothing exchanged or stored", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.owner);
    const url = await approve(started);
    const code = url.searchParams.get("code") ?? undefined;
    url.searchParams.delete("code");
    url.searchParams.set("error", "access_denied");
    url.searchParams.set("error_description", "The user said no; <b>really</b> ' or 1=1 --");
    const before = (await bankRequests()).length;
    const back = await callback(url, started.cookie);
    expect(back.status).toBe(302);
    expect(appResult(back)).toEqual({ path: "/settings/integrations/bank", result: "error", reason: "access_denied" });
    expect(await requestsWith(before, code)).toEqual([]);
    expect(await connectionRow(orgId)).toBeNull();
  });

  it("P18 (refuses): a mismatched or missing issuer (mix-up) ends in an error redirect, nothing exchanged or stored", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const iss of ["https://evil.example", null]) {
      const started = await startConnect(orgId, people.owner);
      const url = await approve(started);
      if (iss === null) url.searchParams.delete("iss");
      else url.searchParams.set("iss", iss);
      const before = (await bankRequests()).length;
      const back = await callback(url, started.cookie);
      expect(appResult(back)).toMatchObject({ result: "error", reason: "issuer_mismatch" });
      expect(await requestsWith(before, url.searchParams.get("code") ?? undefined)).toEqual([]);
    }
    expect(await connectionRow(orgId)).toBeNull();
  });

  it("P18 (refuses): a tampered code is refused by the bank: error redirect, nothing stored", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.owner);
    const url = await approve(started);
    url.searchParams.set("code", crypto.randomUUID());
    const back = await callback(url, started.cookie);
    expect(appResult(back)).toMatchObject({ result: "error" });
    expect(await connectionRow(orgId)).toBeNull();
  });

  it("P9 (refuses): an admin demoted before the bank answers stores nothing; the fresh grant is revoked at the bank", async () => {
    const { orgId, people } = await orgWithRoles();
    const started = await startConnect(orgId, people.admin);
    const url = await approve(started);
    await ownerQuery("update memberships set role = 'member' where org_id = $1 and user_id = $2", [orgId, people.admin.id]);
    const before = (await bankRequests()).length;
    const back = await callback(url, started.cookie);
    expect(appResult(back)).toMatchObject({ result: "error", reason: "forbidden" });
    expect(await connectionRow(orgId)).toBeNull();
    // The code was exchanged (the bank answered before the check could run) and the refresh token it issued revoked.
    const [exchange] = await requestsWith(before, url.searchParams.get("code") ?? undefined);
    expect(exchange).toMatchObject({ path: "/token", grantType: "authorization_code", status: 200 });
    await expect
      .poll(async () => (await bankRequests()).slice(before).filter((r) => r.path === "/revoke" && r.subject === exchange?.issued))
      .toHaveLength(1);
  });
});

describe("P18 bank OAuth2: tokens in use", () => {
  it("P18: an expired access token is refreshed when used; the refresh token rotates", async () => {
    const { orgId, people } = await orgWithRoles();
    await connectBank(orgId, people.owner);
    const first = await connectionRow(orgId);
    const old = await tokensOf(orgId);
    await ownerUpdate(
      people.owner.id,
      "update bank_connections set access_token_expires_at = now() - interval '1 minute' where org_id = $1",
      [orgId],
    );
    const before = (await bankRequests()).length;
    const res = await api("POST", `/v1/orgs/${orgId}/integrations/bank/check`, people.owner.token);
    expect(res.status).toBe(200);
    const body = await res.json<Connection>();
    expect(body.status).toBe("connected");
    expect(Date.parse(body.refreshed_at ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(body.access_token_expires_at ?? "")).toBeGreaterThan(Date.now());
    const after = await connectionRow(orgId);
    expect(after?.token_version).toBe(Number(first?.token_version) + 1);
    expect(after?.access_token_sealed).not.toBe(first?.access_token_sealed);
    expect(after?.refresh_token_sealed).not.toBe(first?.refresh_token_sealed);
    const renewed = await tokensOf(orgId);
    const refreshGrant = await requestsWith(before, old.refresh);
    expect(refreshGrant).toEqual([
      expect.objectContaining({ path: "/token", grantType: "refresh_token", status: 200, issued: await digestOf(renewed.refresh ?? "") }),
    ]);
    expect((await requestsWith(before, renewed.access)).map((r) => r.path)).toEqual(["/userinfo"]);
    expect(await requestsWith(before, old.access)).toEqual([]);
    // A live token is used as it is: no refresh.
    const again = (await bankRequests()).length;
    expect((await api("POST", `/v1/orgs/${orgId}/integrations/bank/check`, people.owner.token)).status).toBe(200);
    expect((await requestsWith(again, renewed.access, renewed.refresh)).map((r) => r.path)).toEqual(["/userinfo"]);
  });

  it("P18 (refuses): a refresh the bank refuses marks the connection broken, once, with its event; later uses do not call the bank", async () => {
    const { orgId, people } = await orgWithRoles();
    await connectBank(orgId, people.owner);
    // The bank forgot the grant (revoked on its side): a refresh token it never issued.
    const bogusToken = crypto.randomUUID();
    const bogus = await seal(KEYS, bogusToken, { orgId, integration: "bank", column: "refresh_token" });
    await ownerUpdate(
      people.owner.id,
      "update bank_connections set refresh_token_sealed = $2, access_token_expires_at = now() - interval '1 minute' where org_id = $1",
      [orgId, bogus],
    );
    const first = (await bankRequests()).length;
    await expectProblem(await api("POST", `/v1/orgs/${orgId}/integrations/bank/check`, people.owner.token), 409, "bank_connection_broken");
    expect(await requestsWith(first, bogusToken)).toEqual([expect.objectContaining({ grantType: "refresh_token", status: 400 })]);
    const connection = await statusOf(orgId, people.owner.token);
    expect(connection).toMatchObject({ status: "broken", broken_reason: "invalid_grant" });
    expect(
      await ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = 'bank_connection_broken'", [orgId]),
    ).toBe(1);
    const { access } = await tokensOf(orgId);
    const before = (await bankRequests()).length;
    await expectProblem(await api("POST", `/v1/orgs/${orgId}/integrations/bank/check`, people.owner.token), 409, "bank_connection_broken");
    expect(await requestsWith(before, access, bogusToken)).toEqual([]);
    // Connecting again repairs it.
    expect(appResult(await connectBank(orgId, people.owner)).result).toBe("connected");
    expect((await statusOf(orgId, people.owner.token)).status).toBe("connected");
  });

  it("P18 (refuses): a bank that does not answer is 502 bank_unavailable and leaves the connection as it was", async () => {
    const { orgId, people } = await orgWithRoles();
    await connectBank(orgId, people.owner);
    await ownerUpdate(
      people.owner.id,
      "update bank_connections set access_token_expires_at = now() - interval '1 minute' where org_id = $1",
      [orgId],
    );
    const down = await callApp(
      createApp(),
      `/v1/orgs/${orgId}/integrations/bank/check`,
      { method: "POST", headers: { authorization: `Bearer ${people.owner.token}`, "cf-connecting-ip": "10.9.9.8" } },
      envWith({ BANK_ISSUER: "http://127.0.0.1:9" }),
    );
    await expectProblem(down, 502, "bank_unavailable");
    expect((await statusOf(orgId, people.owner.token)).status).toBe("connected");
  });
});
