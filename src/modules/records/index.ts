/**
 * The compliance records module (`/v1/orgs/{org}/<resource>`): the eight resources of
 * the registry, each with list, create, get, change and delete, all built from its one
 * declaration (P9 roles, P11 tenant isolation, P13 audit log).
 *
 * Elsewhere: incident deadlines and notifications (src/modules/nis2/), links between
 * records and assessment results (src/modules/links/), the audit log
 * (src/modules/audit/), policy acknowledgements and training assignments
 * (src/modules/duties/). Not built yet: evidence files.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { handlersOf } from "./handlers";
import { RECORD_RESOURCES } from "./registry";
import { routesOf } from "./routes";

/** Where the module is mounted (its paths start with `/{org}`). */
export const RECORDS_BASE_PATH = "/v1/orgs";

export { RECORD_RESOURCES, resourceNamed, type RecordName } from "./registry";

/** Builds the records router: five routes per resource. */
export function createRecordsRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  for (const resource of RECORD_RESOURCES) {
    const routes = routesOf(resource);
    const handlers = handlersOf(resource);
    // The routes' zod types come from declarations at load; the handlers read their validated input by target (handlers.ts).
    router.openapi(routes.list, handlers.list as RouteHandler<typeof routes.list, AppEnv>);
    router.openapi(routes.create, handlers.create as RouteHandler<typeof routes.create, AppEnv>);
    router.openapi(routes.get, handlers.get as RouteHandler<typeof routes.get, AppEnv>);
    router.openapi(routes.update, handlers.update as RouteHandler<typeof routes.update, AppEnv>);
    router.openapi(routes.delete, handlers.delete as RouteHandler<typeof routes.delete, AppEnv>);
  }
  return router;
}
