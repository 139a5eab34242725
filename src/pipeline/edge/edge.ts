/**
 * Stage 1, the edge, as ONE middleware: request id, configuration, HTTPS/TLS
 * (P1), and on the way out the secure headers (P1 HSTS, P2) and the error path
 * (stage 8). It runs on every request, so it is one frame, not five; each
 * concern is a plain function in its own file.
 */
import type { Context, ErrorHandler, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { headerOf, readRequestHead, type RequestHead } from "../../http/request-head";
import { requireConfig } from "./config";
import { NonErrorThrown } from "./error-handler";
import { headerListsFor, withSecureHeaders, type CspRule } from "./headers";
import { enforceTransport } from "./https";
import { REQUEST_ID_HEADER, resolveRequestId } from "./request-id";

// The request id's header as the runtime lists it (lower case).
const REQUEST_ID_NAME = REQUEST_ID_HEADER.toLowerCase();

/** Options of {@link edge}. */
export interface EdgeOptions {
  /**
   * Documents: path prefixes browsers navigate to, each with its CSP; their responses get
   * the document-only headers too. Every other path gets the API's CSP and list.
   */
  readonly csp?: readonly CspRule[];
  /** The app's error handler: a throw that reaches the edge leaves through it as problem+json. */
  readonly onError: ErrorHandler<AppEnv>;
  /**
   * Stages that run before routing inside this frame (the WAF), in order, after the
   * transport checks. A stage refuses by throwing, and returns a promise only when it
   * has I/O-free async work (reading a body): an extra middleware frame per request
   * was measurable in workerd.
   */
  readonly stages?: readonly RequestStage[];
}

/**
 * A pre-routing stage run by the edge: throws to refuse; a promise only when it must wait.
 * `head` is the request line and headers the edge read once (no stage reads them again).
 */
export type RequestStage = (c: Context<AppEnv>, head: RequestHead) => Promise<void> | undefined;

/**
 * The edge stage, outermost: it sees every response last, whoever built it.
 *
 * @example
 * ```ts
 * app.use(edge({ csp: [{ prefix: "/docs", policy: DOCS_CSP }], onError }));
 * ```
 */
export function edge(options: EdgeOptions): MiddlewareHandler<AppEnv> {
  const secureHeadersFor = headerListsFor(options.csp ?? []);
  const stages = options.stages ?? [];
  return async function edge(c, next) {
    const head = readRequestHead(c.req.raw);
    const requestId = resolveRequestId(headerOf(head, REQUEST_ID_NAME));
    c.set("requestId", requestId);
    let response: Response;
    try {
      const pending = requireConfig(c);
      const config = pending instanceof Promise ? await pending : pending;
      const redirect = enforceTransport(c, head, config);
      if (redirect) {
        response = redirect;
      } else {
        for (const stage of stages) {
          const pending = stage(c, head);
          if (pending !== undefined) await pending;
        }
        await next();
        response = c.res;
      }
    } catch (thrown) {
      // Hono turns inner Errors into responses itself; what arrives here is the
      // edge's own refusals, or a non-Error value Hono rethrows untouched.
      response = await options.onError(thrown instanceof Error ? thrown : new NonErrorThrown(thrown), c);
    }
    const final = withSecureHeaders(response, secureHeadersFor(c.req.path), requestId);
    if (final !== c.res) {
      // Cleared first: assigning over an existing response makes Hono copy that
      // response's headers onto the new one, one `set` each.
      c.res = undefined;
      c.res = final;
    }
  };
}
