/**
 * The per-route declaration every module uses (`defineRoute`): a route's OpenAPI
 * definition and, beside it as data, what the pipeline does for it: body limit
 * and media types (stage 3), who may call it (stage 4, `auth`, required),
 * rate-limit policy (stage 5), WAF exclusions (stage 2) and the error codes its
 * handler may answer. From that one declaration come the route's middleware, its
 * OpenAPI `security` and documented error responses (from the error-code table),
 * and the facts the WAF and `createApp` read before routing.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Permission } from "../context";
import type { ErrorCode } from "../http/errors";
import { errorResponses } from "../http/schemas";
import { adminAudit } from "./admin-audit";
import { authenticate, authErrors, securityOf, type AuthRequirement } from "./authenticate";
import { authorize, AUTHORIZE_ERRORS, ORG_PARAM } from "./authorize";
import { rateLimit, resolvePolicy, type RateLimitPolicy, type RateLimitPolicyName } from "./rate-limit";
import { DEFAULT_BODY_LIMIT, requestBody, streamedBody } from "./request";
import { WAF_ROUTE, type WafRouteFacts, type WafRouteOptions } from "./waf";

/** Pipeline options of one route, next to its OpenAPI definition. */
export interface RouteOptions {
  /** Largest accepted body in bytes; default {@link DEFAULT_BODY_LIMIT}. */
  readonly bodyLimit?: number;
  /**
   * `"stream"`: the body is a file, handed to the handler as the request's stream and never
   * read as text. Instead of the media-type, buffering and JSON stages, the route requires a
   * declared Content-Length within `bodyLimit` (411, 413), and the WAF inspects the method,
   * target and headers but not the body: its rules judge text that reaches a parser, a
   * query or a page, and these bytes reach only storage (they are served back as an
   * attachment under a CSP that runs nothing). The handler treats the bytes as opaque and
   * checks them itself (the evidence upload checks their type, size and SHA-256 as they stream).
   */
  readonly body?: "stream";
  /**
   * Stage 4: who may call the route, `"public"` or the principals accepted (with
   * `aal: "aal2"` or `superAdmin: true` where needed). Required: a route that
   * declares nothing does not build (deny by default).
   */
  readonly auth: AuthRequirement;
  /**
   * Stage 6 (P9): an organization route (its path has `{org}`) and the permission it
   * needs there. The handler's transaction (`inOrg`) starts with the check; the
   * database's row policies check again on their own.
   */
  readonly permission?: Permission;
  /**
   * Stage 5 (P4): the route's policy in the rate-limit table
   * (src/pipeline/rate-limit/policies.ts); default `default`. A public `exempt`
   * route gets no stage at all; an authenticated one still sends its deferred
   * Redis checks (session revocation). A policy object is for tests' probe routes only.
   */
  readonly rateLimit?: RateLimitPolicyName | RateLimitPolicy;
  /**
   * Stage 2 (P3): fields of this route excluded from WAF rule groups, e.g. a free-text
   * field that may quote an attack: `{ exclude: [{ fields: ["description"], groups: ["sqli", "xss"] }] }`.
   * Only those groups, only on those fields; every other rule still runs on them.
   */
  readonly waf?: WafRouteOptions;
  /**
   * Error codes the handler itself may answer (`not_found`, `invalid_credentials`, …).
   * The pipeline's own codes are added from the options above; the document
   * describes each from the error-code table.
   */
  readonly errors?: readonly ErrorCode[];
}

const BODY_METHODS: ReadonlySet<string> = new Set(["post", "put", "patch", "delete"]);

/**
 * Key under which `defineRoute` records a route's `auth` on its definition, so
 * `createApp` can refuse a route registered without one (a symbol never reaches the
 * served document).
 */
export const ROUTE_AUTH: unique symbol = Symbol("rampart.route-auth");

/** The authentication a registered route declared, or `undefined` for one built without `defineRoute`. */
export function declaredAuth(route: object): AuthRequirement | undefined {
  return (route as { [ROUTE_AUTH]?: AuthRequirement })[ROUTE_AUTH];
}

/** The error codes the pipeline may answer for a route declared with these facts. */
function pipelineErrors(carriesBody: boolean, streamed: boolean, validates: boolean, policy: RateLimitPolicy): ErrorCode[] {
  const limited = policy.limits.length > 0;
  return [
    ...(carriesBody && !streamed ? (["invalid_json", "payload_too_large", "unsupported_media_type"] as const) : []),
    ...(streamed ? (["length_required", "payload_too_large"] as const) : []),
    ...(validates ? (["validation_failed"] as const) : []),
    ...(limited ? (["rate_limited"] as const) : []),
    ...(limited && policy.onUnavailable !== "open" ? (["rate_limit_unavailable"] as const) : []),
    // Every route past the platform's exempt ones reaches the database.
    ...(limited ? (["database_unavailable"] as const) : []),
    "internal_error",
  ];
}

/**
 * Declares a route: its OpenAPI definition plus its pipeline. Returns the
 * definition for `router.openapi(route, handler)`, typed as written, so handlers
 * are typed by the declared responses; the problem responses added here are
 * documentation of what the pipeline and the handler may answer.
 *
 * @example
 * ```ts
 * export const createRisk = defineRoute({
 *   method: "post", path: "/risks",
 *   request: { body: { content: { "application/json": { schema: RiskInput } } } },
 *   responses: { 201: { description: "Created", content: { "application/json": { schema: Risk } } } },
 * }, { auth: { principals: ["user"] }, bodyLimit: 16 * 1024, errors: ["forbidden"] });
 * ```
 */
export function defineRoute<const R extends Omit<RouteConfig, "middleware" | "security">>(route: R, options: RouteOptions): R {
  const body = route.request?.body;
  const carriesBody = BODY_METHODS.has(route.method);
  const mediaTypes = body ? Object.keys(body.content) : ["application/json"];
  const policy = resolvePolicy(options.rateLimit);
  const auth = options.auth;
  const limited = policy.limits.length > 0;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const streamed = options.body === "stream";
  if (streamed && !carriesBody)
    throw new Error(`defineRoute: ${route.method.toUpperCase()} ${route.path} streams a body its method cannot carry`);
  const bodyStages = streamed ? [streamedBody(bodyLimit)] : requestBody({ mediaTypes, maxBytes: bodyLimit, parseJson: body !== undefined });
  const middleware = [
    ...(carriesBody ? bodyStages : []),
    // Every platform administration call, and every refused attempt, is a security event (P9, P16).
    ...(auth !== "public" && auth.superAdmin === true ? [adminAudit()] : []),
    ...(auth === "public" ? [] : [authenticate(auth, { orgScoped: options.permission !== undefined })]),
    ...(limited || auth !== "public" ? [rateLimit(policy)] : []),
    ...(options.permission !== undefined ? [authorize(options.permission)] : []),
  ];
  if (options.permission !== undefined && (auth === "public" || !route.path.includes(`{${ORG_PARAM}}`))) {
    throw new Error(
      `defineRoute: ${route.method.toUpperCase()} ${route.path} declares a permission but is public or has no {${ORG_PARAM}}`,
    );
  }
  const request = route.request;
  const validates =
    body !== undefined ||
    request?.query !== undefined ||
    request?.params !== undefined ||
    request?.headers !== undefined ||
    request?.cookies !== undefined;
  const responses = {
    ...errorResponses([
      ...pipelineErrors(carriesBody, streamed, validates, policy),
      ...authErrors(auth),
      ...(options.permission !== undefined ? AUTHORIZE_ERRORS : []),
      ...(options.errors ?? []),
    ]),
    ...route.responses,
  };
  const declared = createRoute({
    ...route,
    // The body stages above already refused a missing or mistyped body; making the
    // body required keeps zod-openapi from skipping validation on a type mismatch.
    ...(body ? { request: { ...request, body: { ...body, required: true } } } : {}),
    responses,
    security: securityOf(auth),
    ...(middleware.length > 0 ? { middleware } : {}),
  });
  Object.defineProperty(declared, ROUTE_AUTH, { value: auth, enumerable: true });
  // The WAF runs before the router: it finds this route's body limit and exclusions
  // in the OpenAPI registry at createApp time, under a symbol key (never serialised).
  const wafFacts: WafRouteFacts = { bodyLimit, exclude: options.waf?.exclude ?? [], ...(streamed ? { body: "opaque" as const } : {}) };
  Object.defineProperty(declared, WAF_ROUTE, { value: wafFacts, enumerable: true });
  // Same object at runtime plus pipeline fields; typed as declared on purpose (see above).
  return declared;
}
