/**
 * P3: the WAF fails safe. Attacks covered, each found by a hostile probe of the dev server:
 * - reading the block: a 403 that named the matched rule ids let an attacker learn
 *   which rule fired and reshape the payload until none did;
 * - a body on GET/HEAD (Content-Length or chunked), which crashed the body reader
 *   (500 on every route) or, chunked, went past uninspected; DELETE and OPTIONS bodies too;
 * - slowloris on the body: a declared body that never arrives held the request open
 *   until the client gave up, then logged an error with a stack; a stream that fails
 *   mid-body did the same;
 * - smuggling past the inspection cap: a body larger than what the WAF reads (a
 *   declared one on a route with a larger limit, or a chunked one) went on uninspected.
 * Every refusal is problem+json with a stable code, the handler never runs, and
 * nothing is logged at error level.
 */
import { z } from "@hono/zod-openapi";
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { parseConfig, type Bindings } from "../../src/env";
import { createRouter } from "../../src/http/openapi";
import { readRequestHead } from "../../src/http/request-head";
import { requireConfig } from "../../src/pipeline/edge";
import { defineRoute } from "../../src/pipeline/route";
import { WAF_INSPECTION_CAP, waf, wafRouteIndex } from "../../src/pipeline/waf";
import { expectProblem } from "../helpers/expect";
import { captureLogs, type LogLine } from "../helpers/logs";
import { wafProbeApp } from "../helpers/waf-probe";
import { callApp, envWith, ORIGIN, testEnv } from "../helpers/worker";

const json = { "content-type": "application/json" };
const encoder = new TextEncoder();
/** A route limit above the inspection cap, as an evidence upload would declare. */
const UPLOAD_LIMIT = 256 * 1024;
const SMALL_LIMIT = 1024;

const ok = { 200: { description: "Accepted", content: { "application/json": { schema: z.object({ ok: z.boolean() }) } } } };
const Blob = z.object({ blob: z.string() });
const routes = {
  search: defineRoute({ method: "get", path: "/__failsafe/search", responses: ok }, { auth: "public" }),
  notes: defineRoute(
    { method: "post", path: "/__failsafe/notes", request: { body: { content: { "application/json": { schema: Blob } } } }, responses: ok },
    { auth: "public" },
  ),
  small: defineRoute(
    { method: "post", path: "/__failsafe/small", request: { body: { content: { "application/json": { schema: Blob } } } }, responses: ok },
    { auth: "public", bodyLimit: SMALL_LIMIT },
  ),
  upload: defineRoute(
    { method: "post", path: "/__failsafe/upload", request: { body: { content: { "application/json": { schema: Blob } } } }, responses: ok },
    { auth: "public", bodyLimit: UPLOAD_LIMIT },
  ),
  remove: defineRoute({ method: "delete", path: "/__failsafe/items", responses: ok }, { auth: "public" }),
};

/** The real pipeline plus routes of each body shape; `calls` counts handler runs. */
function failsafeApp() {
  const state = { calls: 0 };
  const router = createRouter();
  const handler = () => {
    state.calls += 1;
  };
  router.openapi(routes.search, (c) => (handler(), c.json({ ok: true }, 200)));
  router.openapi(routes.notes, (c) => (handler(), c.json({ ok: true }, 200)));
  router.openapi(routes.small, (c) => (handler(), c.json({ ok: true }, 200)));
  router.openapi(routes.upload, (c) => (handler(), c.json({ ok: true }, 200)));
  router.openapi(routes.remove, (c) => (handler(), c.json({ ok: true }, 200)));
  return { app: createApp({ modules: [{ basePath: "/", router }] }), state };
}

/** A body sent in chunks with no Content-Length (what callApp sends for a stream); `cancelled` once the reader gave up. */
function chunked(parts: readonly string[], options: { end?: "close" | "stall" | "error" } = {}) {
  const state = { cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      if ((options.end ?? "close") === "close") controller.close();
      else if (options.end === "error") controller.error(new Error("connection reset by peer"));
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

/**
 * A request as the network hands it to the worker: with a method that takes no
 * body (GET, HEAD) and a body anyway. Workers' own Request constructor refuses to
 * build one, but an incoming request with `Content-Length: 3` or a chunked body has
 * exactly this shape (the dev server answered 500 to it): built as POST, renamed.
 */
function incoming(method: string, target: string, body: BodyInit, headers: Record<string, string> = {}): Request {
  const request = new Request(ORIGIN + target, { method: "POST", headers, body });
  Object.defineProperty(request, "method", { value: method });
  return request;
}

interface Fetches {
  fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response>;
}

async function send(app: Fetches, request: Request, bindings: Bindings = testEnv): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(request, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** Runs `fn` with the log captured; returns its result and the lines. */
async function logged<T>(fn: () => Promise<T>): Promise<{ result: T; lines: LogLine[] }> {
  const logs = captureLogs();
  try {
    const result = await fn();
    return { result, lines: logs.lines() };
  } finally {
    logs.restore();
  }
}

function expectNoErrorLines(lines: readonly LogLine[]): void {
  expect(lines.filter((l) => l.level === "error")).toEqual([]);
  for (const line of lines) expect(JSON.stringify(line)).not.toContain('"stack"');
}

describe("P3 fail-safe: a block tells the client nothing about the rules", () => {
  it("P3 (refuses): a 403 carries no rule ids; the security.waf_blocked log line does", async () => {
    const { app } = wafProbeApp();
    const { result: response, lines } = await logged(() => callApp(app, "/__waf/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
    const problem = await expectProblem(response, 403, "waf_blocked");
    expect(problem).not.toHaveProperty("rule_ids");
    expect(Object.keys(problem).sort()).toEqual(["code", "detail", "request_id", "status", "title", "type"]);
    const event = lines.find((l) => l.event === "security.waf_blocked");
    expect(event?.rule_ids).toEqual(expect.arrayContaining([901]));
    expect(event?.request_id).toBe(problem.request_id);
    expectNoErrorLines(lines);
  });
});

describe("P3 fail-safe: no body on methods that take none", () => {
  it.each([
    ["GET", "/healthz"],
    ["GET", "/__failsafe/search"],
    ["HEAD", "/healthz"],
    ["HEAD", "/__failsafe/search"],
  ])("P3 (refuses): %s %s with a Content-Length body is 400 body_not_allowed, never a 500", async (method, target) => {
    const { app, state } = failsafeApp();
    const { result: response, lines } = await logged(() =>
      send(app, incoming(method, target, "abc", { "content-length": "3", "content-type": "text/plain" })),
    );
    if (method === "HEAD") {
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
    } else {
      await expectProblem(response, 400, "body_not_allowed");
    }
    expect(state.calls).toBe(0);
    expectNoErrorLines(lines);
  });

  it.each([
    ["GET", "/healthz"],
    ["GET", "/__failsafe/search"],
    ["HEAD", "/__failsafe/search"],
  ])(
    "P3 (refuses): %s %s with a chunked body is 400 body_not_allowed, the body neither inspected nor passed on",
    async (method, target) => {
      const { app, state } = failsafeApp();
      const body = chunked(['{"q":"', "<script>alert(1)</script>", '"}']);
      const { result: response, lines } = await logged(() => send(app, incoming(method, target, body.stream)));
      expect(response.status).toBe(400);
      if (method === "GET") await expectProblem(response, 400, "body_not_allowed");
      expect(state.calls).toBe(0);
      expectNoErrorLines(lines);
    },
  );

  it("P3 (refuses): a Content-Length or Transfer-Encoding header alone on a GET is refused too", async () => {
    const { app, state } = failsafeApp();
    await expectProblem(await callApp(app, "/__failsafe/search", { headers: { "content-length": "5" } }), 400, "body_not_allowed");
    await expectProblem(await callApp(app, "/__failsafe/search", { headers: { "transfer-encoding": "chunked" } }), 400, "body_not_allowed");
    expect(state.calls).toBe(0);
    // Content-Length: 0 is no body: served.
    expect((await callApp(app, "/__failsafe/search", { headers: { "content-length": "0" } })).status).toBe(200);
    expect(state.calls).toBe(1);
  });

  it("P3 (refuses): DELETE and OPTIONS with a body are 400 body_not_allowed; an empty DELETE (Content-Length: 0) is served", async () => {
    const { app, state } = failsafeApp();
    const { lines } = await logged(async () => {
      for (const body of ["{}", chunked(["{}"]).stream]) {
        await expectProblem(await callApp(app, "/__failsafe/items", { method: "DELETE", headers: json, body }), 400, "body_not_allowed");
      }
      await expectProblem(
        await callApp(app, "/v1/auth/login", {
          method: "OPTIONS",
          headers: { ...json, origin: "https://app.rampart.example" },
          body: "{}",
        }),
        400,
        "body_not_allowed",
      );
      expect(state.calls).toBe(0);
      // What a client library sends for a DELETE without content: an empty stream, `Content-Length: 0`.
      const empty = await callApp(app, "/__failsafe/items", {
        method: "DELETE",
        headers: { "content-length": "0" },
        body: new Uint8Array(0),
      });
      expect(empty.status).toBe(200);
      expect((await callApp(app, "/__failsafe/items", { method: "DELETE" })).status).toBe(200);
    });
    expect(state.calls).toBe(2);
    expectNoErrorLines(lines);
  });

  it("P3 (refuses): the refusal holds in log-only mode (it is not a scored rule)", async () => {
    const { app, state } = failsafeApp();
    const response = await send(app, incoming("GET", "/__failsafe/search", "abc"), envWith({ WAF_MODE: "log" }));
    await expectProblem(response, 400, "body_not_allowed");
    expect(state.calls).toBe(0);
  });

  it("P3: a GET without a body is still checked without a promise (the hot path stays synchronous)", async () => {
    const stage = waf({ routes: wafRouteIndex(64 * 1024) });
    const config = await requireConfig(testEnv);
    const clean = new Request(`${ORIGIN}/x?q=plain`);
    expect(stage({ raw: clean, path: "/x", facts: { requestId: "hot-path", config } }, readRequestHead(clean))).toBeUndefined();
    // The same call refuses an attack, synchronously too (the check above could not pass by doing nothing).
    const attack = new Request(`${ORIGIN}/x?q=${encodeURIComponent("' OR 1=1 --")}`);
    expect(() => stage({ raw: attack, path: "/x", facts: { requestId: "hot-path", config } }, readRequestHead(attack))).toThrow(
      expect.objectContaining({ code: "waf_blocked" }),
    );
  });
});

describe("P3 fail-safe: a body must arrive, whole and in time", () => {
  it("P3 (refuses): a body that stalls is 408 request_timeout after BODY_READ_TIMEOUT_MS, one warn line, its stream cancelled", async () => {
    const { app, state } = failsafeApp();
    const body = chunked(['{"blob":"only the start'], { end: "stall" });
    const started = Date.now();
    const { result: response, lines } = await logged(() =>
      callApp(
        app,
        "/__failsafe/notes",
        { method: "POST", headers: { ...json, "x-request-id": "stalled-1" }, body: body.stream },
        envWith({ BODY_READ_TIMEOUT_MS: "200" }),
      ),
    );
    const elapsed = Date.now() - started;
    await expectProblem(response, 408, "request_timeout");
    expect(response.headers.get("connection")).toBe("close");
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1000);
    expect(state.calls).toBe(0);
    expect(body.state.cancelled).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "warn",
      event: "body_read_timeout",
      request_id: "stalled-1",
      method: "POST",
      path: "/__failsafe/notes",
      bytes_received: '{"blob":"only the start'.length,
    });
    expectNoErrorLines(lines);
  });

  it("P3 (refuses): a body stream that fails mid-way is 400 bad_request with one warn line, not a 500 with a stack", async () => {
    const { app, state } = failsafeApp();
    const body = chunked(['{"blob":"cut'], { end: "error" });
    const { result: response, lines } = await logged(() =>
      callApp(app, "/__failsafe/notes", { method: "POST", headers: json, body: body.stream }),
    );
    await expectProblem(response, 400, "bad_request");
    expect(state.calls).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: "warn", event: "body_read_failed", method: "POST", path: "/__failsafe/notes" });
    expectNoErrorLines(lines);
  });

  it("P3 (refuses): BODY_READ_TIMEOUT_MS defaults to 10000 and must lie in 100–60000", () => {
    const parsed = parseConfig(envWith({ BODY_READ_TIMEOUT_MS: undefined }));
    expect(parsed.ok && parsed.value.bodyReadTimeoutMs).toBe(10_000);
    for (const value of ["100", "60000"]) {
      const result = parseConfig(envWith({ BODY_READ_TIMEOUT_MS: value }));
      expect(result.ok && result.value.bodyReadTimeoutMs).toBe(Number(value));
    }
    for (const value of ["99", "60001", "1.5", "soon"]) {
      const result = parseConfig(envWith({ BODY_READ_TIMEOUT_MS: value }));
      expect(result.ok ? [] : result.error.map((issue) => issue.binding)).toEqual(["BODY_READ_TIMEOUT_MS"]);
    }
  });
});

describe("P3 fail-safe: what the WAF cannot inspect is refused, not waved through", () => {
  /** A JSON body of exactly `total` bytes: 1000-character fields (each under the engine's per-value limit), then `blob` ending in `tail`. */
  const padded = (total: number, tail: string): string => {
    const fields: string[] = [];
    const frame = (blob: string) => `{${fields.join("")}"blob":"${blob}"}`;
    while (frame(tail).length + 2000 < total) fields.push(`"f${fields.length}":"${"a".repeat(1000)}",`);
    return frame(`${"a".repeat(total - frame(tail).length)}${tail}`);
  };
  const attack = "<script>alert(document.cookie)</script>";

  it("P3 (refuses): on a route whose limit exceeds the cap, a declared body over the cap is 413 naming the firewall's limit", async () => {
    const { app, state } = failsafeApp();
    const body = padded(WAF_INSPECTION_CAP + 4096, attack);
    const { result: response, lines } = await logged(() => callApp(app, "/__failsafe/upload", { method: "POST", headers: json, body }));
    const problem = await expectProblem(response, 413, "payload_too_large");
    expect(problem.detail).toContain(`at most ${WAF_INSPECTION_CAP} bytes`);
    expect(state.calls).toBe(0);
    expectNoErrorLines(lines);
  });

  it("P3 (refuses): on that route, a chunked body over the cap is 413 too, and its stream is cancelled", async () => {
    const { app, state } = failsafeApp();
    const text = padded(WAF_INSPECTION_CAP + 4096, attack);
    const body = chunked([text.slice(0, 40_000), text.slice(40_000)], { end: "stall" });
    const { result: response, lines } = await logged(() =>
      callApp(app, "/__failsafe/upload", { method: "POST", headers: json, body: body.stream }),
    );
    const problem = await expectProblem(response, 413, "payload_too_large");
    expect(problem.detail).toContain(`at most ${WAF_INSPECTION_CAP} bytes`);
    expect(body.state.cancelled).toBe(true);
    expect(state.calls).toBe(0);
    expectNoErrorLines(lines);
  });

  it("P3 (refuses): a body of exactly the cap is inspected whole: an attack in its last bytes is blocked, a clean one served", async () => {
    const { app, state } = failsafeApp();
    const dirty = padded(WAF_INSPECTION_CAP, attack);
    const clean = padded(WAF_INSPECTION_CAP, "fine");
    expect(encoder.encode(dirty).byteLength).toBe(WAF_INSPECTION_CAP);
    await expectProblem(await callApp(app, "/__failsafe/upload", { method: "POST", headers: json, body: dirty }), 403, "waf_blocked");
    await expectProblem(
      await callApp(app, "/__failsafe/upload", { method: "POST", headers: json, body: chunked([dirty]).stream }),
      403,
      "waf_blocked",
    );
    expect(state.calls).toBe(0);
    expect((await callApp(app, "/__failsafe/upload", { method: "POST", headers: json, body: clean })).status).toBe(200);
    expect((await callApp(app, "/__failsafe/upload", { method: "POST", headers: json, body: chunked([clean]).stream })).status).toBe(200);
    expect(state.calls).toBe(2);
  });

  it.each([
    ["/__failsafe/notes", WAF_INSPECTION_CAP],
    ["/__failsafe/small", SMALL_LIMIT],
  ])("P3 (refuses): %s keeps its own limit: one byte over it is 413, declared or chunked", async (target, limit) => {
    const { app, state } = failsafeApp();
    const body = padded(limit + 1, "x");
    const { lines } = await logged(async () => {
      for (const sent of [body, chunked([body]).stream]) {
        const problem = await expectProblem(
          await callApp(app, target, { method: "POST", headers: json, body: sent }),
          413,
          "payload_too_large",
        );
        expect(problem.detail).toBe(`The body of this route is limited to ${limit} bytes.`);
      }
    });
    expect(state.calls).toBe(0);
    expectNoErrorLines(lines);
  });
});
