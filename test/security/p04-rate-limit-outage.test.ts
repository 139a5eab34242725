/**
 * P4 Rate limits when Redis is unreachable. Attack covered: an attacker who can
 * slow or cut the limiter's store (or waits for an outage) must not gain a
 * brute-force window on auth endpoints: they fail closed with 503. Other routes
 * follow RATE_LIMIT_FAIL_POLICY (default open) and log a security event, so an
 * outage of the limiter does not take the API down unnoticed.
 *
 * The outage is simulated at this project's own Upstash stand-in (test/vitest.config.ts),
 * so no other file's Redis goes down; every test restores the backend in `finally`.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { z } from "@hono/zod-openapi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { RedisCheckOutcome } from "../../src/context";
import { createRouter } from "../../src/http/openapi";
import { settleOrgLimits } from "../../src/pipeline/rate-limit";
import { defineRoute } from "../../src/pipeline/route";
import { expectProblem } from "../helpers/expect";
import { captureLogs, type LogLine } from "../helpers/logs";
import { randomEmail, randomIp, rateLimitProbeApp } from "../helpers/rate-limit-probe";
import { setBackendDown } from "../helpers/upstash";
import { callApp, envWith, ORIGIN, testEnv } from "../helpers/worker";

const { app, state } = rateLimitProbeApp();

// A route with an organization limit whose handler admits the caller as the organization's
// (as `inOrg` does) and then cuts Redis off: the organization's limit was read before the
// handler, and its consumption after the response meets the outage.
const cutting = createRouter();
cutting.use("/__rl-org/*", async (c, next) => {
  c.set("principal", { kind: "api_key", id: crypto.randomUUID(), orgId: crypto.randomUUID() });
  await next();
});
cutting.openapi(
  defineRoute(
    {
      method: "get",
      path: "/__rl-org/then-hang",
      responses: { 200: { description: "Passed", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } } },
    },
    {
      auth: "public",
      rateLimit: {
        name: "probe-org-outage",
        onUnavailable: "config",
        limits: [{ name: "org", subject: "org", scope: "route", tokens: 100, window: "1 h" }],
      },
    },
  ),
  async (c) => {
    settleOrgLimits(c);
    await setBackendDown("hang");
    return c.json({ ok: true } as const, 200);
  },
);
const cuttingApp = createApp({ modules: [{ basePath: "/", router: cutting }] });
// RATE_LIMIT_TIMEOUT_MS defaults to 500; a refusal must come within that plus a generous slack for a shared machine.
const WITHIN_MS = 500 + 2500;

afterEach(() => {
  vi.restoreAllMocks();
});

function login(ip: string, email: string, bindings = testEnv): Promise<Response> {
  return callApp(
    app,
    "/__rl/login",
    {
      method: "POST",
      headers: { "cf-connecting-ip": ip, "content-type": "application/json" },
      body: JSON.stringify({ email, password: "pw" }),
    },
    bindings,
  );
}

async function during<T>(mode: "hang" | "error", run: () => Promise<T>): Promise<T> {
  await setBackendDown(mode);
  try {
    return await run();
  } finally {
    await setBackendDown(false);
  }
}

function unavailableEvents(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => line.event === "security.rate_limit_unavailable");
}

describe.each(["hang", "error"] as const)("P4 while the stand-in's backend is down (%s)", (mode) => {
  it(`P4 (refuses): an auth-preset route fails closed with 503 rate_limit_unavailable (${mode})`, async () => {
    const logs = captureLogs();
    try {
      const ip = randomIp();
      const email = randomEmail();
      const calls = state.calls;
      const started = Date.now();
      const response = await during(mode, () => login(ip, email));
      const elapsed = Date.now() - started;
      const problem = await expectProblem(response, 503, "rate_limit_unavailable");
      expect(response.headers.get("retry-after")).toBe("5");
      expect(elapsed).toBeLessThan(WITHIN_MS);
      expect(state.calls).toBe(calls);
      const [event] = unavailableEvents(logs.lines());
      expect(event).toMatchObject({
        level: "warn",
        security_event: true,
        policy: "probe-login",
        decision: "refused",
        reason: mode === "hang" ? "timeout" : "error",
        request_id: problem.request_id,
      });
      // The log names no client: neither the address nor the account.
      for (const line of logs.raw()) {
        expect(line).not.toContain(ip);
        expect(line).not.toContain(email);
      }
    } finally {
      logs.restore();
    }
  });

  it(`P4: a normal route fails open by default and logs a security event (${mode})`, async () => {
    const logs = captureLogs();
    try {
      const ip = randomIp();
      const calls = state.calls;
      const response = await during(mode, () => callApp(app, "/__rl/small", { headers: { "cf-connecting-ip": ip } }));
      expect(response.status).toBe(200);
      expect(response.headers.has("ratelimit")).toBe(false);
      expect(state.calls).toBe(calls + 1);
      const [event] = unavailableEvents(logs.lines());
      expect(event).toMatchObject({ level: "warn", security_event: true, policy: "probe-small", decision: "allowed" });
      for (const line of logs.raw()) expect(line).not.toContain(ip);
    } finally {
      logs.restore();
    }
  });

  it(`P4 (refuses): with RATE_LIMIT_FAIL_POLICY=closed a normal route fails closed too (${mode})`, async () => {
    const logs = captureLogs();
    try {
      const bindings = envWith({ RATE_LIMIT_FAIL_POLICY: "closed" });
      const response = await during(mode, () => callApp(app, "/__rl/small", { headers: { "cf-connecting-ip": randomIp() } }, bindings));
      await expectProblem(response, 503, "rate_limit_unavailable");
    } finally {
      logs.restore();
    }
  });

  it(`P4: a deferred revocation check learns that Redis was unavailable (${mode})`, async () => {
    const logs = captureLogs();
    try {
      const response = await during(mode, () =>
        callApp(app, "/__rl/default", {
          headers: { "cf-connecting-ip": randomIp(), "x-probe-user": crypto.randomUUID(), "x-probe-session": crypto.randomUUID() },
        }),
      );
      expect(response.status).toBe(200);
      const outcome = state.revocation.get(response.headers.get("x-request-id") ?? "");
      expect(outcome).toMatchObject<Partial<RedisCheckOutcome>>({ ok: false, reason: "unavailable" });
    } finally {
      logs.restore();
    }
  });
});

describe("P4 an organization limit's count after the response", () => {
  it("P4: consuming an organization's limit never holds the answer: with Redis hanging after the check, the member is answered while the count still waits, and its failure is logged", async () => {
    const logs = captureLogs();
    // A longer deadline than the default, so "still waiting" is far from the edge on a busy machine.
    const bindings = envWith({ RATE_LIMIT_TIMEOUT_MS: "1000" });
    try {
      const ctx = createExecutionContext();
      const response = await cuttingApp.fetch(
        new Request(`${ORIGIN}/__rl-org/then-hang`, { headers: { "cf-connecting-ip": randomIp() } }),
        bindings,
        ctx,
      );
      const after = waitOnExecutionContext(ctx).then(() => "settled");
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit")).toMatch(/^"org";r=99;t=\d+$/);
      const soon = await Promise.race([after, new Promise((resolve) => setTimeout(() => resolve("pending"), 100))]);
      expect(soon).toBe("pending");
      await after;
      expect(logs.lines().filter((line) => line.event === "rate_limit_deferred_failed")).toHaveLength(1);
    } finally {
      await setBackendDown(false);
      logs.restore();
    }
  });
});

describe("P4 after an outage", () => {
  it("P4: limits work again once the backend is back", async () => {
    await during("error", async () => {
      await Promise.resolve();
    });
    const response = await login(randomIp(), randomEmail());
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit")).toMatch(/"login-account";r=9;t=\d+/);
  });
});
