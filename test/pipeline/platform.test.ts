/** The platform routes: liveness, readiness, the OpenAPI document and the docs page. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { ERROR_CODES } from "../../src/http/errors";
import { expectProblem } from "../helpers/expect";
import { captureLogs } from "../helpers/logs";
import { probeApp } from "../helpers/probe-module";
import { call, callApp, envWith } from "../helpers/worker";

// Port 9 (discard) is closed on the test machines: connections are refused at once.
const CLOSED = "http://127.0.0.1:9";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /healthz", () => {
  it("answers 200 {status: ok}", async () => {
    const response = await call("/healthz");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("makes no outbound request at all: 0 database and 0 Redis round trips", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const app = createApp();
    const response = await callApp(app, "/healthz");
    expect(response.status).toBe(200);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("stays up when every dependency is down", async () => {
    const app = createApp();
    const bindings = envWith({ NEON_HTTP_ENDPOINT: `${CLOSED}/sql`, UPSTASH_REDIS_REST_URL: CLOSED });
    expect((await callApp(app, "/healthz", undefined, bindings)).status).toBe(200);
  });
});

describe("GET /readyz", () => {
  it("answers 200 with both checks up, through the real drivers and the stand-ins", async () => {
    const response = await call("/readyz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready", checks: { database: "up", redis: "up" } });
  });

  it("makes exactly one database request and one Redis request, concurrently", async () => {
    const started: string[] = [];
    const realFetch = globalThis.fetch;
    let inFlight = 0;
    let maxInFlight = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      started.push(new URL(url).pathname);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        return await realFetch(input, init);
      } finally {
        inFlight -= 1;
      }
    });
    const response = await callApp(createApp(), "/readyz");
    expect(response.status).toBe(200);
    expect(started).toHaveLength(2);
    expect(started.filter((p) => p.endsWith("/sql"))).toHaveLength(1);
    expect(maxInFlight).toBe(2);
  });

  it("answers 503 not_ready naming the database when it is down, without the driver's error text", async () => {
    const logs = captureLogs();
    try {
      // Its own database host too, so the endpoint lookup cannot be confused with the healthy one.
      const bindings = envWith({ DATABASE_URL: "postgres://app:pw@db-down.test:5432/rampart", NEON_HTTP_ENDPOINT: `${CLOSED}/sql` });
      const response = await callApp(createApp(), "/readyz", undefined, bindings);
      const text = await response.clone().text();
      const problem = await expectProblem(response, 503, "not_ready");
      expect(problem.checks).toEqual({ database: "down", redis: "up" });
      expect(problem.detail).toBe("Unavailable: database.");
      for (const leak of ["connect", "refused", "127.0.0.1", "pw@", "Error"]) expect(text).not.toContain(leak);
      const warning = logs.lines().find((l) => l.event === "readiness_check_failed");
      expect(warning).toMatchObject({ level: "warn", dependency: "database" });
      expect(JSON.stringify(warning)).not.toContain(":pw@");
    } finally {
      logs.restore();
    }
  });

  it("answers 503 not_ready naming Redis when it is down", async () => {
    const logs = captureLogs();
    try {
      const response = await callApp(createApp(), "/readyz", undefined, envWith({ UPSTASH_REDIS_REST_URL: CLOSED }));
      const problem = await expectProblem(response, 503, "not_ready");
      expect(problem.checks).toEqual({ database: "up", redis: "down" });
    } finally {
      logs.restore();
    }
  });

  it("answers 503 naming both when both are down, within the configured timeout", async () => {
    const logs = captureLogs();
    try {
      const bindings = envWith({
        DATABASE_URL: "postgres://app:pw@db-down-2.test:5432/rampart",
        NEON_HTTP_ENDPOINT: `${CLOSED}/sql`,
        UPSTASH_REDIS_REST_URL: CLOSED,
        READY_TIMEOUT_MS: "500",
      });
      const started = Date.now();
      const problem = await expectProblem(await callApp(createApp(), "/readyz", undefined, bindings), 503, "not_ready");
      expect(problem.checks).toEqual({ database: "down", redis: "down" });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      logs.restore();
    }
  });
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document listing every registered route", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    const doc = await response.json<{ openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.title).toBe("Rampart API");
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    // Hono lists a route once per handler (validators included): compare the distinct method+path pairs.
    const registered = [
      ...new Set(
        (await createApp().loadAll()).routes
          .filter((r) => r.method !== "ALL")
          .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
      ),
    ].sort();
    expect(documented).toEqual(registered);
    expect(registered).toEqual(
      expect.arrayContaining(["GET /healthz", "GET /readyz", "GET /.well-known/security.txt", "GET /openapi.json", "GET /docs"]),
    );
  });

  it("documents the problem+json error responses, with validation errors where a route validates", async () => {
    const { app } = probeApp();
    const doc = await (
      await callApp(app, "/openapi.json")
    ).json<{
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
      components: { schemas: Record<string, unknown> };
    }>();
    const readyz = doc.paths["/readyz"]?.get?.responses ?? {};
    expect(Object.keys(readyz).sort()).toEqual(["200", "500", "503"]);
    expect(readyz["503"]?.content).toHaveProperty(["application/problem+json"]);
    const echo = doc.paths["/__probe/echo"]?.post?.responses ?? {};
    // 429 and 503 from the rate-limit stage (P4): the probe routes take the default policy, and a
    // rate-limited route reaches the database (503 database_unavailable).
    expect(Object.keys(echo).sort()).toEqual(["200", "400", "413", "415", "422", "429", "500", "503"]);
    // Each description lists its codes with the error-code table's own detail: no prose written twice.
    const described = (status: string): string => (echo[status] as { description?: string } | undefined)?.description ?? "";
    expect(described("400")).toBe(`- \`invalid_json\`: ${ERROR_CODES.invalid_json.detail}`);
    expect(described("503")).toBe(
      [
        `- \`rate_limit_unavailable\`: ${ERROR_CODES.rate_limit_unavailable.detail}`,
        `- \`database_unavailable\`: ${ERROR_CODES.database_unavailable.detail}`,
      ].join("\n"),
    );
    expect(doc.components.schemas).toHaveProperty("Problem");
    expect(doc.components.schemas).toHaveProperty("ValidationProblem");
  });
});

describe("GET /docs", () => {
  it("serves the page, which loads only files from this origin", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    expect(html).toContain('src="/docs/init.js"');
    expect(html).toContain('href="/docs/assets/swagger-ui.css"');
  });

  it("redirects /docs/ to /docs (308, same origin)", async () => {
    const response = await call("/docs/", { redirect: "manual" });
    expect(response.status).toBe(308);
    expect(response.headers.get("location")).toBe("/docs");
  });

  it("serves the initializer as an external script pointing at /openapi.json", async () => {
    const response = await call("/docs/init.js");
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const script = await response.text();
    expect(script).toContain('url: "/openapi.json"');
    expect(script).toContain("validatorUrl: null");
  });

  it.each([
    ["swagger-ui.css", "text/css; charset=utf-8"],
    ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
  ])("serves the allowlisted asset %s from the ASSETS binding", async (file, type) => {
    const response = await call(`/docs/assets/${file}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(type);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  });

  it.each(["index.html", "swagger-ui-bundle.js.map", "package.json"])("does not serve %s", async (file) => {
    await expectProblem(await call(`/docs/assets/${file}`), 404, "not_found");
  });

  it("does not serve %2e%2e: the runtime resolves it to /docs/, which only redirects to the page", async () => {
    const response = await call("/docs/assets/%2e%2e", { redirect: "manual" });
    expect(response.status).toBe(308);
    expect(response.headers.get("location")).toBe("/docs");
  });

  it("does not serve ..%2fpackage.json: the WAF refuses the traversal before the router", async () => {
    await expectProblem(await call("/docs/assets/..%2fpackage.json"), 403, "waf_blocked");
  });

  it("serves no asset outside the docs routes, though the worker runs first for every path", async () => {
    for (const path of ["/swagger-ui-bundle.js", "/index.html", "/package.json"]) await expectProblem(await call(path), 404, "not_found");
  });
});
