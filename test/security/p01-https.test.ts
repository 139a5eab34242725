/**
 * P1 HTTPS only. Attacks covered: SSL stripping (a client or middlebox sending a
 * request over plain http, credentials and bodies included), TLS downgrade to an
 * old protocol version, and opening plain http in production through a config typo.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/env";
import { expectProblem, expectSecureHeaders } from "../helpers/expect";
import { probeApp } from "../helpers/probe-module";
import { call, callApp, envWith, testEnv } from "../helpers/worker";

const HSTS = "max-age=63072000; includeSubDomains; preload";

describe("P1 plain http", () => {
  it("P1: a plain-http GET is redirected with 308 to the same URL over https", async () => {
    const response = await call("http://api.rampart.test/healthz?x=1&y=2", { redirect: "manual" });
    expect(response.status).toBe(308);
    expect(response.headers.get("location")).toBe("https://api.rampart.test/healthz?x=1&y=2");
    expect(response.headers.get("strict-transport-security")).toBe(HSTS);
    expectSecureHeaders(response);
  });

  it("P1: a plain-http HEAD is redirected with 308, and a non-default http port is dropped", async () => {
    const response = await call("http://api.rampart.test:8080/readyz", { method: "HEAD", redirect: "manual" });
    expect(response.status).toBe(308);
    expect(response.headers.get("location")).toBe("https://api.rampart.test/readyz");
  });

  it("P1: a plain-http GET of an unknown path is redirected too, before routing", async () => {
    const response = await call("http://api.rampart.test/nope", { redirect: "manual" });
    expect(response.status).toBe(308);
  });

  it("P1 (refuses): a plain-http POST gets 400 problem+json and is not served", async () => {
    const { app, state } = probeApp();
    const response = await callApp(app, "http://api.rampart.test/__probe/echo", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "leaked over http", count: 1 }),
    });
    const problem = await expectProblem(response, 400, "https_required");
    expect(JSON.stringify(problem)).not.toContain("leaked");
    expect(state.calls).toBe(0);
    expect(response.headers.has("location")).toBe(false);
    expectSecureHeaders(response);
  });

  it("P1 (refuses): a plain-http POST to a GET-only path is refused as plain http, before the method check", async () => {
    const response = await call("http://api.rampart.test/healthz", { method: "POST", body: "x" });
    await expectProblem(response, 400, "https_required");
  });

  it("P1: every https response carries HSTS with two years, subdomains and preload", async () => {
    const response = await call("/healthz");
    expect(response.status).toBe(200);
    expect(response.headers.get("strict-transport-security")).toBe(HSTS);
  });
});

describe("P1 minimum TLS version", () => {
  it("P1 (refuses): a request negotiated with TLS 1.2 gets 426 with an Upgrade header", async () => {
    const response = await call("/healthz", { cf: { tlsVersion: "TLSv1.2" } });
    const problem = await expectProblem(response, 426, "tls_version_too_low");
    expect(response.headers.get("upgrade")).toBe("TLS/1.3");
    expect(problem.detail).toContain("TLSv1.3");
    expectSecureHeaders(response);
  });

  it.each(["TLSv1", "TLSv1.1", "SSLv3", "garbage"])("P1 (refuses): a request negotiated with %s gets 426", async (tlsVersion) => {
    const response = await call("/healthz", { cf: { tlsVersion } });
    await expectProblem(response, 426, "tls_version_too_low");
  });

  it("P1: a request negotiated with TLS 1.3 is served", async () => {
    const response = await call("/healthz", { cf: { tlsVersion: "TLSv1.3" } });
    expect(response.status).toBe(200);
  });

  it("P1: MIN_TLS_VERSION lowers the minimum when an operator must (TLS 1.2 then served, 1.1 not)", async () => {
    const { app } = probeApp();
    const bindings = envWith({ MIN_TLS_VERSION: "TLSv1.2" });
    expect((await callApp(app, "/healthz", { cf: { tlsVersion: "TLSv1.2" } }, bindings)).status).toBe(200);
    const refused = await callApp(app, "/healthz", { cf: { tlsVersion: "TLSv1.1" } }, bindings);
    await expectProblem(refused, 426, "tls_version_too_low");
    expect(refused.headers.get("upgrade")).toBe("TLS/1.2");
  });
});

describe("P1 local development origin", () => {
  const devOrigin = "http://127.0.0.1:8787";

  it("P1 (refuses): plain http is served only on the configured LOCAL_DEV_ORIGIN's port, under each loopback name", async () => {
    const { app } = probeApp();
    const bindings = envWith({ APP_ENV: "development", LOCAL_DEV_ORIGIN: devOrigin });
    for (const served of [devOrigin, "http://localhost:8787", "http://[::1]:8787"]) {
      expect((await callApp(app, `${served}/healthz`, undefined, bindings)).status, served).toBe(200);
    }
    for (const other of [
      "http://127.0.0.1:9999/healthz",
      "http://localhost:8788/healthz",
      "http://localhost.rampart.test:8787/healthz",
      "http://127.0.0.2:8787/healthz",
      "http://api.rampart.test/healthz",
    ]) {
      const response = await callApp(app, other, { redirect: "manual" }, bindings);
      expect(response.status, other).toBe(308);
    }
  });

  it.each([
    ["a public host", "http://api.rampart.example:8787"],
    ["a private address", "http://10.0.0.1:8787"],
    ["https", "https://127.0.0.1:8787"],
    ["no port", "http://localhost"],
    ["a path", "http://localhost:8787/app"],
    ["credentials", "http://user:pw@localhost:8787"],
    ["a look-alike host", "http://localhost.rampart.example:8787"],
    ["not a URL", "localhost:8787"],
  ])("P1 (refuses): LOCAL_DEV_ORIGIN with %s is refused when the config is parsed", (_label, origin) => {
    const result = parseConfig(envWith({ APP_ENV: "development", LOCAL_DEV_ORIGIN: origin }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.map((issue) => issue.binding)).toContain("LOCAL_DEV_ORIGIN");
  });

  it.each(["http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787"])(
    "P1: LOCAL_DEV_ORIGIN %s is accepted in development",
    (origin) => {
      expect(parseConfig(envWith({ APP_ENV: "development", LOCAL_DEV_ORIGIN: origin })).ok).toBe(true);
    },
  );

  it("P1 (refuses): LOCAL_DEV_ORIGIN is refused in production, so production cannot be opened to plain http", async () => {
    const bindings = envWith({ APP_ENV: "production", LOCAL_DEV_ORIGIN: devOrigin });
    const result = parseConfig(bindings);
    expect(result.ok).toBe(false);
    const { app } = probeApp();
    const response = await callApp(app, `${devOrigin}/healthz`, undefined, bindings);
    await expectProblem(response, 500, "internal_error");
  });

  it("P1: the test deployment itself allows no plain-http origin", () => {
    const result = parseConfig(testEnv);
    expect(result.ok && result.value.localDevOrigins).toEqual([]);
  });
});
