/**
 * P4 on the real auth routes. Attacks: credential stuffing against one account from
 * many addresses, one address trying many accounts, mass sign-ups, and the reverse
 * abuse: an attacker failing logins in a victim's name to lock the victim out. The
 * per-account login limit therefore challenges instead of refusing outright: the
 * victim's own address (a recent successful sign-in) goes on, and with Turnstile
 * configured a solved challenge goes on; everyone else is refused before any
 * password is hashed (the handler never runs: no database round trip).
 * Runs in the `workers-rate-limits` project, with stand-ins of its own.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { TURNSTILE_DUMMY_TOKEN, TURNSTILE_TEST_SECRETS } from "../stack/turnstile/keys";
import { expectProblem } from "../helpers/expect";
import { newEmail, strongPassword, waitForEmail, linkToken } from "../helpers/identity";
import { roundTrips, tagged, dbTargets } from "../helpers/tenants";
import { callApp, envWith, testEnv } from "../helpers/worker";
import type { Bindings } from "../../src/env";

const app = createApp();
const octet = (): number => Math.floor(Math.random() * 254) + 1;
const randomIp = (): string => `10.${octet()}.${octet()}.${octet()}`;

function post(path: string, body: unknown, ip: string, env: Bindings = testEnv): Promise<Response> {
  return callApp(
    app,
    path,
    { method: "POST", headers: { "content-type": "application/json", "cf-connecting-ip": ip }, body: JSON.stringify(body) },
    env,
  );
}

/** A verified account, created through the real routes from its own address. */
async function account(): Promise<{ email: string; password: string; home: string }> {
  const email = newEmail("p04");
  const password = strongPassword();
  const home = randomIp();
  expect((await post("/v1/auth/signup", { email, password, name: "Victim" }, home)).status).toBe(201);
  const token = linkToken(await waitForEmail(email, /verify/i));
  expect((await post("/v1/auth/verify-email", { token }, home)).status).toBe(200);
  return { email, password, home };
}

/**
 * Fails logins on the account from fresh addresses until its limit (10 per 15
 * minutes, earlier attempts included) refuses one: every attempt before is a 401.
 */
async function exhaust(email: string, env: Bindings = testEnv): Promise<void> {
  for (let i = 0; i < 11; i++) {
    const response = await post("/v1/auth/login", { email, password: "not the password" }, randomIp(), env);
    if (response.status !== 401) {
      expect(response.status).toBe(env === testEnv ? 429 : 403);
      return;
    }
  }
  throw new Error("the account limit never refused");
}

// Each test runs a dozen real logins (bcrypt at cost 10 each): allow for a busy machine.
describe("P4 login preset on POST /v1/auth/login", { timeout: 60_000 }, () => {
  it("P4 (refuses): past 10 attempts on one account, a stranger's address is refused with 429 without Turnstile", async () => {
    const victim = await account();
    await exhaust(victim.email);
    const response = await post("/v1/auth/login", { email: victim.email, password: victim.password }, randomIp());
    await expectProblem(response, 429, "rate_limited");
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(response.headers.get("ratelimit")).toMatch(/"login-account";r=0;t=\d+/);
  });

  it("P4: the account's owner is not locked out: an address that signed in recently still gets in", async () => {
    const victim = await account();
    expect((await post("/v1/auth/login", { email: victim.email, password: victim.password }, victim.home)).status).toBe(200);
    await exhaust(victim.email);
    const owner = await post("/v1/auth/login", { email: victim.email, password: victim.password }, victim.home);
    expect(owner.status).toBe(200);
    // The attacker's addresses are still refused.
    await expectProblem(await post("/v1/auth/login", { email: victim.email, password: "guess" }, randomIp()), 429, "rate_limited");
  });

  it("P4 (refuses): with Turnstile, past the limit a stranger needs a solved challenge (403 captcha_required), and a solved one goes on", async () => {
    const env = envWith({ TURNSTILE_SECRET_KEY: TURNSTILE_TEST_SECRETS.pass });
    const victim = await account();
    await exhaust(victim.email, env);
    const ip = randomIp();
    const refused = await post("/v1/auth/login", { email: victim.email, password: victim.password }, ip, env);
    await expectProblem(refused, 403, "captcha_required");
    expect(refused.headers.get("ratelimit")).toMatch(/"login-account";r=0/);
    const solved = await post(
      "/v1/auth/login",
      { email: victim.email, password: victim.password, turnstile_token: TURNSTILE_DUMMY_TOKEN },
      ip,
      env,
    );
    expect(solved.status).toBe(200);
  });

  it("P4 (refuses): a challenge Turnstile rejects (failed or already spent) is refused with 403 captcha_failed", async () => {
    const victim = await account();
    await exhaust(victim.email);
    for (const secret of [TURNSTILE_TEST_SECRETS.fail, TURNSTILE_TEST_SECRETS.spent]) {
      const env = envWith({ TURNSTILE_SECRET_KEY: secret });
      const response = await post(
        "/v1/auth/login",
        { email: victim.email, password: victim.password, turnstile_token: TURNSTILE_DUMMY_TOKEN },
        randomIp(),
        env,
      );
      await expectProblem(response, 403, "captcha_failed");
    }
  });

  it("P4 (refuses): one address trying many accounts is refused past 20 attempts", async () => {
    // The sliding window weighs the previous 15-minute bucket by the time left in it, rounded down
    // (@upstash/ratelimit): a burst that straddles a bucket boundary is under-counted by one. Such a
    // run proves nothing either way, so it is repeated from a fresh address (the next one cannot straddle).
    const bucket = (): number => Math.floor(Date.now() / (15 * 60_000));
    let statuses: number[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const ip = randomIp();
      const started = bucket();
      statuses = [];
      for (let i = 0; i < 21; i++) statuses.push((await post("/v1/auth/login", { email: newEmail("spray"), password: "x" }, ip)).status);
      if (bucket() === started) break;
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it("P4 (refuses): a refused login costs no password hash and no database round trip (the handler never runs)", async () => {
    const victim = await account();
    await exhaust(victim.email);
    const [primary] = dbTargets();
    if (primary === undefined) throw new Error("no database");
    const tag = `p04-refused-${crypto.randomUUID()}`;
    const env = envWith({ NEON_HTTP_ENDPOINT: tagged(primary.app, tag).httpEndpoint });
    await expectProblem(
      await post("/v1/auth/login", { email: victim.email, password: victim.password }, randomIp(), env),
      429,
      "rate_limited",
    );
    expect(await roundTrips(primary, tag)).toBe(0);
    // A login that runs reaches the database (the same tag counts it): the zero above is meaningful.
    await post("/v1/auth/login", { email: newEmail("counted"), password: "x" }, randomIp(), env);
    expect(await roundTrips(primary, tag)).toBeGreaterThan(0);
  });
});

describe("P4 signup preset on POST /v1/auth/signup", { timeout: 30_000 }, () => {
  it("P4 (refuses): one address cannot create more than 3 sign-ups for the same email in an hour", async () => {
    const email = newEmail("signup");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await post("/v1/auth/signup", { email, password: strongPassword(), name: "Mallory" }, randomIp())).status);
    expect(statuses).toEqual([201, 201, 201, 429]);
  });
});
