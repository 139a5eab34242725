/**
 * The platform module: /healthz, /readyz, /.well-known/security.txt,
 * /openapi.json and /docs. The OpenAPI document describes the whole app, so the
 * app hands in a function that loads every module and returns it.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import type { OpenApiDocument } from "../../http/openapi-document";
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
  /** The app's OpenAPI document (every module loaded first). */
  readonly openApiDocument: () => Promise<OpenApiDocument>;
}

/**
 * Builds the platform router.
 *
 * @example
 * ```ts
 * createPlatformRouter({ openApiDocument: openApiDocument(app.loadAll) });
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
