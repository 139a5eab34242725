/**
 * Platform administration (`/v1/admin`, P7, P9, P16): organizations listed and searched,
 * suspended and reinstated; security events across tenants and the alert log. Super
 * administrators only, at aal2 (stage 4, from the token), confirmed by the database in the
 * same round trip as the work (`app.require_super_admin`, a stale or forged claim fails);
 * every call is an `admin_action` event (src/pipeline/admin-audit/, for every route declared
 * `superAdmin: true`, this module's and others').
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { listAlerts, listEvents } from "./events.handlers";
import { listAlertsRoute, listEventsRoute } from "./events.routes";
import { getOrg, listOrgs, reinstateOrg, suspendOrg } from "./orgs.handlers";
import { getOrgRoute, listOrgsRoute, reinstateOrgRoute, suspendOrgRoute } from "./orgs.routes";

/** Where the module is mounted. */
export const ADMIN_BASE_PATH = "/v1/admin";

/** Builds the admin router. */
export function createAdminRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(listOrgsRoute, listOrgs);
  router.openapi(getOrgRoute, getOrg);
  router.openapi(suspendOrgRoute, suspendOrg);
  router.openapi(reinstateOrgRoute, reinstateOrg);
  router.openapi(listEventsRoute, listEvents);
  router.openapi(listAlertsRoute, listAlerts);
  return router;
}
