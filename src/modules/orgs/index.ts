/**
 * The organizations module (`/v1/orgs`): the tenants, their settings and (later)
 * their members, invitations and API keys (P7, P9, P11, P16). Each file holds its
 * routes' declarations and handlers together.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { registerOrganizations } from "./organizations";

/** Where the module is mounted. */
export const ORGS_BASE_PATH = "/v1/orgs";

/** Builds the organizations router. */
export function createOrgsRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  registerOrganizations(router);
  return router;
}
