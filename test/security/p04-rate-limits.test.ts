/**
 * P4 Rate limits. Attacks covered: request floods from one address; credential
 * stuffing (one account tried from many addresses) and brute force (many accounts,
 * or many passwords, from one address) on the login preset; a user or API key
 * spreading requests over many addresses; hammering one endpoint; and the cost of
 * the limiter itself: all limits of a request plus the session-revocation read in
 * ONE Upstash round trip, none for a caller this isolate already refused.
 * Outages (fail closed / open) are in p04-rate-limit-outage.test.ts.
 *
 * Runs in its own vitest project with its own Upstash stand-in (test/vitest.config.ts):
 * other files switch the shared stand-in's backend off, which would turn a 429 here into a pass.
 */
import { describe, expect, it } from "vitest";
import { clientAddress, policyHeader, RATE_LIMIT_POLICIES } from "../../src/pipeline/rate-limit";
import type { RedisCheckOutcome } from "../../src/context";
import { parseConfig, type Bindings } from "../../src/env";
import { expectProblem, expectSecureHeaders } from "../helpers/expect";
import { randomEmail, randomIp, rateLimitProbeApp, REVOKED_PREFIX } from "../helpers/rate-limit-probe";
import { directRedis, newTag, roundTrips, taggedEnv } from "../helpers/upstash";
import { accessTokenFor } from "../helpers/tokens";
import { callApp, envWith, testEnv } from "../helpers/worker";

const { app, state } = rateLimitProbeApp();

interface Caller {
  ip?: string;
  user?: string;
  key?: string;
  org?: string;
  session?: string;
  /** The probe admits the caller as the organization's (its org limits are consumed after the response). */
  member?: boolean;
  /** A real access token (routes that authenticate). */
  token?: string;
}

function headersOf(caller: Caller): Record<string, string> {
  const headers: Record<string, string> = {};
  if (caller.ip !== undefined) headers["cf-connecting-ip"] = caller.ip;
  if (caller.user !== undefined) headers["x-probe-user"] = caller.user;
  if (caller.key !== undefined) headers["x-probe-key"] = caller.key;
  if (caller.org !== undefined) headers["x-probe-org"] = caller.org;
  if (caller.session !== undefined) headers["x-probe-session"] = caller.session;
  if (caller.member === true) headers["x-probe-member"] = "1";
  if (caller.token !== undefined) headers.authorization = `Bearer ${caller.token}`;
  return headers;
}

function get(path: string, caller: Caller, env: Bindings = testEnv): Promise<Response> {
  return callApp(app, path, { headers: headersOf(caller) }, env);
}

function login(email: string, caller: Caller, env: Bindings = testEnv): Promise<Response> {
  return callApp(
    app,
    "/__rl/login",
    {
      method: "POST",
      headers: { ...headersOf(caller), "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse" }),
    },
    env,
  );
}

/** Sends `count` requests one after another; returns their statuses. */
async function sequence(count: number, send: (i: number) => Promise<Response>): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await send(i);
    await response.arrayBuffer();
    result.push(response.status);
  }
  return result;
}

const times = (n: number, status: number): number[] => Array<number>(n).fill(status);

describe("P4 response fields", () => {
  it("P4: an allowed request carries RateLimit-Policy and RateLimit for each limit applied", async () => {
    const response = await get("/__rl/default-hour", { ip: randomIp(), user: crypto.randomUUID(), org: crypto.randomUUID() });
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-policy")).toBe('"ip";q=1200;w=3600, "user";q=600;w=3600, "org";q=6000;w=3600');
    expect(response.headers.get("ratelimit")).toMatch(/^"ip";r=1199;t=\d+, "user";r=599;t=\d+, "org";r=5999;t=\d+$/);
    expect(response.headers.has("retry-after")).toBe(false);
  });

  it("P4: an anonymous caller is counted per IP only, and RateLimit counts down", async () => {
    const caller = { ip: randomIp() };
    const first = await get("/__rl/default-hour", caller);
    const second = await get("/__rl/default-hour", caller);
    expect(first.headers.get("ratelimit-policy")).toBe('"ip";q=1200;w=3600');
    expect(first.headers.get("ratelimit")).toMatch(/^"ip";r=1199;t=\d+$/);
    expect(second.headers.get("ratelimit")).toMatch(/^"ip";r=1198;t=\d+$/);
  });

  it("P4 (refuses): the request over the limit gets 429 rate_limited with Retry-After, RateLimit-Policy, RateLimit and the request id, before the handler", async () => {
    const caller = { ip: randomIp() };
    expect(await sequence(3, () => get("/__rl/small", caller))).toEqual([200, 200, 200]);
    const calls = state.calls;
    const response = await get("/__rl/small", caller);
    const problem = await expectProblem(response, 429, "rate_limited");
    expect(problem.request_id).toMatch(/^[\w=-]+$/);
    const retryAfter = Number(response.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(response.headers.get("ratelimit-policy")).toBe('"ip";q=3;w=3600');
    expect(response.headers.get("ratelimit")).toBe(`"ip";r=0;t=${retryAfter}`);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expectSecureHeaders(response);
    expect(state.calls).toBe(calls);
  });

  it("P4: the fields follow the structured-field syntax of draft-ietf-httpapi-ratelimit-headers", () => {
    expect(policyHeader(RATE_LIMIT_POLICIES.login.limits)).toBe('"ip";q=1200;w=60, "login-ip";q=20;w=900, "login-account";q=10;w=900');
  });
});

describe("P4 login preset (per IP and per account)", () => {
  it("P4 (refuses): one account attacked from many IPs is capped at the account limit (credential stuffing)", async () => {
    const victim = randomEmail();
    const results = await sequence(10, () => login(victim, { ip: randomIp() }));
    expect(results).toEqual(times(10, 200));
    // Case and surrounding spaces do not make a new account.
    const response = await login(`  ${victim.toUpperCase()} `, { ip: randomIp() });
    await expectProblem(response, 429, "rate_limited");
    expect(response.headers.get("ratelimit")).toMatch(/"login-account";r=0;t=\d+/);
    // Another account from a fresh address is unaffected.
    expect((await login(randomEmail(), { ip: randomIp() })).status).toBe(200);
  });

  it("P4 (refuses): one IP trying many accounts is capped at the per-IP limit (brute force)", async () => {
    const ip = randomIp();
    expect(await sequence(20, () => login(randomEmail(), { ip }))).toEqual(times(20, 200));
    const response = await login(randomEmail(), { ip });
    await expectProblem(response, 429, "rate_limited");
    expect(response.headers.get("ratelimit")).toMatch(/"login-ip";r=0;t=\d+/);
    expect((await login(randomEmail(), { ip: randomIp() })).status).toBe(200);
  });

  it("P4: the production auth presets fail closed and limit per IP and per account, tighter than the default", () => {
    for (const name of ["login", "signup", "password-reset", "mfa", "token"] as const) {
      const policy = RATE_LIMIT_POLICIES[name];
      expect(policy.onUnavailable, name).toBe("closed");
      const strict = policy.limits.filter((rule) => rule.scope !== "api");
      expect([...new Set(strict.map((rule) => rule.subject))].sort(), name).toEqual(["account", "ip"]);
      for (const rule of strict) expect(rule.tokens, `${name} ${rule.name}`).toBeLessThanOrEqual(60);
    }
  });
});

describe("P4 per user or API key, per endpoint", () => {
  it("P4 (refuses): a user's limit holds across IPs, and another user from the same IP is unaffected", async () => {
    const user = crypto.randomUUID();
    expect(await sequence(3, () => get("/__rl/user", { user, ip: randomIp() }))).toEqual([200, 200, 200]);
    const ip = randomIp();
    const response = await get("/__rl/user", { user, ip });
    await expectProblem(response, 429, "rate_limited");
    expect(response.headers.get("ratelimit")).toMatch(/"user";r=0;t=\d+/);
    expect((await get("/__rl/user", { user: crypto.randomUUID(), ip })).status).toBe(200);
  });

  it("P4 (refuses): an API key's limit holds across IPs, separately from users", async () => {
    const key = crypto.randomUUID();
    expect(await sequence(3, () => get("/__rl/user", { key, ip: randomIp() }))).toEqual([200, 200, 200]);
    await expectProblem(await get("/__rl/user", { key, ip: randomIp() }), 429, "rate_limited");
    // A user whose id happens to equal the key's id has a counter of its own.
    expect((await get("/__rl/user", { user: key, ip: randomIp() })).status).toBe(200);
  });

  it("P4: an endpoint's limit is counted per endpoint: exhausting one leaves another open", async () => {
    const caller = { ip: randomIp() };
    expect(await sequence(2, () => get("/__rl/endpoint-a", caller))).toEqual([200, 200]);
    await expectProblem(await get("/__rl/endpoint-a", caller), 429, "rate_limited");
    expect(await sequence(2, () => get("/__rl/endpoint-b", caller))).toEqual([200, 200]);
    await expectProblem(await get("/__rl/endpoint-b", caller), 429, "rate_limited");
  });

  it("P4: IPv6 clients are counted per /64 and IPv4-mapped addresses as IPv4", () => {
    expect(clientAddress("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientAddress("2001:DB8:1:2::ffff")).toBe("2001:db8:1:2::/64");
    expect(clientAddress("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientAddress("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientAddress(" 203.0.113.9 ")).toBe("203.0.113.9");
    expect(clientAddress(undefined)).toBe("unknown");
  });
});

describe("P4 round trips to Upstash", () => {
  it("P4: all limits of one request and a session-revocation read cost exactly one Upstash HTTP request", async () => {
    const org = crypto.randomUUID();
    // Scripts are loaded once per Redis (NOSCRIPT → EVAL); warm them up outside the count.
    await get("/__rl/many", { ip: randomIp(), user: crypto.randomUUID(), org });
    const tag = newTag("p04-batch");
    const env = taggedEnv(tag);
    const caller = { ip: randomIp(), user: crypto.randomUUID(), org, session: crypto.randomUUID() };

    const first = await get("/__rl/many", caller, env);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"ip";q=100;w=3600, "user";q=100;w=3600, "org";q=100;w=3600, "route";q=100;w=3600');
    expect(await roundTrips(tag)).toBe(1);
    const outcome = state.revocation.get(first.headers.get("x-request-id") ?? "");
    expect(outcome).toEqual<RedisCheckOutcome>({ ok: true, result: 0 });

    // Revoked: the same single round trip reports it.
    await directRedis().set(`${REVOKED_PREFIX}${caller.session}`, 1);
    const second = await get("/__rl/many", caller, env);
    expect(second.status).toBe(200);
    expect(await roundTrips(tag)).toBe(2);
    expect(state.revocation.get(second.headers.get("x-request-id") ?? "")).toEqual<RedisCheckOutcome>({ ok: true, result: 1 });

    // Four limits without a revocation read: still one.
    await get("/__rl/many", { ip: caller.ip, user: caller.user, org }, env);
    expect(await roundTrips(tag)).toBe(3);

    // A caller the organization admitted: the organization's limit, only read before the handler,
    // is consumed after the response, in a round trip of its own (p12-org-limit-outsiders.test.ts
    // counts the one before the handler from inside it).
    const member = await get("/__rl/many", { ...caller, member: true }, env);
    expect(member.status).toBe(200);
    expect(await roundTrips(tag)).toBe(5);
  });

  it("P4 (refuses): a caller this isolate already refused is refused again with 0 Upstash round trips", async () => {
    await get("/__rl/small", { ip: randomIp() });
    const tag = newTag("p04-cache");
    const env = taggedEnv(tag);
    const caller = { ip: randomIp() };
    expect(await sequence(4, () => get("/__rl/small", caller, env))).toEqual([200, 200, 200, 429]);
    expect(await roundTrips(tag)).toBe(4);
    for (let i = 0; i < 3; i++) {
      const response = await get("/__rl/small", caller, env);
      await expectProblem(response, 429, "rate_limited");
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(response.headers.get("ratelimit")).toMatch(/^"ip";r=0;t=\d+$/);
    }
    expect(await roundTrips(tag)).toBe(4);
  });

  it("P4: an exempt route costs no round trip; checks deferred on it cost exactly one", async () => {
    const tag = newTag("p04-exempt");
    const env = taggedEnv(tag);
    const plain = await get("/__rl/exempt", { ip: randomIp() }, env);
    expect(plain.status).toBe(200);
    expect(plain.headers.has("ratelimit")).toBe(false);
    expect(await roundTrips(tag)).toBe(0);
    const checked = await get("/__rl/exempt-checked", { ip: randomIp(), session: crypto.randomUUID(), token: await accessTokenFor() }, env);
    expect(checked.status).toBe(200);
    // The probe's read, stage 4's revocation read and its last-seen write: one request.
    expect(await roundTrips(tag)).toBe(1);
    expect(state.revocation.get(checked.headers.get("x-request-id") ?? "")).toEqual<RedisCheckOutcome>({ ok: true, result: 0 });
  });

  it("P4: the platform routes are exempt: /healthz answers without RateLimit fields", async () => {
    const response = await callApp(app, "/healthz", { headers: { "cf-connecting-ip": randomIp() } });
    expect(response.status).toBe(200);
    expect(response.headers.has("ratelimit")).toBe(false);
    expect(response.headers.has("ratelimit-policy")).toBe(false);
  });
});

describe("P4 configuration", () => {
  it("P4 (refuses): the Redis deadline defaults to 500 ms and the fail policy to open; a deadline above 1 s or an unknown policy is refused", () => {
    const defaults = parseConfig(envWith({ RATE_LIMIT_TIMEOUT_MS: undefined, RATE_LIMIT_FAIL_POLICY: undefined }));
    expect(defaults.ok && defaults.value.rateLimit).toEqual({ timeoutMs: 500, failPolicy: "open" });
    const closed = parseConfig(envWith({ RATE_LIMIT_TIMEOUT_MS: "1000", RATE_LIMIT_FAIL_POLICY: "closed" }));
    expect(closed.ok && closed.value.rateLimit).toEqual({ timeoutMs: 1000, failPolicy: "closed" });
    for (const [name, value] of [
      ["RATE_LIMIT_TIMEOUT_MS", "1001"],
      ["RATE_LIMIT_TIMEOUT_MS", "0"],
      ["RATE_LIMIT_FAIL_POLICY", "maybe"],
    ] as const) {
      const result = parseConfig(envWith({ [name]: value }));
      expect(result.ok, `${name}=${value}`).toBe(false);
      if (!result.ok) expect(result.error.map((issue) => issue.binding)).toEqual([name]);
    }
  });
});
