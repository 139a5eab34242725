/**
 * Incident deadlines and notifications (P17): reports submitted about an incident
 * (NIS2 Art. 23, GDPR Art. 33, customer notices), the deadlines each incident has under
 * the regimes its organization applies (computed in SQL when read), and the NIS2
 * overview (open deadlines, Art. 21(2) coverage by controls and the evidence linked to them).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { createNotification, getDeadlines, getOverview, listNotifications } from "./nis2.handlers";
import { createNotificationRoute, deadlinesRoute, listNotificationsRoute, overviewRoute } from "./nis2.routes";

/** Where the module is mounted (its paths start with `/{org}`). */
export const NIS2_BASE_PATH = "/v1/orgs";

export function createNis2Router(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(createNotificationRoute, createNotification);
  router.openapi(listNotificationsRoute, listNotifications);
  router.openapi(deadlinesRoute, getDeadlines);
  router.openapi(overviewRoute, getOverview);
  return router;
}
