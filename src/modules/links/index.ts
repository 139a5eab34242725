/**
 * Links between compliance records (P9 roles, P11 tenant isolation, P13 audit log):
 * control ↔ risk and control ↔ evidence (plain links, declared in pairs.ts), and
 * assessment ↔ control with the control's result in the assessment (results.*.ts).
 * One table per allowed pair (src/db/schema/links.ts); both ends are records of the
 * link's organization (composite foreign keys), every change is an audit entry.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { PAIR_LINKS } from "./pairs";
import { pairHandlersOf } from "./pairs.handlers";
import { pairRoutesOf } from "./pairs.routes";
import { getResult, listAssessmentResults, listControlResults, putResult, removeResult } from "./results.handlers";
import { deleteResultRoute, getResultRoute, listAssessmentResultsRoute, listControlResultsRoute, putResultRoute } from "./results.routes";

/** Where the module is mounted (its paths start with `/{org}`). */
export const LINKS_BASE_PATH = "/v1/orgs";

export { PAIR_LINKS, type PairLink } from "./pairs";

export function createLinksRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  // The handlers read their validated input by target (ids.ts): the plain links' routes are built from declarations at load.
  for (const link of PAIR_LINKS) {
    const routes = pairRoutesOf(link);
    const handlers = pairHandlersOf(link);
    router.openapi(routes.link, handlers.link as RouteHandler<typeof routes.link, AppEnv>);
    router.openapi(routes.get, handlers.get as RouteHandler<typeof routes.get, AppEnv>);
    router.openapi(routes.unlink, handlers.unlink as RouteHandler<typeof routes.unlink, AppEnv>);
    router.openapi(routes.listFrom, handlers.listFrom as RouteHandler<typeof routes.listFrom, AppEnv>);
    router.openapi(routes.listTo, handlers.listTo as RouteHandler<typeof routes.listTo, AppEnv>);
  }
  router.openapi(putResultRoute, putResult);
  router.openapi(getResultRoute, getResult);
  router.openapi(deleteResultRoute, removeResult);
  router.openapi(listAssessmentResultsRoute, listAssessmentResults);
  router.openapi(listControlResultsRoute, listControlResults);
  return router;
}
