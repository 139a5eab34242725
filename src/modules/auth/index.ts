/**
 * The auth module (`/v1/auth`): sign-up and email verification, login and MFA,
 * refresh and logout, sessions, passwords, TOTP, and who am I (P5–P8, P10, P16).
 * Each file holds its routes' declarations and handlers together.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { registerLogin } from "./login";
import { registerMe } from "./me";
import { registerPassword } from "./password";
import { registerSessions } from "./sessions";
import { registerSignup } from "./signup";
import { registerTokens } from "./tokens";
import { registerTotp } from "./totp";

/** Where the module is mounted. */
export const AUTH_BASE_PATH = "/v1/auth";

/** Builds the auth router. */
export function createAuthRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  registerSignup(router);
  registerLogin(router);
  registerTokens(router);
  registerSessions(router);
  registerPassword(router);
  registerTotp(router);
  registerMe(router);
  return router;
}
