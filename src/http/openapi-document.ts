/**
 * The app's OpenAPI 3.1 document: its identity and the cached generator. Apart from
 * openapi.ts so that the app's shell can hold the generator without loading
 * zod-openapi at start-up (the document loads every module first).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { JSONValue } from "hono/utils/types";
import type { AppEnv } from "../context";

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
 * The OpenAPI 3.1 document of the router `load` resolves to (the app with every
 * module loaded), generated on first use and then reused: schema walking happens
 * once per isolate, not per request.
 */
export function openApiDocument(load: () => Promise<OpenAPIHono<AppEnv>>): () => Promise<OpenApiDocument> {
  let document: Promise<OpenApiDocument> | undefined;
  // The generator emits plain JSON data; its declared type only lacks the index signature.
  const generate = async (): Promise<OpenApiDocument> =>
    (await load()).getOpenAPI31Document({ openapi: "3.1.0", info: API_INFO }) as unknown as OpenApiDocument;
  return () =>
    (document ??= generate().catch((error: unknown) => {
      // A failed load is not remembered: the next request tries again.
      document = undefined;
      throw error;
    }));
}
