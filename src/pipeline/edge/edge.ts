/**
 * Stage 1, the edge: request id, configuration, HTTPS/TLS (P1), the stages before
 * routing (the WAF), and on the way out the secure headers (P1 HSTS, P2) on every
 * response, the edge's own refusals included (stage 8 answers those).
 *
 * It wraps the router's `fetch` instead of being its first middleware: a middleware
 * makes every route a chain, which Hono runs through its composer (a promise per
 * link) even when the route itself is one synchronous handler. In front of the
 * router, a request the stages pass costs one plain call into the router, and a
 * handler that answers at once is answered without a promise (README "Benchmark").
 * What the edge learnt (request id, configuration) reaches the router's context on
 * the request's `env` ({@link RequestBindings}).
 */
import { Hono } from "hono";
import type { Context, ErrorHandler } from "hono";
import { METHOD_NAME_ALL } from "hono/router";
import type { AppEnv, EdgeRequest, RequestBindings } from "../../context";
import type { Bindings, Config } from "../../env";
import { headerOf, readRequestHead, type RequestHead } from "../../http/request-head";
import { requireConfig } from "./config";
import { NonErrorThrown } from "./error-handler";
import { headerListsFor, withSecureHeaders, type CspRule } from "./headers";
import { enforceTransport } from "./https";
import { REQUEST_ID_HEADER, resolveRequestId } from "./request-id";

// The request id's header as the runtime lists it (lower case).
const REQUEST_ID_NAME = REQUEST_ID_HEADER.toLowerCase();

/**
 * A pre-routing stage run by the edge: throws to refuse; a promise only when it must wait
 * (reading a body). `head` is the request line and headers the edge read once (no stage
 * reads them again).
 */
export type RequestStage = (request: EdgeRequest, head: RequestHead) => Promise<void> | undefined;

/** A router's `fetch`, as the edge calls it. */
export type Downstream = (request: Request, env: RequestBindings, ctx: ExecutionContext | undefined) => Response | Promise<Response>;

/**
 * Where the edge sends a request: `route`, the app's router, when the stages passed it;
 * `refuse`, the router {@link refusalRouter} built from the same routes, when one refused it.
 */
export interface EdgeTargets {
  readonly route: Downstream;
  readonly refuse: Downstream;
}

/** Options of {@link edge}. */
export interface EdgeOptions {
  /**
   * Documents: path prefixes browsers navigate to, each with its CSP; their responses get
   * the document-only headers too. Every other path gets the API's CSP and list.
   */
  readonly csp?: readonly CspRule[];
  /** Stages that run before routing (the WAF), in order, after the transport checks. */
  readonly stages?: readonly RequestStage[];
}

/** One request through the edge; `path` is the router's path of it (Hono's `getPath`). */
export type Edge = (
  request: Request,
  env: Bindings,
  ctx: ExecutionContext | undefined,
  path: string,
  targets: EdgeTargets,
) => Response | Promise<Response>;

// The facts before the configuration is parsed; only the error path can read them so (EdgeFacts).
interface PendingFacts {
  readonly requestId: string;
  config: Config | undefined;
}

/**
 * The request's `env`: the worker's bindings by prototype (no copy), plus the edge's facts
 * as its own property. Defined, not assigned: an assignment looks up the prototype chain
 * first, and an env that is a proxy (the test runtime's is) would take it onto the
 * worker's one shared env, where concurrent requests would read each other's facts.
 */
function requestBindings(env: Bindings, facts: PendingFacts): RequestBindings {
  return Object.create(env, { edge: { value: facts, enumerable: true } }) as RequestBindings;
}

// The refusal the edge noted for a request, by the request's `env` (one object per request).
const refused = new WeakMap<object, Error>();

/**
 * The router that answers the edge's refusals: a route wherever the app's router has
 * one (`routes`, as Hono lists them), each throwing the refusal the edge noted. So the
 * error handler gets the context it is written for, naming the route the request
 * would have reached (a refusal on an organization's route is recorded under it, P16).
 */
export function refusalRouter(
  routes: readonly { readonly method: string; readonly path: string }[],
  onError: ErrorHandler<AppEnv>,
): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  const refuse = (c: Context<AppEnv>): never => {
    throw refused.get(c.env) ?? new Error("edge: a refusal reached the refusal router without its error");
  };
  // First, so that it is the handler that runs; the routes after it only name the route matched.
  router.all("*", refuse);
  for (const { method, path } of routes) if (method !== METHOD_NAME_ALL) router.on(method, path, refuse);
  router.onError(onError);
  return router;
}

/**
 * The edge, outermost: it sees every response last, whoever built it.
 *
 * @example
 * ```ts
 * const inFront = edge({ csp: [{ prefix: "/docs", policy: DOCS_CSP }], stages: [waf({ routes })] });
 * const targets = { route: router.fetch, refuse: refusalRouter(router.routes, onError).fetch };
 * export default { fetch: (request, env, ctx) => inFront(request, env, ctx, getPath(request), targets) };
 * ```
 */
export function edge(options: EdgeOptions): Edge {
  const secureHeadersFor = headerListsFor(options.csp ?? []);
  const stages = options.stages ?? [];

  /** Runs the stages from `from` on, synchronously until one has to wait. */
  function runStages(request: EdgeRequest, head: RequestHead, from: number): Promise<void> | undefined {
    for (let i = from; i < stages.length; i++) {
      const pending = stages[i]?.(request, head);
      if (pending !== undefined) return pending.then(() => runStages(request, head, i + 1));
    }
    return undefined;
  }

  return function edge(raw, env, ctx, path, targets) {
    const head = readRequestHead(raw);
    const requestId = resolveRequestId(headerOf(head, REQUEST_ID_NAME));
    const facts: PendingFacts = { requestId, config: undefined };
    const bindings = requestBindings(env, facts);
    const request: EdgeRequest = { raw, path, facts: bindings.edge };
    const refuse = (thrown: unknown): Response | Promise<Response> => {
      refused.set(bindings, thrown instanceof Error ? thrown : new NonErrorThrown(thrown));
      return targets.refuse(request.raw, bindings, ctx);
    };
    const route = (config: Config): Response | Promise<Response> => {
      facts.config = config;
      const redirect = enforceTransport(raw, head, config);
      if (redirect) return redirect;
      const pending = runStages(request, head, 0);
      if (pending !== undefined) return pending.then(() => targets.route(request.raw, bindings, ctx));
      return targets.route(request.raw, bindings, ctx);
    };
    let response: Response | Promise<Response>;
    try {
      const config = requireConfig(env);
      response = config instanceof Promise ? config.then(route) : route(config);
      // The router answers its own errors: what rejects here is the edge's (a stage that waited).
      if (response instanceof Promise) response = response.catch(refuse);
    } catch (thrown) {
      response = refuse(thrown);
    }
    const headersOut = secureHeadersFor(path);
    if (response instanceof Promise) return response.then((final) => withSecureHeaders(final, headersOut, requestId));
    return withSecureHeaders(response, headersOut, requestId);
  };
}
