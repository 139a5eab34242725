/**
 * P3 Deny by default (first half; the WAF half comes with its stage). Attacks
 * covered: probing for unlisted endpoints, method tampering, memory exhaustion
 * with huge or endless (chunked) bodies, content-type confusion, and malformed or
 * mistyped input reaching a handler. Every refusal happens before the handler.
 */
import { describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/expect";
import { PROBE_LIMIT, probeApp } from "../helpers/probe-module";
import { call, callApp } from "../helpers/worker";

const json = { "content-type": "application/json" };

/** A body of `total` bytes, streamed in `chunk`-sized pieces; counts what was pulled. */
function streamedBody(total: number, chunk = 256): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const piece = new TextEncoder().encode("x".repeat(chunk));
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent >= total) {
          controller.close();
          return;
        }
        sent += piece.byteLength;
        controller.enqueue(piece);
      },
    },
    { highWaterMark: 0 },
  );
  return { body, pulled: () => sent };
}

describe("P3 route match", () => {
  it("P3 (refuses): an unknown route gets 404 problem+json", async () => {
    const problem = await expectProblem(await call("/v1/admin/secret-backup"), 404, "not_found");
    expect(problem.detail).not.toContain("secret-backup");
  });

  it("P3 (refuses): a path that differs only by a trailing slash is unknown", async () => {
    await expectProblem(await call("/healthz/"), 404, "not_found");
  });

  it("P3 (refuses): a known path with a wrong method gets 405 with Allow listing the path's methods", async () => {
    const response = await call("/healthz", { method: "DELETE" });
    await expectProblem(response, 405, "method_not_allowed");
    expect(response.headers.get("allow")).toBe("GET, HEAD");
  });

  it("P3 (refuses): POST /healthz is 405 even with an oversized, mistyped body: the method check comes first", async () => {
    const response = await call("/healthz", { method: "POST", headers: { "content-type": "text/xml" }, body: "x".repeat(200_000) });
    await expectProblem(response, 405, "method_not_allowed");
  });

  it("P3: Allow is derived from the registered routes, path parameters included", async () => {
    const { app } = probeApp();
    const item = await callApp(app, "/__probe/items/0d8f3c9e-8a5b-4c59-9f3e-2a1b3c4d5e6f", { method: "PATCH" });
    await expectProblem(item, 405, "method_not_allowed");
    expect(item.headers.get("allow")).toBe("GET, HEAD");
    const echo = await callApp(app, "/__probe/echo", { method: "GET" });
    await expectProblem(echo, 405, "method_not_allowed");
    expect(echo.headers.get("allow")).toBe("POST");
  });
});

describe("P3 bodies", () => {
  it("P3 (refuses): a body over the route's limit with Content-Length gets 413 and never reaches the handler", async () => {
    const { app, state } = probeApp();
    const body = JSON.stringify({ name: "x".repeat(PROBE_LIMIT), count: 1 });
    const response = await callApp(app, "/__probe/echo", {
      method: "POST",
      headers: { ...json, "content-length": String(body.length) },
      body,
    });
    const problem = await expectProblem(response, 413, "payload_too_large");
    expect(problem.detail).toContain(String(PROBE_LIMIT));
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): a streamed body without Content-Length gets 413 once the count passes the limit, without reading it all", async () => {
    const { app, state } = probeApp();
    const stream = streamedBody(10 * 1024 * 1024);
    const response = await callApp(app, "/__probe/echo", { method: "POST", headers: json, body: stream.body });
    await expectProblem(response, 413, "payload_too_large");
    expect(state.calls).toBe(0);
    // Reading stopped at the limit (plus at most one chunk and the runtime's read-ahead), not at 10 MiB.
    expect(stream.pulled()).toBeLessThan(PROBE_LIMIT + 64 * 1024);
  });

  it("P3 (refuses): a route without a declared limit gets the 64 KiB default", async () => {
    const { app } = probeApp();
    const fits = JSON.stringify({ blob: "x".repeat(60 * 1024) });
    expect((await callApp(app, "/__probe/big", { method: "PUT", headers: json, body: fits })).status).toBe(200);
    const over = JSON.stringify({ blob: "x".repeat(64 * 1024) });
    await expectProblem(await callApp(app, "/__probe/big", { method: "PUT", headers: json, body: over }), 413, "payload_too_large");
  });

  it.each([
    ["text/plain", { "content-type": "text/plain" }],
    ["form data", { "content-type": "application/x-www-form-urlencoded" }],
    ["a JSON look-alike", { "content-type": "application/jsonx" }],
    ["a non-UTF-8 charset", { "content-type": "application/json; charset=iso-8859-1" }],
  ])("P3 (refuses): a body sent as %s gets 415 and never reaches the handler", async (_label, headers) => {
    const { app, state } = probeApp();
    const response = await callApp(app, "/__probe/echo", { method: "POST", headers, body: JSON.stringify({ name: "a", count: 1 }) });
    await expectProblem(response, 415, "unsupported_media_type");
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): a body without any Content-Type gets 415", async () => {
    const { app, state } = probeApp();
    const body = new TextEncoder().encode(JSON.stringify({ name: "a", count: 1 }));
    const response = await callApp(app, "/__probe/echo", { method: "POST", body });
    await expectProblem(response, 415, "unsupported_media_type");
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): invalid JSON gets 400 invalid_json without the parser's message", async () => {
    const { app, state } = probeApp();
    const response = await callApp(app, "/__probe/echo", { method: "POST", headers: json, body: '{"name": "a", ' });
    const problem = await expectProblem(response, 400, "invalid_json");
    expect(problem.detail).not.toMatch(/position|token|Unexpected/i);
    expect(state.calls).toBe(0);
  });

  it("P3 (refuses): a validation failure gets 422 listing every invalid field, and never reaches the handler", async () => {
    const { app, state } = probeApp();
    const body = JSON.stringify({ name: "", count: -1.5, tags: ["ok", 7] });
    const problem = await expectProblem(
      await callApp(app, "/__probe/echo", { method: "POST", headers: json, body }),
      422,
      "validation_failed",
    );
    const paths = [...new Set((problem.errors ?? []).map((e) => `${e.in}:${e.path}`))].sort();
    expect(paths).toEqual(["body:count", "body:name", "body:tags.1"]);
    for (const error of problem.errors ?? []) {
      expect(error.message.length).toBeGreaterThan(0);
      expect(error.code).toMatch(/^[a-z_]+$/);
    }
    expect(state.calls).toBe(0);
  });

  it("P3: a valid body reaches the handler", async () => {
    const { app, state } = probeApp();
    const response = await callApp(app, "/__probe/echo", {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ name: "a", count: 2 }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: { name: "a", count: 2 } });
    expect(state.calls).toBe(1);
  });
});
