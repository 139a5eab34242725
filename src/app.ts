/**
 * The whole request pipeline, in order, and every module router (README
 * "One request, in order"). Read top to bottom: this is what a request goes through.
 *
 *   0. modules   the modules whose routes match the path are loaded, once per isolate
 *                (src/app.modules.ts; README "Start-up"); a path no route has loads none
 *   1. edge      in front of the router: request line and headers read once → request id →
 *                config → HTTPS/TLS (P1); on the way out secure headers (P1 HSTS, P2); its
 *                refusals answered by the router's twin (refusalRouter)
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
import { Hono } from "hono";
import { getPath } from "hono/utils/url";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Shell } from "./app.assemble";
import { MODULES, type AppModule, type ModuleName } from "./app.modules";
import { MODULE_ROUTES } from "./app.routes";
import type { AppEnv } from "./context";
import type { Bindings } from "./env";
import { openApiDocument } from "./http/openapi-document";
import { DOCS_CSP, DOCS_PATH } from "./modules/platform/platform.docs";
import { FILES_CSP, FILES_PATH } from "./modules/files/files.paths";
import { CALLBACK_PATH as BANK_CALLBACK_PATH } from "./modules/integrations/bank.paths";
import { withRefusalEvents } from "./pipeline/authorize/refusal-hook";
import { cors } from "./pipeline/cors";
import { API_CSP, edge, onError, refusalRouter, type EdgeTargets, type RequestStage } from "./pipeline/edge";
import { buildMethodIndex, DEFAULT_BODY_LIMIT, routeNotMatched } from "./pipeline/request";
import { waf, wafRouteIndex } from "./pipeline/waf";

export type { AppModule } from "./app.modules";

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Extra modules, built already, mounted after the app's own (tests mount probe modules here). */
  readonly modules?: readonly AppModule[];
}

/** The app: a fetch handler over the modules loaded so far. */
export interface App {
  /**
   * Answers one request, loading the modules its path needs first. A request the
   * current router answers at once is answered without a promise.
   */
  readonly fetch: (request: Request, env: Bindings, ctx?: ExecutionContext) => Response | Promise<Response>;
  /** Loads every module and resolves to the router with all of them (the OpenAPI document; tests). */
  readonly loadAll: () => Promise<OpenAPIHono<AppEnv>>;
  /** The modules mounted so far, in mounting order (tests and the start-up bench read it). */
  readonly mounted: () => ModuleName[];
}

/** Hono's `:param` (one segment) as a regular expression over a path, literal elsewhere. */
function patternSource(path: string): string {
  return path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
}

/** For each module, one expression matching every path one of its routes serves. */
const MODULE_PATHS: readonly (readonly [ModuleName, RegExp])[] = MODULES.map(({ name }) => [
  name,
  new RegExp(`^(?:${MODULE_ROUTES[name].map(patternSource).join("|")})$`),
]);

// Paths an isolate remembers as settled (every module with a route on them loaded); past
// this many the set starts again, so a client of ever new paths costs a little time, no memory.
const SETTLED_PATHS = 1024;

/**
 * The modules with a route on `path`, any method (a 405 must know every method the path
 * has), leaving out those `skip` says are loaded already.
 */
export function modulesFor(path: string, skip: (name: ModuleName) => boolean = () => false): ModuleName[] {
  const found: ModuleName[] = [];
  for (const [name, pattern] of MODULE_PATHS) if (!skip(name) && pattern.test(path)) found.push(name);
  return found;
}

/** Stage 0's failure, thrown by the edge so it is answered (and logged) like any bug: a 500 with the request id. */
function failedLoads(failures: WeakMap<Request, Error>): RequestStage {
  return (request) => {
    const failure = failures.get(request.raw);
    if (failure !== undefined) throw failure;
    return undefined;
  };
}

/**
 * Builds the app's shell: the edge with the WAF, CORS and the error handler, built
 * once per isolate at start-up; the modules are built on first use, each once.
 *
 * @example
 * ```ts
 * const app = createApp();
 * export default { fetch: app.fetch };
 * ```
 */
export function createApp(options: CreateAppOptions = {}): App {
  const extras = options.modules ?? [];
  // 1. Edge, outermost, in front of the router (not its middleware: src/pipeline/edge/edge.ts):
  //    request id, config, HTTPS/TLS; on the way out every response gets the secure headers
  //    and the request id, errors included.
  // 2. WAF (P3), run by the edge: after HTTPS, before any route work; no I/O.
  //    It reads each mounted route's body limit and exclusions, indexed when modules are mounted.
  const wafRoutes = wafRouteIndex(DEFAULT_BODY_LIMIT);
  // Every failure, the edge's own (the WAF's) included, passes the refusal recorder on its way out:
  // refusals on an organization's routes become its `request_refused` events, after the response.
  const errors = withRefusalEvents(onError);
  // Where browsers navigate, the responses are documents and get the document-only headers
  // too: the docs page; evidence files under /files, with a CSP that runs nothing (P14); and
  // the bank's OAuth callback, whose navigation carries its binding cookie (API CSP).
  const csp = [
    { prefix: DOCS_PATH, policy: DOCS_CSP },
    { prefix: FILES_PATH, policy: FILES_CSP },
    { prefix: BANK_CALLBACK_PATH, policy: API_CSP },
  ];
  const failures = new WeakMap<Request, Error>();
  const index = { methods: buildMethodIndex([]) };
  const inFront = edge({ csp, stages: [failedLoads(failures), waf({ routes: wafRoutes })] });
  const corsFrame = cors(() => index.methods);
  const shell: Shell = {
    frame(router) {
      // CORS before routing, so a preflight never meets a route. Only the API under /v1 is
      // called from browsers (other paths, health and docs, carry no CORS frame), and the
      // browser app uploads evidence files to their signed URLs (a cross-origin PUT).
      router.use("/v1/*", corsFrame);
      router.use(`${FILES_PATH}/*`, corsFrame);
    },
    errors,
    wafRoutes,
    index,
  };

  // Until a module is needed: the same frames, and a 404 for every path (no route exists yet).
  const empty = new Hono<AppEnv>();
  shell.frame(empty);
  empty.notFound(routeNotMatched(index.methods));
  empty.onError(errors);

  const loaded = new Map<ModuleName, AppModule>();
  const loading = new Map<ModuleName, Promise<void>>();
  let router: Hono<AppEnv> = empty;
  /** The edge's refusals are answered by a twin of the current router (refusalRouter says why). */
  let refusals = refusalRouter([], errors);
  /** The last router assembled, and the modules it mounts. */
  let assembled: { readonly router: OpenAPIHono<AppEnv>; readonly modules: readonly ModuleName[] } | undefined;
  /** Set once every module is mounted: from then on a request skips stage 0. */
  let complete = false;
  const isLoaded = (name: ModuleName): boolean => loaded.has(name);
  /** Paths whose modules are all loaded: modules only ever join, so a path once settled stays so. */
  const settled = new Set<string>();

  const deps = { openApiDocument: openApiDocument(() => loadAll()) };
  const load = (name: ModuleName): Promise<void> => {
    let pending = loading.get(name);
    if (pending === undefined) {
      const module = MODULES.find((m) => m.name === name);
      if (module === undefined) return Promise.reject(new Error(`createApp: no module named ${name}`));
      pending = module
        .load(deps)
        .then((built) => void loaded.set(name, built))
        .finally(() => loading.delete(name));
      loading.set(name, pending);
    }
    return pending;
  };
  /** Whether the current router mounts `names` and everything loaded (the extras, the first time, too). */
  const ready = (names: readonly ModuleName[]): boolean =>
    names.every((name) => loaded.has(name)) &&
    (assembled === undefined ? loaded.size === 0 && extras.length === 0 : assembled.modules.length === loaded.size);

  /** Loads `names`, then mounts every loaded module afresh (a failed assembly is tried again by the next request). */
  async function need(names: readonly ModuleName[]): Promise<void> {
    await Promise.all(names.filter((name) => !loaded.has(name)).map(load));
    if (ready(names)) return;
    const { assembleRouter } = await import("./app.assemble");
    if (ready(names)) return;
    // Modules only ever join, and nothing pauses between reading `loaded` and the
    // assignment, so each router mounts every module an earlier one had: a request that
    // waited for its modules finds them in whichever router is current when it resumes.
    const mounting = MODULES.flatMap(({ name }) => (loaded.has(name) ? [name] : []));
    const modules = MODULES.flatMap(({ name }) => loaded.get(name) ?? []);
    const built = assembleRouter(shell, [...modules, ...extras]);
    assembled = { router: built, modules: mounting };
    router = built;
    refusals = refusalRouter(built.routes, errors);
    complete = mounting.length === MODULES.length;
  }

  async function loadAll(): Promise<OpenAPIHono<AppEnv>> {
    await need(MODULES.map((m) => m.name));
    if (assembled === undefined) throw new Error("createApp: no router was assembled");
    return assembled.router;
  }

  // The edge hands a request to whichever router is current then.
  const targets: EdgeTargets = {
    route: (request, env, ctx) => router.fetch(request, env, ctx),
    refuse: (request, env, ctx) => refusals.fetch(request, env, ctx),
  };

  return {
    fetch(request, env, ctx) {
      // The router's path of the request, as Hono's own `c.req.path` computes it.
      const path = getPath(request);
      if (complete) return inFront(request, env, ctx, path, targets);
      // A warm isolate's requests mostly go to paths it served before: no module to match.
      let names: readonly ModuleName[] = [];
      if (!settled.has(path)) {
        names = modulesFor(path, isLoaded);
        if (names.length === 0) {
          if (settled.size >= SETTLED_PATHS) settled.clear();
          settled.add(path);
        }
      }
      if (ready(names)) return inFront(request, env, ctx, path, targets);
      return need(names).then(
        () => inFront(request, env, ctx, path, targets),
        (error: unknown) => {
          failures.set(request, error instanceof Error ? error : new Error(String(error)));
          return inFront(request, env, ctx, path, targets);
        },
      );
    },
    loadAll,
    mounted: () => [...(assembled?.modules ?? [])],
  };
}
