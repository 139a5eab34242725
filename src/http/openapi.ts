/**
 * Routers and the OpenAPI 3.1 document. Every router validates with the same
 * hook (a failed zod parse is 422 `validation_failed`); the document is generated
 * once per isolate from the routes the app mounted. Routes themselves are
 * declared with `defineRoute` (src/pipeline/route.ts), which adds their pipeline.
 */
import { OpenAPIHono, type Hook } from "@hono/zod-openapi";
import type { JSONValue } from "hono/utils/types";
import type { AppEnv } from "../context";
import { AppError, type FieldError } from "./errors";

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

/** Identity of the API in its OpenAPI document. */
export const API_INFO = {
  title: "Rampart API",
  version: "1.0.0",
  description:
    "Edge API of Rampart, a multi-tenant NIS2 compliance service. Every error is RFC 9457 `application/problem+json` " +
    "with a stable `code`; every response carries `X-Request-Id`. Plain-http requests are redirected (GET/HEAD, 308) " +
    "or refused (400 `https_required`); connections below the minimum TLS version get 426 `tls_version_too_low`. " +
    "Unknown paths answer 404 `not_found`, known paths with another method 405 `method_not_allowed` with `Allow`. " +
    "Any request the web application firewall refuses answers 403 `waf_blocked` with its request id only (quote it if the block is a mistake). " +
    "A body on GET, HEAD, DELETE or OPTIONS answers 400 `body_not_allowed`; a body the firewall cannot inspect whole answers 413 " +
    "(`payload_too_large`, or `inspection_limit_exceeded` for too deep or too many JSON values); a body that does not arrive in time, 408 `request_timeout`. " +
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
