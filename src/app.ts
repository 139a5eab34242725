/**
 * The whole request pipeline, in order, and every module router (README
 * "One request, in order"). Read top to bottom: this is what a request goes through.
 *
 *   1. edge      request id → config → HTTPS/TLS (P1); on the way out secure headers (P1 HSTS, P2)
 *   2. waf       linear-time checks on method, path, query, headers, body; anomaly score; no I/O (P3)
 *   3. route     Hono matches; unknown path 404, other method 405 + Allow (P3).
 *                Per route, declared with it (defineRoute): content type 415,
 *                body limit 413, JSON 400 (P3)
 *   4. guards    (slot, per route via defineRoute's `guards`) authenticate
 *   5. limits    per route via defineRoute's `rateLimit`, a policy of the one table
 *                (src/pipeline/rate-limit/policies.ts; default `default`): per IP, user
 *                or API key, organization, endpoint; one Redis round trip (P4, P12)
 *   6. authorize (slot) role → permission (P9)
 *   7. handler   after zod validation (422 `validation_failed`)
 *   8. errors    every failure → problem+json; a bug → 500 with the request id, logged once
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { createRouter, openApiDocument } from "./http/openapi";
import { createPlatformRouter, DOCS_CSP, DOCS_PATH } from "./modules/platform";
import { edge, onError } from "./pipeline/edge";
import { buildMethodIndex, DEFAULT_BODY_LIMIT, routeNotMatched } from "./pipeline/request";
import { waf, wafRouteIndex } from "./pipeline/waf";

/** A module's router and where it is mounted. */
export interface AppModule {
  /** Mount point, e.g. `/v1/auth`; `/` for routes declared with full paths. */
  readonly basePath: string;
  readonly router: OpenAPIHono<AppEnv>;
}

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Extra modules, mounted after the built-in ones (tests mount probe modules here). */
  readonly modules?: readonly AppModule[];
}

/**
 * Builds the app. Everything costly (middleware, regexes, the method index,
 * schemas) is built here, once per isolate; a request only runs the stages.
 *
 * @example
 * ```ts
 * const app = createApp();
 * export default { fetch: app.fetch };
 * ```
 */
export function createApp(options: CreateAppOptions = {}): OpenAPIHono<AppEnv> {
  const app = createRouter();

  // 1. Edge, outermost: request id, config, HTTPS/TLS; on the way out every
  //    response gets the secure headers and the request id, errors included.
  // 2. WAF (P3), run inside the edge's frame: after HTTPS, before any route work; no I/O.
  //    It needs each route's body limit and exclusions before the router runs:
  //    collected below, once the modules are mounted.
  const wafRoutes = wafRouteIndex(DEFAULT_BODY_LIMIT);
  app.use(edge({ csp: [{ prefix: DOCS_PATH, policy: DOCS_CSP }], onError, stages: [waf({ routes: wafRoutes })] }));

  // 3–7. Modules, in the order of the README's route table. Their routes carry their own body stages and guards.
  app.route("/", createPlatformRouter({ openApiDocument: openApiDocument(app) }));
  for (const module of options.modules ?? []) app.route(module.basePath, module.router);

  // The registry lists every mounted route (full path) with what defineRoute declared.
  wafRoutes.build(app.openAPIRegistry.definitions);
  // 3. No route matched: 404, or 405 with Allow derived from the routes just mounted.
  app.notFound(routeNotMatched(buildMethodIndex(app.routes)));
  // 8. Errors.
  app.onError(onError);
  return app;
}
