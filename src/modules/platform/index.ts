/**
 * The platform module: /healthz, /readyz, /.well-known/security.txt,
 * /openapi.json and /docs. The OpenAPI document describes the whole app, so the
 * app hands in a function that returns it.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter, type OpenApiDocument } from "../../http/openapi";
import { docsAsset, docsInit, docsPage, docsSlash, health, jwks, openApi, ready, securityTxt } from "./platform.handlers";
import {
  docsAssetRoute,
  docsInitRoute,
  docsRoute,
  docsSlashRoute,
  healthRoute,
  jwksRoute,
  openApiRoute,
  readyRoute,
  securityTxtRoute,
} from "./platform.routes";

export { DOCS_CSP, DOCS_PATH } from "./platform.docs";

/** What the platform module needs from the app. */
export interface PlatformDeps {
  /** The app's OpenAPI document. */
  readonly openApiDocument: () => OpenApiDocument;
}

/**
 * Builds the platform router.
 *
 * @example
 * ```ts
 * app.route("/", createPlatformRouter({ openApiDocument: openApiDocument(app) }));
 * ```
 */
export function createPlatformRouter(deps: PlatformDeps): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(healthRoute, health);
  router.openapi(readyRoute, ready);
  router.openapi(securityTxtRoute, securityTxt);
  router.openapi(jwksRoute, jwks);
  router.openapi(openApiRoute, openApi(deps.openApiDocument));
  router.openapi(docsRoute, docsPage);
  router.openapi(docsSlashRoute, docsSlash);
  router.openapi(docsInitRoute, docsInit);
  router.openapi(docsAssetRoute, docsAsset);
  return router;
}
