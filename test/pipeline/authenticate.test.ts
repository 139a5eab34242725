/**
 * Deny by default, checkable from the route registry: every route declares its
 * authentication (defineRoute's `auth`), the app refuses to build with a route that
 * does not, and the OpenAPI document's `security` of each route comes from the
 * declaration.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { createRouter } from "../../src/http/openapi";
import { defineRoute } from "../../src/pipeline/route";
import { expectProblem } from "../helpers/expect";
import { captureLogs } from "../helpers/logs";
import { call, callApp } from "../helpers/worker";

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes?: Record<string, { type: string; scheme: string }> };
}

describe("deny by default", () => {
  it("P8 (refuses): the app refuses to build with a route that declares no authentication", async () => {
    const router = createRouter();
    router.get("/__undeclared", (c) => c.text("open"));
    await expect(createApp({ modules: [{ basePath: "/", router }] }).loadAll()).rejects.toThrow(
      /GET \/__undeclared declares no authentication/,
    );
  });

  it("P8 (refuses): such a route is never served: a request to it is a 500 problem, logged, and nothing runs", async () => {
    const router = createRouter();
    let ran = false;
    router.get("/__undeclared", (c) => {
      ran = true;
      return c.text("open");
    });
    const logs = captureLogs();
    try {
      const response = await callApp(createApp({ modules: [{ basePath: "/", router }] }), "/__undeclared");
      await expectProblem(response, 500, "internal_error");
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(ran).toBe(false);
      expect(logs.raw().filter((line) => line.includes("declares no authentication"))).toHaveLength(1);
    } finally {
      logs.restore();
    }
  });

  it("P8: a route declared with defineRoute builds, public or not", async () => {
    const router = createRouter();
    const ok = { 200: { description: "ok", content: { "application/json": { schema: z.object({}) } } } } as const;
    router.openapi(defineRoute({ method: "get", path: "/__declared", responses: ok }, { auth: "public" }), (c) => c.json({}, 200));
    router.openapi(defineRoute({ method: "get", path: "/__private", responses: ok }, { auth: { principals: ["user"] } }), (c) =>
      c.json({}, 200),
    );
    await expect(createApp({ modules: [{ basePath: "/", router }] }).loadAll()).resolves.toBeDefined();
  });

  it("P8: every route's OpenAPI security says what it declared; protected routes document 401", async () => {
    const doc = await (await call("/openapi.json")).json<Document>();
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(20);
    for (const { path, method, op } of operations) expect(op.security, `${method} ${path}`).toBeDefined();
    const security = (path: string, method: string) => doc.paths[path]?.[method]?.security;
    expect(security("/v1/auth/login", "post")).toEqual([]);
    expect(security("/healthz", "get")).toEqual([]);
    expect(security("/v1/auth/me", "get")).toEqual([{ accessToken: [] }]);
    expect(security("/v1/auth/mfa/totp", "delete")).toEqual([{ accessToken: [] }]);
    expect(Object.keys(doc.paths["/v1/auth/me"]?.get?.responses ?? {})).toEqual(expect.arrayContaining(["200", "401", "503"]));
    expect(Object.keys(doc.paths["/v1/auth/mfa/totp"]?.delete?.responses ?? {})).toContain("403");
    expect(doc.components.securitySchemes?.accessToken).toMatchObject({ type: "http", scheme: "bearer" });
  });
});
