/** The edge stages: request id, error path, config loading, HEAD, and the edge in front of the router. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { checkTransport, upgradeFor } from "../../src/pipeline/edge";
import { expectProblem, expectSecureHeaders } from "../helpers/expect";
import { captureLogs } from "../helpers/logs";
import { BOOM_MESSAGE, PROBE_REDIRECT, probeApp } from "../helpers/probe-module";
import { call, callApp, envWith, ORIGIN, testEnv } from "../helpers/worker";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("request id", () => {
  it("generates a UUID when the request has none, and puts it on the response", async () => {
    const response = await call("/healthz");
    expect(response.headers.get("x-request-id")).toMatch(UUID);
  });

  it("echoes a well-formed incoming X-Request-Id", async () => {
    const id = "trace-2026_11-23=abc";
    const response = await call("/healthz", { headers: { "x-request-id": id } });
    expect(response.headers.get("x-request-id")).toBe(id);
  });

  it("echoes the incoming id into problem bodies too", async () => {
    const response = await call("/missing", { headers: { "x-request-id": "client-id-1" } });
    const problem = await expectProblem(response, 404, "not_found");
    expect(problem.request_id).toBe("client-id-1");
  });

  it.each([
    ["too long", "a".repeat(129)],
    ["spaces", "abc def"],
    ["a URL-encoded CRLF", "abc%0d%0aSet-Cookie:%20x=1"],
    ["angle brackets", "<script>"],
    ["a slash", "../../etc"],
    ["non-ASCII", "idé"],
  ])("replaces an incoming id with %s by a generated one", async (_label, id) => {
    const response = await call("/healthz", { headers: { "x-request-id": id } });
    expect(response.headers.get("x-request-id")).toMatch(UUID);
  });

  it("accepts an id of exactly 128 characters", async () => {
    const id = "b".repeat(128);
    expect((await call("/healthz", { headers: { "x-request-id": id } })).headers.get("x-request-id")).toBe(id);
  });

  it("cannot be given a raw CRLF at all: the runtime refuses to build such a header", () => {
    expect(() => new Headers({ "x-request-id": "abc\r\nSet-Cookie: x=1" })).toThrow();
  });

  it("is set on responses that a handler built by hand", async () => {
    const { app } = probeApp();
    const response = await callApp(app, "/__probe/banner", { headers: { "x-request-id": "hand-made" } });
    expect(response.headers.get("x-request-id")).toBe("hand-made");
  });
});

describe("error path", () => {
  it("answers an uncaught error with 500 carrying only the request id, and logs it once as one JSON line", async () => {
    const { app } = probeApp();
    const logs = captureLogs();
    let response: Response;
    try {
      response = await callApp(app, "/__probe/boom?token=abc", { headers: { "x-request-id": "boom-1" } });
    } finally {
      logs.restore();
    }
    const text = await response.clone().text();
    const problem = await expectProblem(response, 500, "internal_error");
    expect(problem.request_id).toBe("boom-1");
    expect(Object.keys(problem).sort()).toEqual(["code", "detail", "request_id", "status", "title", "type"]);
    for (const leak of ["exploded", "hunter2", "s3cret", "select", "postgres", "Error", "at "]) expect(text).not.toContain(leak);

    expect(logs.raw()).toHaveLength(1);
    const [line] = logs.lines();
    expect(line).toMatchObject({ level: "error", event: "unhandled_error", request_id: "boom-1", method: "GET", path: "/__probe/boom" });
    const error = line?.error as { name: string; message: string; stack: string };
    expect(error.name).toBe("Error");
    expect(error.message).toContain("db exploded");
    expect(error.stack).toContain("probe-module");
    // Credentials inside the message are scrubbed even in the log; the query string is not logged.
    expect(JSON.stringify(line)).not.toContain("s3cret");
    expect(JSON.stringify(line)).not.toContain("token=abc");
    expect(BOOM_MESSAGE).toContain("s3cret");
  });

  it("answers a thrown non-Error with a 500 problem with all headers, logged once", async () => {
    const { app } = probeApp();
    const logs = captureLogs();
    try {
      const response = await callApp(app, "/__probe/throw-string");
      await expectProblem(response, 500, "internal_error");
      expectSecureHeaders(response);
      expect(logs.lines().map((l) => l.event)).toEqual(["unhandled_error"]);
    } finally {
      logs.restore();
    }
  });

  it("answers every request with a 500 when the config is invalid, and logs the reason once, without values", async () => {
    const { app } = probeApp();
    const bindings = envWith({ URL_SIGNING_SECRET: "short-secret-value", READY_TIMEOUT_MS: "soon" });
    const logs = captureLogs();
    try {
      for (let i = 0; i < 3; i++) await expectProblem(await callApp(app, "/healthz", undefined, bindings), 500, "internal_error");
      const lines = logs.lines();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: "error", event: "config_invalid" });
      const text = JSON.stringify(lines[0]);
      expect(text).toContain("URL_SIGNING_SECRET");
      expect(text).toContain("READY_TIMEOUT_MS");
      expect(text).not.toContain("short-secret-value");
    } finally {
      logs.restore();
    }
  });

  it("refuses a config with a missing secret rather than running half-configured", async () => {
    const { app } = probeApp();
    const logs = captureLogs();
    try {
      await expectProblem(await callApp(app, "/healthz", undefined, envWith({ JWT_SIGNING_KEYS: undefined })), 500, "internal_error");
    } finally {
      logs.restore();
    }
  });
});

describe("in front of the router", () => {
  it("answers a handler that answers at once without a promise, with every secure header and the request id", async () => {
    const app = createApp();
    // The first request builds the platform module (a promise); later ones find it mounted.
    expect((await callApp(app, "/healthz")).status).toBe(200);
    const ctx = createExecutionContext();
    const answer = app.fetch(new Request(`${ORIGIN}/healthz`, { headers: { "x-request-id": "sync-1" } }), testEnv, ctx);
    expect(answer).toBeInstanceOf(Response);
    const response = await answer;
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("sync-1");
    expectSecureHeaders(response);
  });

  it("keeps each request's facts on its own env: concurrent requests never read each other's id, and the worker's env gets none", async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `concurrent-${String(i)}`);
    const answers = await Promise.all(ids.map((id) => call("/missing", { headers: { "x-request-id": id } })));
    for (const [i, response] of answers.entries()) {
      const problem = await expectProblem(response, 404, "not_found");
      expect(problem.request_id).toBe(ids[i]);
    }
    expect(Object.hasOwn(testEnv, "edge")).toBe(false);
    expect((testEnv as unknown as Record<string, unknown>).edge).toBeUndefined();
  });

  it("copies a response whose headers the runtime made immutable once, and puts every secure header and the request id on the copy", async () => {
    // The case the copy exists for: workerd refuses to change these headers in place.
    expect(() => Response.redirect(PROBE_REDIRECT, 302).headers.set("x-request-id", "x")).toThrow(TypeError);
    const { app } = probeApp();
    const response = await callApp(app, "/__probe/immutable", { headers: { "x-request-id": "immutable-1" } });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(PROBE_REDIRECT);
    expect(response.headers.get("x-request-id")).toBe("immutable-1");
    expectSecureHeaders(response);
  });

  it("answers its own refusals through the error path, with the request id and every secure header", async () => {
    const app = createApp();
    expect((await callApp(app, "/healthz")).status).toBe(200);
    const response = await callApp(app, "/healthz?q=%27%20OR%201%3D1%20--", { headers: { "x-request-id": "refused-1" } });
    const problem = await expectProblem(response, 403, "waf_blocked");
    expect(problem.request_id).toBe("refused-1");
    expect(response.headers.get("x-request-id")).toBe("refused-1");
    expectSecureHeaders(response);
  });
});

describe("HEAD", () => {
  it("answers HEAD like GET, without a body", async () => {
    const get = await call("/healthz");
    const head = await call("/healthz", { method: "HEAD" });
    expect(head.status).toBe(get.status);
    expect(head.headers.get("content-type")).toBe(get.headers.get("content-type"));
    expect(await head.text()).toBe("");
  });

  it("answers HEAD of an unknown path with a bodiless 404", async () => {
    const head = await call("/missing", { method: "HEAD" });
    expect(head.status).toBe(404);
    expect(await head.text()).toBe("");
  });
});

describe("transport verdict", () => {
  const policy = { minTlsVersion: "TLSv1.3", localDevOrigins: [] } as const;

  it("passes https with an unreported TLS version (runtimes without request.cf)", () => {
    expect(checkTransport({ url: "https://a.test/x", method: "POST", tlsVersion: undefined }, policy).ok).toBe(true);
  });

  it("ranks a future TLS version above the minimum", () => {
    expect(checkTransport({ url: "https://a.test/x", method: "GET", tlsVersion: "TLSv1.4" }, policy).ok).toBe(true);
  });

  it("names the required protocol in Upgrade", () => {
    expect(upgradeFor("TLSv1.3")).toBe("TLS/1.3");
    expect(upgradeFor("TLSv1")).toBe("TLS/1.0");
  });

  it("does not treat a look-alike of the dev origin as the dev origin", () => {
    const dev = { ...policy, localDevOrigins: ["http://127.0.0.1:8787"] };
    expect(checkTransport({ url: "http://127.0.0.1:8787/x", method: "POST", tlsVersion: undefined }, dev).ok).toBe(true);
    expect(checkTransport({ url: "http://127.0.0.1:87870/x", method: "POST", tlsVersion: undefined }, dev).ok).toBe(false);
  });
});
