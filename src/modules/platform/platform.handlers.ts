/** Handlers of the platform routes. */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { publicJwks } from "../../crypto/jwt";
import { AppError } from "../../http/errors";
import type { OpenApiDocument } from "../../http/openapi-document";
import { DOCS_ASSET_TYPES, DOCS_HTML, DOCS_INIT_JS, DOCS_PATH } from "./platform.docs";
import { checkReadiness } from "./platform.readiness";
import type {
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
import { renderSecurityTxt, warnIfExpired } from "./platform.security-txt";

/** GET /healthz. */
export const health: RouteHandler<typeof healthRoute, AppEnv> = (c) => c.json({ status: "ok" } as const, 200);

/** GET /readyz: 200 when all are up, else 503 `not_ready` with `checks`. */
export const ready: RouteHandler<typeof readyRoute, AppEnv> = async (c) => {
  const checks = await checkReadiness(c.env.edge.config, c.env.edge.requestId);
  if (checks.database === "up" && checks.redis === "up") {
    return c.json({ status: "ready", checks: { database: "up", redis: "up" } } as const, 200);
  }
  const down = Object.entries(checks)
    .filter(([, state]) => state === "down")
    .map(([name]) => name);
  throw new AppError("not_ready", { detail: `Unavailable: ${down.join(", ")}.`, extensions: { checks } });
};

/** GET /.well-known/security.txt. */
export const securityTxt: RouteHandler<typeof securityTxtRoute, AppEnv> = (c) => {
  warnIfExpired(c.env.edge.config);
  return c.text(renderSecurityTxt(c.env.edge.config), 200, { "Content-Type": "text/plain; charset=utf-8" });
};

/** GET /.well-known/jwks.json: public keys only (the private `d` never leaves the config). */
export const jwks: RouteHandler<typeof jwksRoute, AppEnv> = async (c) =>
  c.json({ keys: [...(await publicJwks(c.env.edge.config)).keys] }, 200, { "Cache-Control": "public, max-age=300" });

/** GET /openapi.json, from the document generated once per isolate. */
export function openApi(document: () => Promise<OpenApiDocument>): RouteHandler<typeof openApiRoute, AppEnv> {
  return async (c) => c.json(await document(), 200);
}

/** GET /docs. */
export const docsPage: RouteHandler<typeof docsRoute, AppEnv> = (c) => c.html(DOCS_HTML, 200);

/** GET /docs/ → 308 to /docs (same origin: a relative Location). */
export const docsSlash: RouteHandler<typeof docsSlashRoute, AppEnv> = (c) => c.redirect(DOCS_PATH, 308);

/** GET /docs/init.js. */
export const docsInit: RouteHandler<typeof docsInitRoute, AppEnv> = (c) =>
  c.body(DOCS_INIT_JS, 200, { "Content-Type": "text/javascript; charset=utf-8" });

/** GET /docs/assets/{file}: allowlisted files from the ASSETS binding, nothing else. */
export const docsAsset: RouteHandler<typeof docsAssetRoute, AppEnv> = async (c) => {
  const { file } = c.req.valid("param");
  const type = Object.hasOwn(DOCS_ASSET_TYPES, file) ? DOCS_ASSET_TYPES[file] : undefined;
  if (type === undefined) throw new AppError("not_found");
  const asset = await c.env.ASSETS.fetch(new URL(`/${file}`, c.req.url));
  if (!asset.ok || asset.body === null) {
    throw new AppError("internal_error", { cause: new Error(`ASSETS answered ${asset.status} for ${file}`) });
  }
  // Rebuilt through c.body: fetch() responses have immutable headers, and only
  // the pipeline decides headers here.
  return c.body(asset.body, 200, { "Content-Type": type, "Cache-Control": "public, max-age=3600" });
};
