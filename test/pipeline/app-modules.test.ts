/**
 * Stage 0: each module is built on the first request whose path one of its routes
 * matches (src/app.modules.ts, src/app.routes.ts). What must hold: the list of paths
 * is the routers' own; a request finds every route its path has (404/405, CORS and
 * the WAF's per-route facts come from the routes mounted); a path no route has loads
 * nothing; a module that cannot be served answers a 500 problem, never a wrong 404.
 */
import { describe, expect, it } from "vitest";
import { createApp, modulesFor } from "../../src/app";
import { MODULES } from "../../src/app.modules";
import { MODULE_ROUTES } from "../../src/app.routes";
import { moduleRoutes } from "../tools/app-routes";
import { expectProblem } from "../helpers/expect";
import { callApp, envWith } from "../helpers/worker";

const ID = "3f1c2a9e-8d4b-4c1a-9f2e-7b6d5c4a3e21";
/** A concrete path for a route pattern: every parameter a well-formed id. */
const concrete = (pattern: string): string => pattern.replace(/:[^/]+/g, ID);

describe("stage 0: modules loaded by path", () => {
  it("src/app.routes.ts lists exactly the paths each module's router serves (npm run routes:generate rewrites it)", async () => {
    expect(await moduleRoutes(MODULES)).toEqual(MODULE_ROUTES);
    expect(Object.keys(MODULE_ROUTES)).toEqual(MODULES.map((m) => m.name));
  });

  it("every route's path selects its own module, whatever its parameters hold", () => {
    const misses = Object.entries(MODULE_ROUTES).flatMap(([name, patterns]) =>
      patterns.flatMap((pattern) =>
        [concrete(pattern), pattern.replace(/:[^/]+/g, "x"), pattern.replace(/:[^/]+/g, "a.b%20c")]
          .filter((path) => !modulesFor(path).includes(name as (typeof MODULES)[number]["name"]))
          .map((path) => `${name}: ${path}`),
      ),
    );
    expect(misses).toEqual([]);
  });

  it("a path no route has selects no module: a parameter is one segment, a literal is matched whole", () => {
    for (const path of ["/", "/nope", "/v1", "/v1/orgs/x/nope", "/v1/orgs/x/y/z", "/healthzz", "/v1/auth/login/x", "/docs/assets/a/b"]) {
      expect(modulesFor(path), path).toEqual([]);
    }
    // Regular-expression characters in a literal segment are literal.
    expect(modulesFor("/openapiXjson")).toEqual([]);
  });

  it("a fresh app mounts only what a request needs: none for an unknown path, the platform for /healthz", async () => {
    const app = createApp();
    await expectProblem(await callApp(app, "/nope"), 404, "not_found");
    expect(app.mounted()).toEqual([]);
    expect((await callApp(app, "/healthz")).status).toBe(200);
    expect(app.mounted()).toEqual(["platform"]);
    await expectProblem(await callApp(app, "/v1/auth/me"), 401, "authentication_required");
    expect(app.mounted()).toEqual(["platform", "auth"]);
  });

  it("P3: on its first request a path's other methods are known: 405 with the Allow of every module on that path", async () => {
    const app = createApp();
    const response = await callApp(app, "/healthz", { method: "DELETE" });
    await expectProblem(response, 405, "method_not_allowed");
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    // Under /v1/orgs/{org}, a module mounted late (backups) on its own first request.
    const app2 = createApp();
    const backups = await callApp(app2, `/v1/orgs/${ID}/backups`, { method: "PUT" });
    await expectProblem(backups, 405, "method_not_allowed");
    expect(backups.headers.get("allow")).toBe("GET, HEAD");
    expect(app2.mounted()).toEqual(["backups"]);
  });

  it("P3: on its first request a route's own body limit applies (the WAF reads the facts of the module just mounted)", async () => {
    const app = createApp();
    // The login route takes a small JSON body; 70 KiB is over every JSON route's limit but would pass the default one.
    const body = JSON.stringify({ email: "a@example.com", password: "x".repeat(70 * 1024) });
    const response = await callApp(app, "/v1/auth/login", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(response.status).toBe(413);
    expect(app.mounted()).toEqual(["auth"]);
  });

  it("concurrent first requests to different modules are each answered by their own routes", async () => {
    const app = createApp();
    const [health, me, jwks] = await Promise.all([
      callApp(app, "/healthz"),
      callApp(app, "/v1/auth/me"),
      callApp(app, "/.well-known/jwks.json"),
    ]);
    expect([health.status, me.status, jwks.status]).toEqual([200, 401, 200]);
    expect(app.mounted()).toEqual(["platform", "auth"]);
  });

  it("a preflight or a browser's request to a path no route has is answered alike before and after modules load", async () => {
    const bindings = envWith({ CORS_ORIGINS: "https://app.rampart.test" });
    const preflight = {
      method: "OPTIONS",
      headers: { origin: "https://app.rampart.test", "access-control-request-method": "POST" },
    };
    const simple = { headers: { origin: "https://app.rampart.test" } };
    const answer = async (response: Response): Promise<string> =>
      [
        response.status,
        response.headers.get("access-control-allow-origin"),
        response.headers.get("access-control-allow-methods"),
        response.headers.get("strict-transport-security"),
        (await response.text()).includes("not_found"),
      ].join(" | ");
    const fresh = createApp();
    const cold = [
      await answer(await callApp(fresh, "/v1/nope", preflight, bindings)),
      await answer(await callApp(fresh, "/v1/nope", simple, bindings)),
    ];
    expect(fresh.mounted()).toEqual([]);
    const warm = createApp();
    await warm.loadAll();
    expect([
      await answer(await callApp(warm, "/v1/nope", preflight, bindings)),
      await answer(await callApp(warm, "/v1/nope", simple, bindings)),
    ]).toEqual(cold);
    // And the frames are there: the allowed origin is echoed on the 404.
    expect(cold[1]).toMatch(/^404 \| https:\/\/app\.rampart\.test \|/);
  });

  it("loadAll mounts every module, in the table's order; the OpenAPI document lists them all", async () => {
    const app = createApp();
    await app.loadAll();
    expect(app.mounted()).toEqual(MODULES.map((m) => m.name));
  });
});
