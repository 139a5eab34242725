/**
 * The whole request pipeline, in order, and every module router (README
 * "One request, in order"). Read top to bottom: this is what a request goes through.
 *
 *   1. edge      request id → config → HTTPS/TLS (P1); on the way out secure headers (P1 HSTS, P2)
 *   2. waf       linear-time checks on method, path, query, headers, body; anomaly score; no I/O (P3)
 *      cors      the browser app's origins (CORS_ORIGINS); preflights answered with the path's real methods
 *   3. route     Hono matches; unknown path 404, other method 405 + Allow (P3).
 *                Per route, declared with it (defineRoute): content type 415,
 *                body limit 413, JSON 400 (P3)
 *   4. auth      per route via defineRoute's `auth` (required: deny by default): access JWT
 *                verified in the isolate, aal2 and super-admin checks (P7, P8)
 *   5. limits    per route via defineRoute's `rateLimit`, a policy of the one table
 *                (src/pipeline/rate-limit/policies.ts; default `default`): per IP, user
 *                or API key, organization, endpoint; with stage 4's session-revocation
 *                read, one Redis round trip (P4, P8, P12)
 *   6. authorize per route via defineRoute's `permission` on organization routes: the
 *                check (membership, role or API key scope, the org's MFA requirement)
 *                is the first statement of the handler's one transaction (P9)
 *   7. handler   after zod validation (422 `validation_failed`)
 *   8. errors    every failure → problem+json; a bug → 500 with the request id, logged once;
 *                a refusal on an organization's route → its `request_refused` event, after
 *                the response, at most one per principal, code and window (P16)
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./context";
import { createRouter, openApiDocument } from "./http/openapi";
import { AUDIT_BASE_PATH, createAuditRouter } from "./modules/audit";
import { AUTH_BASE_PATH, createAuthRouter } from "./modules/auth";
import { createInvitationsRouter, createOrgsRouter, INVITATIONS_BASE_PATH, ORGS_BASE_PATH } from "./modules/orgs";
import { createPlatformRouter, DOCS_CSP, DOCS_PATH } from "./modules/platform";
import { createRecordsRouter, RECORDS_BASE_PATH } from "./modules/records";
import { createNis2Router, NIS2_BASE_PATH } from "./modules/nis2";
import { createFilesRouter, FILES_BASE_PATH, FILES_CSP, FILES_PATH } from "./modules/files";
import { createLinksRouter, LINKS_BASE_PATH } from "./modules/links";
import { createDutiesRouter, DUTIES_BASE_PATH } from "./modules/duties";
import { createIntegrationsRouter, INTEGRATIONS_BASE_PATH } from "./modules/integrations";
import { BACKUPS_BASE_PATH, createBackupsRouter } from "./modules/backups";
import { ADMIN_BASE_PATH, createAdminRouter } from "./modules/admin";
import { SECURITY_SCHEMES } from "./pipeline/authenticate";
import { withRefusalEvents } from "./pipeline/authorize";
import { cors } from "./pipeline/cors";
import { edge, onError } from "./pipeline/edge";
import { buildMethodIndex, DEFAULT_BODY_LIMIT, routeNotMatched, type MethodIndex, type RegisteredRoute } from "./pipeline/request";
import { declaredAuth } from "./pipeline/route";
import { waf, wafRouteIndex, type RegisteredDefinition } from "./pipeline/waf";

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
 * Deny by default: every route the router serves must have been declared with
 * `defineRoute` and its `auth`; a route added any other way stops the app from
 * building, so no route can be served without an authentication decision.
 */
function requireDeclaredAuth(routes: readonly RegisteredRoute[], definitions: readonly RegisteredDefinition[]): void {
  const declared = new Set(
    definitions.flatMap((d) =>
      d.type === "route" && d.route !== undefined && declaredAuth(d.route) !== undefined
        ? [`${d.route.method.toUpperCase()} ${d.route.path.replace(/\{([^}/]+)\}/g, ":$1")}`]
        : [],
    ),
  );
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const key = `${route.method.toUpperCase()} ${route.path}`;
    if (!declared.has(key)) throw new Error(`createApp: ${key} declares no authentication (declare it with defineRoute's auth)`);
  }
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
  // Every failure, the edge's own (the WAF's) included, passes the refusal recorder on its way out:
  // refusals on an organization's routes become its `request_refused` events, after the response.
  const errors = withRefusalEvents(onError);
  // Evidence files served under /files get a CSP that runs nothing (P14).
  const csp = [
    { prefix: DOCS_PATH, policy: DOCS_CSP },
    { prefix: FILES_PATH, policy: FILES_CSP },
  ];
  app.use(edge({ csp, onError: errors, stages: [waf({ routes: wafRoutes })] }));
  // CORS before routing, so a preflight never meets a route; its methods come from the index built below.
  // Only the API under /v1 is called from browsers: other paths (health, docs) carry no CORS frame.
  const index: { methods?: MethodIndex } = {};
  app.use(
    "/v1/*",
    cors(() => index.methods),
  );
  // The browser app uploads evidence files to their signed URLs (no credentials needed, but a PUT is cross-origin).
  app.use(
    `${FILES_PATH}/*`,
    cors(() => index.methods),
  );

  // 3–7. Modules, in the order of the README's route table. Their routes carry their own body stages, auth and limits.
  app.route("/", createPlatformRouter({ openApiDocument: openApiDocument(app) }));
  app.route(AUTH_BASE_PATH, createAuthRouter());
  app.route(ORGS_BASE_PATH, createOrgsRouter());
  app.route(AUDIT_BASE_PATH, createAuditRouter());
  // The eight compliance records under /v1/orgs/{org}/<resource>, one declaration each (src/modules/records/registry.ts).
  app.route(RECORDS_BASE_PATH, createRecordsRouter());
  app.route(NIS2_BASE_PATH, createNis2Router());
  // Evidence files: versions, signed upload and download URLs, and the /files routes that serve them (P14).
  app.route(FILES_BASE_PATH, createFilesRouter());
  // Links between records (control ↔ risk, control ↔ evidence) and assessment results (assessment ↔ control).
  app.route(LINKS_BASE_PATH, createLinksRouter());
  // Policy acknowledgements, training assignments and each person's open duties.
  app.route(DUTIES_BASE_PATH, createDutiesRouter());
  app.route(INVITATIONS_BASE_PATH, createInvitationsRouter());
  // Stripe's webhook, billing status, the bank's OAuth2 connection, data-key re-encryption (full paths).
  app.route(INTEGRATIONS_BASE_PATH, createIntegrationsRouter());
  // Backups: the organization's encrypted exports, their restore checks, the restore drill; the administrators' list (P15).
  app.route(BACKUPS_BASE_PATH, createBackupsRouter());
  // Platform administration: organizations, suspension, cross-tenant security events and alerts (super administrators, aal2).
  app.route(ADMIN_BASE_PATH, createAdminRouter());
  for (const module of options.modules ?? []) app.route(module.basePath, module.router);

  const definitions = app.openAPIRegistry.definitions;
  requireDeclaredAuth(app.routes, definitions);
  app.openAPIRegistry.registerComponent("securitySchemes", SECURITY_SCHEMES.user, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from login, MFA verification or refresh (≤ 15 minutes). Routes that need aal2 say so.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", SECURITY_SCHEMES.api_key, {
    type: "http",
    scheme: "bearer",
    description: "An organization's API key (`rk_live_…`).",
  });
  // The registry lists every mounted route (full path) with what defineRoute declared.
  wafRoutes.build(definitions);
  // 3. No route matched: 404, or 405 with Allow derived from the routes just mounted.
  index.methods = buildMethodIndex(app.routes);
  app.notFound(routeNotMatched(index.methods));
  // 8. Errors.
  app.onError(errors);
  return app;
}
