/** Platform route definitions: liveness, readiness, security.txt, the OpenAPI document and its page. */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../pipeline/route";
import { problemResponse } from "../../http/schemas";
import { DocsAssetParamsSchema, HealthSchema, JwksSchema, NotReadyProblemSchema, ReadySchema, SecurityTxtSchema } from "./platform.schemas";

const tags = ["platform"];
/**
 * Platform routes are public and exempt from rate limits (P4 table, src/pipeline/rate-limit/policies.ts):
 * static or bounded in cost, and liveness must never depend on Redis.
 */
const EXEMPT = { auth: "public", rateLimit: "exempt" } as const;

/** GET /healthz: liveness; touches no dependency. */
export const healthRoute = defineRoute(
  {
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    tags,
    summary: "Liveness",
    description: "Answers as long as the worker runs. Touches no database or Redis.",
    responses: { 200: { description: "Alive", content: { "application/json": { schema: HealthSchema } } } },
  },
  EXEMPT,
);

/** GET /readyz: one cheap round trip to Postgres and one PING to Redis, concurrently and bounded. */
export const readyRoute = defineRoute(
  {
    method: "get",
    path: "/readyz",
    operationId: "getReadiness",
    tags,
    summary: "Readiness",
    description: "Checks the database (one query) and Redis (one PING) concurrently, each within READY_TIMEOUT_MS.",
    responses: {
      200: { description: "Every dependency is up", content: { "application/json": { schema: ReadySchema } } },
      503: problemResponse("A dependency is down (`not_ready`); `checks` names which.", NotReadyProblemSchema),
    },
  },
  EXEMPT,
);

/** GET /.well-known/security.txt (P19, RFC 9116). */
export const securityTxtRoute = defineRoute(
  {
    method: "get",
    path: "/.well-known/security.txt",
    operationId: "getSecurityTxt",
    tags,
    summary: "Security contact (RFC 9116)",
    responses: { 200: { description: "security.txt", content: { "text/plain; charset=utf-8": { schema: SecurityTxtSchema } } } },
  },
  EXEMPT,
);

/** GET /.well-known/jwks.json (P8): the access-token signing keys' public parts, current and previous. */
export const jwksRoute = defineRoute(
  {
    method: "get",
    path: "/.well-known/jwks.json",
    operationId: "getJwks",
    tags,
    summary: "Access-token signing keys (JWKS)",
    description: "Every configured key's public part, the current signer first; cacheable for five minutes.",
    responses: { 200: { description: "The key set", content: { "application/json": { schema: JwksSchema } } } },
  },
  EXEMPT,
);

/** GET /openapi.json: this document. */
export const openApiRoute = defineRoute(
  {
    method: "get",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    tags,
    summary: "OpenAPI 3.1 document",
    responses: { 200: { description: "The document", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } } },
  },
  EXEMPT,
);

/** GET /docs: the rendered API reference (Swagger UI, self-hosted). */
export const docsRoute = defineRoute(
  {
    method: "get",
    path: "/docs",
    operationId: "getDocsPage",
    tags,
    summary: "API reference page",
    responses: { 200: { description: "HTML page", content: { "text/html": { schema: z.string() } } } },
  },
  EXEMPT,
);

/** GET /docs/: people type the slash; send them to the page (relative links on it assume `/docs`). */
export const docsSlashRoute = defineRoute(
  {
    method: "get",
    path: "/docs/",
    operationId: "redirectDocsPage",
    tags,
    summary: "API reference page (trailing slash)",
    responses: { 308: { description: "Redirect to /docs", headers: { Location: { schema: { type: "string" } } } } },
  },
  EXEMPT,
);

/** GET /docs/init.js: the page's initializer (an external script: the page's CSP allows no inline script). */
export const docsInitRoute = defineRoute(
  {
    method: "get",
    path: "/docs/init.js",
    operationId: "getDocsInitScript",
    tags,
    summary: "API reference page script",
    responses: { 200: { description: "JavaScript", content: { "text/javascript": { schema: z.string() } } } },
  },
  EXEMPT,
);

/** GET /docs/assets/{file}: the allowlisted Swagger UI files. */
export const docsAssetRoute = defineRoute(
  {
    method: "get",
    path: "/docs/assets/{file}",
    operationId: "getDocsAsset",
    tags,
    summary: "API reference page assets",
    request: { params: DocsAssetParamsSchema },
    responses: {
      200: {
        description: "Stylesheet or script",
        content: { "text/css": { schema: z.string() }, "text/javascript": { schema: z.string() } },
      },
    },
  },
  { ...EXEMPT, errors: ["not_found"] },
);
