/**
 * The audit module (`/v1/orgs/{org}/audit-log`, `/v1/orgs/{org}/security-events`):
 * what an organization's owners, admins and auditors (and API keys with `audit:read`)
 * read to see who changed what (P13) and what happened to its security (P16).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { registerAuditLog } from "./audit-log";
import { registerSecurityEvents } from "./security-events";

/** Where the module is mounted: beside the organizations module, under each organization. */
export const AUDIT_BASE_PATH = "/v1/orgs";

/** Builds the audit router. */
export function createAuditRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  registerAuditLog(router);
  registerSecurityEvents(router);
  return router;
}
