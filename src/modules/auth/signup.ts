/**
 * Sign-up and email verification (P5, P6). A sign-up answers 201 `accepted` whether
 * or not the address already has an account, after the same work either way (breach
 * check, one bcrypt hash, one database round trip, one email sent after the
 * response): a new or unverified account gets a verification link, a verified one
 * gets "someone tried to sign up with your address". Nobody gets a session before
 * verifying (login answers 403 `email_not_verified`).
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import { checkBreached } from "../../clients/breach-check";
import { verifyTurnstile } from "../../clients/turnstile";
import type { AppEnv } from "../../context";
import { hashPassword } from "../../crypto/passwords";
import { randomToken, TOKEN_SHAPE, tokenDigest } from "../../crypto/tokens";
import { createDatabase, inContext } from "../../db";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { authSql, first } from "./auth.db";
import { existingAccountEmail, sendLater, verificationEmail } from "./auth.emails";
import { recordEvent } from "./auth.events";
import { Accepted, EmailBody, normaliseEmail, SignupBody, TokenBody, Verified } from "./auth.schemas";
import { clientFacts } from "./auth.client";

/** A verification link works this long. */
export const VERIFY_TOKEN_SECONDS = 24 * 3600;
const tags = ["auth"];

export const signupRoute = defineRoute(
  {
    method: "post",
    path: "/signup",
    operationId: "signup",
    tags,
    summary: "Create an account",
    description:
      "Creates an account and emails a verification link. An address that already has an account gets exactly the same answer " +
      "(its owner is emailed instead). Passwords: 8–128 characters, no composition rules, refused when found in known breaches. " +
      "When Turnstile is configured, `turnstile_token` is required.",
    request: jsonBody(SignupBody),
    responses: { 201: json("Accepted: check your email", Accepted) },
  },
  { auth: "public", rateLimit: "signup", errors: ["breached_password", "captcha_required", "captcha_failed"] },
);

export const verifyEmailRoute = defineRoute(
  {
    method: "post",
    path: "/verify-email",
    operationId: "verifyEmail",
    tags,
    summary: "Verify an email address",
    description: "Consumes the token of a verification link (single-use, 24 hours).",
    request: jsonBody(TokenBody),
    responses: { 200: json("Verified", Verified) },
  },
  { auth: "public", rateLimit: "password-reset", errors: ["invalid_email_token"] },
);

export const resendVerificationRoute = defineRoute(
  {
    method: "post",
    path: "/verify-email/resend",
    operationId: "resendVerificationEmail",
    tags,
    summary: "Send a new verification link",
    description: "Same answer whether or not the address has an unverified account; earlier links stop working.",
    request: jsonBody(EmailBody),
    responses: { 202: json("Accepted", Accepted) },
  },
  { auth: "public", rateLimit: "password-reset" },
);

async function requireHuman(c: Context<AppEnv>, token: string | undefined): Promise<void> {
  const config = c.env.edge.config;
  if (!config.identity.turnstile.enabled) return;
  const verdict = await verifyTurnstile(config, token, clientFacts(c).ip);
  if (!verdict.ok) throw new AppError(verdict.reason === "missing" ? "captcha_required" : "captcha_failed");
}

const signup: RouteHandler<typeof signupRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const config = c.env.edge.config;
  await requireHuman(c, body.turnstile_token);
  if ((await checkBreached(config, body.password)).breached) throw new AppError("breached_password");
  const email = normaliseEmail(body.email);
  const token = randomToken();
  const [hash, digest] = await Promise.all([
    hashPassword(body.password, config.identity.passwords.bcryptCost),
    tokenDigest(config.secrets.tokenHashSecret, "email", token),
  ]);
  const [result] = await inContext(await createDatabase(config.database), {}, (tx) => [
    authSql.signup(tx, email, body.name, hash, digest, VERIFY_TOKEN_SECONDS),
  ]);
  const row = first(result);
  if (row === undefined) throw new Error("auth.signup returned no row");
  if (row.outcome === "exists") {
    sendLater(c, existingAccountEmail(config.identity.appUrl, email));
    recordEvent(c, "signup_existing_account", { userId: row.user_id });
  } else {
    sendLater(c, verificationEmail(config.identity.appUrl, email, body.name, token));
    recordEvent(c, "signup", { userId: row.user_id, details: { replaced_unverified: row.outcome === "replaced" } });
  }
  return c.json({ status: "accepted" } as const, 201);
};

const verifyEmail: RouteHandler<typeof verifyEmailRoute, AppEnv> = async (c) => {
  const { token } = c.req.valid("json");
  const config = c.env.edge.config;
  if (!TOKEN_SHAPE.test(token)) throw new AppError("invalid_email_token");
  const digest = await tokenDigest(config.secrets.tokenHashSecret, "email", token);
  const [result] = await inContext(await createDatabase(config.database), {}, (tx) => [authSql.verifyEmail(tx, digest)]);
  const userId = first(result)?.user_id ?? null;
  if (userId === null) throw new AppError("invalid_email_token");
  recordEvent(c, "email_verified", { userId });
  return c.json({ status: "verified" } as const, 200);
};

const resendVerification: RouteHandler<typeof resendVerificationRoute, AppEnv> = async (c) => {
  const email = normaliseEmail(c.req.valid("json").email);
  const config = c.env.edge.config;
  const token = randomToken();
  const digest = await tokenDigest(config.secrets.tokenHashSecret, "email", token);
  const [result] = await inContext(await createDatabase(config.database), {}, (tx) => [
    authSql.issueEmailToken(tx, email, "verify_email", digest, VERIFY_TOKEN_SECONDS),
  ]);
  const row = first(result);
  if (row !== undefined) sendLater(c, verificationEmail(config.identity.appUrl, email, row.name, token));
  return c.json({ status: "accepted" } as const, 202);
};

/** Registers the sign-up routes. */
export function registerSignup(router: OpenAPIHono<AppEnv>): void {
  router.openapi(signupRoute, signup);
  router.openapi(verifyEmailRoute, verifyEmail);
  router.openapi(resendVerificationRoute, resendVerification);
}
