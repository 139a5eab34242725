/**
 * The route-declaration mechanism every module uses, and the OpenAPI 3.1 document.
 * A route is declared once with zod schemas (`defineRoute`): the same schemas
 * validate requests, type handlers and generate the document. Declaring a route
 * also declares its pipeline: body-carrying methods get the content-type, body
 * limit and JSON stages, then the route's guards, then validation.
 */
import { createRoute, OpenAPIHono, type Hook, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { JSONValue } from "hono/utils/types";
import type { AppEnv } from "../env";
import { rateLimit, resolvePolicy, type RateLimitPolicy, type RateLimitPolicyName } from "../pipeline/rate-limit";
import { DEFAULT_BODY_LIMIT, requestBody } from "../pipeline/request";
import { WAF_ROUTE, type WafRouteFacts, type WafRouteOptions } from "../pipeline/waf";
import { AppError, type FieldError } from "./errors";
import { ProblemSchema, ValidationProblemSchema, problemResponse } from "./schemas";

/** Pipeline options of one route, next to its OpenAPI definition. */
export interface RouteOptions {
  /** Largest accepted body in bytes; default {@link DEFAULT_BODY_LIMIT}. */
  readonly bodyLimit?: number;
  /**
   * Stage 4 for this route (authenticate, added by a later issue), after the body
   * checks; the rate-limit stage (5) runs right after these, then validation.
   * Stage 6 (authorize) belongs after the rate limit.
   */
  readonly guards?: readonly MiddlewareHandler<AppEnv>[];
  /**
   * Stage 5 (P4): the route's policy in the rate-limit table
   * (src/pipeline/rate-limit/policies.ts); default `default`. `exempt` adds no
   * stage at all unless the route has guards (their deferred Redis checks still
   * run). A policy object is for tests' probe routes only.
   */
  readonly rateLimit?: RateLimitPolicyName | RateLimitPolicy;
  /**
   * Stage 2 (P3): fields of this route excluded from WAF rule groups, e.g. a free-text
   * field that may quote an attack: `{ exclude: [{ fields: ["description"], groups: ["sqli", "xss"] }] }`.
   * Only those groups, only on those fields; every other rule still runs on them.
   */
  readonly waf?: WafRouteOptions;
}

const BODY_METHODS: ReadonlySet<string> = new Set(["post", "put", "patch", "delete"]);
const MAX_FIELD_ERRORS = 50;
const TARGETS: Readonly<Record<string, FieldError["in"]>> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

/**
 * The validation hook of every router: a failed zod parse becomes 422
 * `validation_failed` listing each field (capped, so a huge body cannot make a
 * huge answer). Messages are zod's, which describe the rule, not internals.
 */
export const validationHook: Hook<unknown, AppEnv, string, void> = (result) => {
  if (result.success) return;
  const errors = result.error.issues.slice(0, MAX_FIELD_ERRORS).map((issue) => ({
    in: TARGETS[result.target] ?? "body",
    path: issue.path.map(String).join("."),
    message: issue.message,
    code: issue.code,
  }));
  throw new AppError("validation_failed", { errors });
};

/**
 * A router for a module (or the app itself), with the validation hook set.
 *
 * @example
 * ```ts
 * const router = createRouter();
 * router.openapi(healthRoute, (c) => c.json({ status: "ok" }, 200));
 * ```
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

/**
 * Declares a route: its OpenAPI definition plus its pipeline. Returns the
 * definition for `router.openapi(route, handler)`, typed as written, so handlers
 * are typed by the declared responses; the problem responses added here are
 * documentation of what the pipeline may answer.
 *
 * @example
 * ```ts
 * export const createRisk = defineRoute({
 *   method: "post", path: "/risks",
 *   request: { body: { content: { "application/json": { schema: RiskInput } } } },
 *   responses: { 201: { description: "Created", content: { "application/json": { schema: Risk } } } },
 * }, { bodyLimit: 16 * 1024 });
 * ```
 */
export function defineRoute<const R extends Omit<RouteConfig, "middleware">>(route: R, options: RouteOptions = {}): R {
  const body = route.request?.body;
  const carriesBody = BODY_METHODS.has(route.method);
  const mediaTypes = body ? Object.keys(body.content) : ["application/json"];
  const policy = resolvePolicy(options.rateLimit);
  const guards = options.guards ?? [];
  const limited = policy.limits.length > 0;
  const middleware = [
    ...(carriesBody ? requestBody({ mediaTypes, maxBytes: options.bodyLimit ?? DEFAULT_BODY_LIMIT, parseJson: body !== undefined }) : []),
    ...guards,
    ...(limited || guards.length > 0 ? [rateLimit(policy)] : []),
  ];
  const validates =
    body !== undefined ||
    route.request?.query !== undefined ||
    route.request?.params !== undefined ||
    route.request?.headers !== undefined ||
    route.request?.cookies !== undefined;
  const responses = {
    ...(carriesBody
      ? {
          400: problemResponse("Invalid JSON (`invalid_json`).", ProblemSchema),
          413: problemResponse("Body over this route's limit (`payload_too_large`).", ProblemSchema),
          415: problemResponse("Wrong content type (`unsupported_media_type`).", ProblemSchema),
        }
      : {}),
    ...(validates ? { 422: problemResponse("Invalid fields (`validation_failed`).", ValidationProblemSchema) } : {}),
    ...(limited
      ? {
          429: problemResponse(
            "A rate limit was reached (`rate_limited`); see `Retry-After`, `RateLimit-Policy` and `RateLimit`.",
            ProblemSchema,
          ),
        }
      : {}),
    ...(limited && policy.onUnavailable !== "open"
      ? {
          503: problemResponse(
            `Rate limits cannot be checked (\`rate_limit_unavailable\`)${policy.onUnavailable === "config" ? " and RATE_LIMIT_FAIL_POLICY is closed" : ""}; see \`Retry-After\`.`,
            ProblemSchema,
          ),
        }
      : {}),
    500: problemResponse("Unexpected error (`internal_error`); carries only the request id.", ProblemSchema),
    ...route.responses,
  };
  const declared = createRoute({
    ...route,
    // The body stages above already refused a missing or mistyped body; making the
    // body required keeps zod-openapi from skipping validation on a type mismatch.
    ...(body ? { request: { ...route.request, body: { ...body, required: true } } } : {}),
    responses,
    ...(middleware.length > 0 ? { middleware } : {}),
  });
  // The WAF runs before the router: it finds this route's body limit and exclusions
  // in the OpenAPI registry at createApp time, under a symbol key (never serialised).
  const wafFacts: WafRouteFacts = { bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, exclude: options.waf?.exclude ?? [] };
  Object.defineProperty(declared, WAF_ROUTE, { value: wafFacts, enumerable: true });
  // Same object at runtime plus pipeline fields; typed as declared on purpose (see above).
  return declared;
}

/** Identity of the API in its OpenAPI document. */
export const API_INFO = {
  title: "Rampart API",
  version: "1.0.0",
  description:
    "Edge API of Rampart, a multi-tenant NIS2 compliance service. Every error is RFC 9457 `application/problem+json` " +
    "with a stable `code`; every response carries `X-Request-Id`. Plain-http requests are redirected (GET/HEAD, 308) " +
    "or refused (400 `https_required`); connections below the minimum TLS version get 426 `tls_version_too_low`. " +
    "Unknown paths answer 404 `not_found`, known paths with another method 405 `method_not_allowed` with `Allow`. " +
    "Any request the web application firewall refuses answers 403 `waf_blocked` with the matched `rule_ids`. " +
    "Rate-limited routes answer with `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers) and, over a limit, " +
    "429 `rate_limited` with `Retry-After`.",
} as const;

/** An OpenAPI 3.1 document, as the JSON object it is served as. */
export type OpenApiDocument = { [key: string]: JSONValue };

/**
 * The OpenAPI 3.1 document of `app`, generated on first use and then reused:
 * schema walking happens once per isolate, not per request.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>): () => OpenApiDocument {
  let document: OpenApiDocument | undefined;
  // The generator emits plain JSON data; its declared type only lacks the index signature.
  return () => (document ??= app.getOpenAPI31Document({ openapi: "3.1.0", info: API_INFO }) as unknown as OpenApiDocument);
}
