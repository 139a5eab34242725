/**
 * Passwords after sign-up (P5, P8). Changing one needs the current password (and an
 * `aal2` session when TOTP is on) and revokes every other session; a reset link
 * (requested with an answer that is the same for unknown addresses; single-use, one
 * hour) sets a new one and revokes every session. New passwords pass the same breach
 * check as at sign-up.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { checkBreached } from "../../clients/breach-check";
import type { AppEnv } from "../../context";
import { hashPassword, verifyPassword } from "../../crypto/passwords";
import { randomToken, TOKEN_SHAPE, tokenDigest } from "../../crypto/tokens";
import { createDatabase, inContext, sqlState } from "../../db";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { authSql, first } from "./auth.db";
import { resetEmail, sendLater } from "./auth.emails";
import { recordEvent } from "./auth.events";
import { revokeNow } from "./auth.revoke";
import { currentUser } from "./auth.principal";
import { Accepted, EmailBody, normaliseEmail, PasswordChangeBody, ResetConfirmBody } from "./auth.schemas";

/** A reset link works this long. */
export const RESET_TOKEN_SECONDS = 3600;
const tags = ["auth"];

export const changePasswordRoute = defineRoute(
  {
    method: "post",
    path: "/password",
    operationId: "changePassword",
    tags,
    summary: "Change your password",
    description: "Needs the current password, and an aal2 session when TOTP is enabled. Every other session is revoked at once.",
    request: jsonBody(PasswordChangeBody),
    responses: { 204: { description: "Changed" } },
  },
  { auth: { principals: ["user"] }, rateLimit: "login", errors: ["invalid_credentials", "breached_password", "mfa_required", "conflict"] },
);

export const resetRequestRoute = defineRoute(
  {
    method: "post",
    path: "/password-reset/request",
    operationId: "requestPasswordReset",
    tags,
    summary: "Email a password-reset link",
    description: "Same answer whether or not the address has an account. The link works once, for one hour.",
    request: jsonBody(EmailBody),
    responses: { 202: json("Accepted", Accepted) },
  },
  { auth: "public", rateLimit: "password-reset" },
);

export const resetConfirmRoute = defineRoute(
  {
    method: "post",
    path: "/password-reset/confirm",
    operationId: "confirmPasswordReset",
    tags,
    summary: "Set a new password with a reset link",
    description: "Consumes the link's token, sets the password (breach-checked) and revokes every session.",
    request: jsonBody(ResetConfirmBody),
    responses: { 204: { description: "Password set" } },
  },
  { auth: "public", rateLimit: "password-reset", errors: ["invalid_email_token", "breached_password"] },
);

const changePassword: RouteHandler<typeof changePasswordRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const body = c.req.valid("json");
  const config = c.env.edge.config;
  const cost = config.identity.passwords.bcryptCost;
  const db = await createDatabase(config.database);
  const actor = { kind: "user", userId: user.id } as const;
  const [found] = await inContext(db, { actor }, (tx) => [authSql.currentPassword(tx)]);
  const current = first(found);
  if (current?.totp_enabled === true && user.aal !== "aal2") throw new AppError("mfa_required");
  const check = await verifyPassword(body.current_password, current?.password_hash, cost);
  if (!check.ok || current?.password_hash === null || current === undefined) {
    recordEvent(c, "login_failed", { userId: user.id, details: { reason: "wrong_password", during: "password_change" } });
    throw new AppError("invalid_credentials");
  }
  if ((await checkBreached(config, body.new_password)).breached) throw new AppError("breached_password");
  const newHash = await hashPassword(body.new_password, cost);
  let revoked: readonly { revoked: string }[];
  try {
    [{ rows: revoked }] = await inContext(db, { actor }, (tx) => [
      authSql.changePassword(tx, current.password_hash ?? "", newHash, user.sessionId),
    ]);
  } catch (error) {
    if (sqlState(error) === "40001")
      throw new AppError("conflict", { detail: "The password changed meanwhile; sign in again.", cause: error });
    throw error;
  }
  const ids = revoked.map((r) => r.revoked);
  await revokeNow(c, user.id, ids);
  recordEvent(c, "password_changed", { userId: user.id, details: { sessions_revoked: ids.length } });
  return c.body(null, 204);
};

const resetRequest: RouteHandler<typeof resetRequestRoute, AppEnv> = async (c) => {
  const email = normaliseEmail(c.req.valid("json").email);
  const config = c.env.edge.config;
  const token = randomToken();
  const digest = await tokenDigest(config.secrets.tokenHashSecret, "email", token);
  const [result] = await inContext(await createDatabase(config.database), {}, (tx) => [
    authSql.issueEmailToken(tx, email, "password_reset", digest, RESET_TOKEN_SECONDS),
  ]);
  const row = first(result);
  if (row !== undefined) {
    sendLater(c, resetEmail(config.identity.appUrl, email, row.name, token));
    recordEvent(c, "password_reset_requested", { userId: row.user_id });
  }
  return c.json({ status: "accepted" } as const, 202);
};

const resetConfirm: RouteHandler<typeof resetConfirmRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const config = c.env.edge.config;
  if (!TOKEN_SHAPE.test(body.token)) throw new AppError("invalid_email_token");
  if ((await checkBreached(config, body.new_password)).breached) throw new AppError("breached_password");
  const [digest, newHash] = await Promise.all([
    tokenDigest(config.secrets.tokenHashSecret, "email", body.token),
    hashPassword(body.new_password, config.identity.passwords.bcryptCost),
  ]);
  const [result] = await inContext(await createDatabase(config.database), {}, (tx) => [authSql.resetPassword(tx, digest, newHash)]);
  const row = first(result);
  if (row === undefined) throw new AppError("invalid_email_token");
  await revokeNow(c, row.user_id, row.revoked);
  recordEvent(c, "password_reset", { userId: row.user_id, details: { sessions_revoked: row.revoked.length } });
  return c.body(null, 204);
};

/** Registers the password routes. */
export function registerPassword(router: OpenAPIHono<AppEnv>): void {
  router.openapi(changePasswordRoute, changePassword);
  router.openapi(resetRequestRoute, resetRequest);
  router.openapi(resetConfirmRoute, resetConfirm);
}
