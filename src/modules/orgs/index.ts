/**
 * The organizations module (`/v1/orgs`): the tenants, their settings, their members
 * and invitations (the invitee accepts at `/v1/invitations/accept`, outside any
 * organization), and API keys (P7, P9, P11, P16). Each file holds its routes'
 * declarations and handlers together.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { registerApiKeys } from "./api-keys";
import { registerInvitationAcceptance, registerInvitations } from "./invitations";
import { registerMembers } from "./members";
import { registerOrganizations } from "./organizations";
import { registerOwnership } from "./ownership";

/** Where the module is mounted. */
export const ORGS_BASE_PATH = "/v1/orgs";

/** Builds the organizations router. */
export function createOrgsRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  registerOrganizations(router);
  registerMembers(router);
  registerInvitations(router);
  registerOwnership(router);
  registerApiKeys(router);
  return router;
}

/** Where the invitee accepts an invitation: not under `/v1/orgs/{org}`, since they are not a member yet. */
export const INVITATIONS_BASE_PATH = "/v1/invitations";

/** Builds the invitee's router (`POST /v1/invitations/accept`). */
export function createInvitationsRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  registerInvitationAcceptance(router);
  return router;
}
