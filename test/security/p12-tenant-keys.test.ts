/**
 * P12 Tenant keys everywhere (rate-limit keys). Attacks covered: one tenant's
 * traffic exhausting or reading another tenant's counters (a key without the
 * organization id would be shared), and a leak of the Redis keyspace revealing
 * who called from where (raw IPs, emails, user or key ids in key names).
 * Checked by listing the stand-in's keys through its REST API after real requests.
 */
import { describe, expect, it } from "vitest";
import { identifierHash, KEY_PREFIX } from "../../src/pipeline/rate-limit";
import { expectProblem } from "../helpers/expect";
import { randomEmail, randomIp, rateLimitProbeApp } from "../helpers/rate-limit-probe";
import { directRedis } from "../helpers/upstash";
import { callApp, testEnv } from "../helpers/worker";

const { app } = rateLimitProbeApp();
const SECRET = testEnv.IDENTIFIER_HASH_SECRET ?? "";

function get(path: string, headers: Record<string, string>): Promise<Response> {
  return callApp(app, path, { headers });
}

/** Every key in the stand-in's Redis (SCAN, so a big CI Redis is walked in steps). */
async function allKeys(match = "*"): Promise<string[]> {
  const redis = directRedis();
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, { match, count: 1000 });
    keys.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  return keys;
}

describe("P12 rate-limit keys", () => {
  it("P12: per-tenant limit keys carry the organization id, and no key holds a raw IP, email, user id or API key id", async () => {
    const org = crypto.randomUUID();
    const ip = randomIp();
    const user = crypto.randomUUID();
    const apiKey = `key-${crypto.randomUUID()}`;
    const email = randomEmail();
    // Members (the probe admits them): the organization's own counters are consumed too (p12-org-limit-outsiders).
    const member = { "x-probe-org": org, "x-probe-member": "1" };
    expect((await get("/__rl/many", { "cf-connecting-ip": ip, "x-probe-user": user, ...member })).status).toBe(200);
    expect((await get("/__rl/default-hour", { "cf-connecting-ip": ip, "x-probe-key": apiKey, ...member })).status).toBe(200);
    const login = await callApp(app, "/__rl/login", {
      method: "POST",
      headers: { "cf-connecting-ip": ip, "content-type": "application/json" },
      body: JSON.stringify({ email, password: "pw" }),
    });
    expect(login.status).toBe(200);

    const keys = await allKeys();
    const userHash = await identifierHash(SECRET, "user", user);
    const keyHash = await identifierHash(SECRET, "key", apiKey);
    const ipHash = await identifierHash(SECRET, "ip", ip);
    const emailHash = await identifierHash(SECRET, "email", email);

    // Tenant limits: the principal's and the organization's counters live under the org id.
    const tenantKeys = keys.filter((k) => k.includes(userHash) || k.includes(keyHash) || k.includes(`org:${org}`));
    expect(tenantKeys.length).toBeGreaterThanOrEqual(4);
    for (const key of tenantKeys) expect(key, key).toContain(`:org:${org}`);
    expect(tenantKeys.some((k) => k.startsWith(`${KEY_PREFIX}:p:probe-many:user:org:${org}:user:${userHash}:`))).toBe(true);
    expect(tenantKeys.some((k) => k.startsWith(`${KEY_PREFIX}:p:probe-many:org:org:${org}:`))).toBe(true);
    expect(tenantKeys.some((k) => k.startsWith(`${KEY_PREFIX}:api:user:org:${org}:key:${keyHash}:`))).toBe(true);
    // Client and account limits hold only keyed hashes.
    expect(keys.some((k) => k.startsWith(`${KEY_PREFIX}:r:probe-many:GET_/__rl/many:route:ip:${ipHash}:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${KEY_PREFIX}:p:probe-login:login-account:acct:email:${emailHash}:`))).toBe(true);

    for (const key of keys) {
      for (const raw of [ip, email, email.toLowerCase(), user, apiKey]) expect(key, key).not.toContain(raw);
    }
  });

  it("P12: the same user in two organizations has two counters", async () => {
    const user = crypto.randomUUID();
    const [orgA, orgB] = [crypto.randomUUID(), crypto.randomUUID()];
    for (let i = 0; i < 3; i++)
      expect((await get("/__rl/user", { "cf-connecting-ip": randomIp(), "x-probe-user": user, "x-probe-org": orgA })).status).toBe(200);
    await expectProblem(
      await get("/__rl/user", { "cf-connecting-ip": randomIp(), "x-probe-user": user, "x-probe-org": orgA }),
      429,
      "rate_limited",
    );
    expect((await get("/__rl/user", { "cf-connecting-ip": randomIp(), "x-probe-user": user, "x-probe-org": orgB })).status).toBe(200);
  });

  it("P12: identifiers are HMAC-SHA-256 keyed hashes: stable under one secret, different under another, separated by kind", async () => {
    const ip = "203.0.113.7";
    const hash = await identifierHash(SECRET, "ip", ip);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await identifierHash(SECRET, "ip", ip)).toBe(hash);
    expect(await identifierHash(`${SECRET}x`, "ip", ip)).not.toBe(hash);
    expect(await identifierHash(SECRET, "email", ip)).not.toBe(hash);
    // The same construction, computed independently with WebCrypto.
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`ip\u0000${ip}`)));
    const expected = btoa(String.fromCharCode(...mac.slice(0, 16)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect(hash).toBe(expected);
  });
});
