/**
 * Login (P5, P7, P8). Unknown email and wrong password answer alike (401
 * `invalid_credentials`) after the same work: one bcrypt check (a dummy hash for
 * unknown addresses) between two database round trips' worth of time. A correct
 * password on an unverified address gets 403 `email_not_verified`; with TOTP
 * enrolled, a single-use 5-minute `mfa_token` instead of a session, which
 * `POST /mfa/verify` exchanges (with a TOTP code or a recovery code) for an `aal2`
 * session. A hash of another algorithm or cost is replaced on success (rotation).
 */
import { z, type OpenAPIHono, type RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { open } from "../../crypto/aead";
import { hashPassword, verifyPassword } from "../../crypto/passwords";
import { MFA_TOKEN_SHAPE, newMfaToken, normaliseRecoveryCode, tokenDigest } from "../../crypto/tokens";
import { TOTP_CODE, totpStep } from "../../crypto/totp";
import { createDatabase, inContext } from "../../db";
import { AppError } from "../../http/errors";
import { log } from "../../lib/log";
import { createRedis } from "../../redis";
import { CLIENT_IP_HEADER, clientAddress, normalizeAccount, RECENT_SUCCESS_SECONDS, recentSuccessKey } from "../../pipeline/rate-limit";
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { authSql, first } from "./auth.db";
import { afterResponse, recordEvent } from "./auth.events";
import { LoginBody, MfaChallenge, MfaVerifyBody, normaliseEmail, SessionTokens } from "./auth.schemas";
import { clientKind, newSession, sessionTokens } from "./auth.session";

/** An MFA token works this long. */
export const MFA_TOKEN_SECONDS = 300;
const tags = ["auth"];

export const loginRoute = defineRoute(
  {
    method: "post",
    path: "/login",
    operationId: "login",
    tags,
    summary: "Sign in with email and password",
    description:
      "A session (`aal1`), or `{mfa_required, mfa_token}` when TOTP is enrolled. Past the per-account limit, an address " +
      "without a recent sign-in to that account needs `turnstile_token` (when Turnstile is configured) instead of being locked out.",
    request: jsonBody(LoginBody),
    responses: { 200: json("Signed in, or the second step", z.union([SessionTokens, MfaChallenge])) },
  },
  {
    auth: "public",
    rateLimit: "login",
    errors: ["invalid_credentials", "email_not_verified", "origin_not_allowed", "captcha_required", "captcha_failed"],
  },
);

export const mfaVerifyRoute = defineRoute(
  {
    method: "post",
    path: "/mfa/verify",
    operationId: "verifyMfa",
    tags,
    summary: "Second step of a login",
    description: "Exchanges the `mfa_token` and a TOTP code (each time step once) or a recovery code (each once) for an `aal2` session.",
    request: jsonBody(MfaVerifyBody),
    responses: { 200: json("Signed in at aal2", SessionTokens) },
  },
  { auth: "public", rateLimit: "mfa", errors: ["invalid_mfa_token", "invalid_mfa_code", "origin_not_allowed"] },
);

/** Remembers that this address signed in to this account (the login challenge's "known address"), after the response. */
function rememberAddress(c: Context<AppEnv>, email: string): void {
  const config = c.env.edge.config;
  const work = (async () => {
    const account = { field: "email", value: normalizeAccount(email) };
    const key = await recentSuccessKey(config.secrets.identifierHashSecret, account, clientAddress(c.req.header(CLIENT_IP_HEADER)));
    await createRedis(config.redis, { retry: false }).set(key, 1, { ex: RECENT_SUCCESS_SECONDS });
  })().catch((error: unknown) => {
    log.warn("known_address_not_stored", { request_id: c.env.edge.requestId, error });
  });
  afterResponse(c, work);
}

const login: RouteHandler<typeof loginRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const kind = clientKind(c);
  const config = c.env.edge.config;
  const cost = config.identity.passwords.bcryptCost;
  const db = await createDatabase(config.database);
  const [found] = await inContext(db, {}, (tx) => [authSql.passwordLogin(tx, normaliseEmail(body.email))]);
  const user = first(found);
  const check = await verifyPassword(body.password, user?.password_hash, cost);
  if (user === undefined || !check.ok) {
    recordEvent(c, "login_failed", { userId: user?.user_id, details: { reason: user === undefined ? "unknown_email" : "wrong_password" } });
    throw new AppError("invalid_credentials");
  }
  if (!user.email_verified) {
    recordEvent(c, "login_failed", { userId: user.user_id, details: { reason: "email_not_verified" } });
    throw new AppError("email_not_verified");
  }
  const rehash = check.needsRehash ? await hashPassword(body.password, cost) : null;
  if (user.totp_enabled) {
    // The address becomes "known" only once both factors passed (mfa/verify), and the token
    // carries the account's tag, so the mfa preset counts guesses per account, not per token.
    const mfaToken = await newMfaToken(config.secrets.identifierHashSecret, user.user_id);
    const digest = await tokenDigest(config.secrets.tokenHashSecret, "mfa", mfaToken);
    await inContext(db, {}, (tx) => [authSql.startMfa(tx, user.user_id, digest, MFA_TOKEN_SECONDS, rehash)]);
    recordEvent(c, "login_succeeded", { userId: user.user_id, details: { next: "mfa", rehashed: rehash !== null } });
    return c.json({ mfa_required: true, mfa_token: mfaToken, expires_in: MFA_TOKEN_SECONDS } as const, 200);
  }
  const { refreshToken, session } = await newSession(c);
  const [started] = await inContext(db, {}, (tx) => [authSql.startSession(tx, user.user_id, ["pwd"], session, rehash)]);
  const row = first(started);
  if (row === undefined) throw new Error("auth.start_session returned no row");
  rememberAddress(c, body.email);
  recordEvent(c, "login_succeeded", { userId: user.user_id, details: { aal: "aal1", rehashed: rehash !== null } });
  const claims = { userId: user.user_id, sessionId: row.session_id, aal: "aal1", amr: ["pwd"], superAdmin: row.is_super_admin } as const;
  return c.json(await sessionTokens(c, kind, claims, refreshToken), 200);
};

/** The proof a code gives: a TOTP step checked here, or a recovery code's digest checked by the database. */
async function proofOf(c: Context<AppEnv>, code: string, mfaDigest: string): Promise<{ step: number } | { recoveryDigest: string }> {
  const config = c.env.edge.config;
  if (!TOTP_CODE.test(code)) {
    const recovery = normaliseRecoveryCode(code);
    if (recovery === undefined) throw new AppError("invalid_mfa_code");
    return { recoveryDigest: await tokenDigest(config.secrets.tokenHashSecret, "recovery", recovery) };
  }
  const [found] = await inContext(await createDatabase(config.database), {}, (tx) => [authSql.mfaChallenge(tx, mfaDigest)]);
  const challenge = first(found);
  if (challenge?.totp_secret === null || challenge === undefined) throw new AppError("invalid_mfa_token");
  const secret = await open(config.secrets.dataEncryptionKeys, challenge.totp_secret, `totp:${challenge.user_id}`);
  if (secret === undefined) {
    // A sealed secret no configured key opens: an operator retired a key too early.
    log.error("totp_secret_unreadable", { request_id: c.env.edge.requestId, user_id: challenge.user_id });
    throw new AppError("invalid_mfa_code");
  }
  const step = await totpStep(secret, code);
  const replayed = step !== undefined && challenge.totp_last_step !== null && step <= Number(challenge.totp_last_step);
  if (step === undefined || replayed) {
    recordEvent(c, "mfa_failed", { userId: challenge.user_id, details: { reason: replayed ? "replayed" : "wrong_code" } });
    throw new AppError("invalid_mfa_code");
  }
  return { step };
}

const mfaVerify: RouteHandler<typeof mfaVerifyRoute, AppEnv> = async (c) => {
  const body = c.req.valid("json");
  const kind = clientKind(c);
  const config = c.env.edge.config;
  if (!MFA_TOKEN_SHAPE.test(body.mfa_token)) throw new AppError("invalid_mfa_token");
  const digest = await tokenDigest(config.secrets.tokenHashSecret, "mfa", body.mfa_token);
  const proof = await proofOf(c, body.code.trim(), digest);
  const { refreshToken, session } = await newSession(c);
  const [finished] = await inContext(await createDatabase(config.database), {}, (tx) => [authSql.finishMfa(tx, digest, proof, session)]);
  const row = first(finished);
  if (row === undefined || row.outcome === "invalid_challenge") throw new AppError("invalid_mfa_token");
  if (row.outcome !== "ok" || row.session_id === null || row.user_id === null || row.amr === null) {
    const reason = row.outcome === "replayed" ? "replayed" : "invalid_recovery_code";
    recordEvent(c, "mfa_failed", { userId: row.user_id ?? undefined, details: { reason } });
    throw new AppError("invalid_mfa_code");
  }
  const method = "step" in proof ? "totp" : "recovery_code";
  if (row.email !== null) rememberAddress(c, row.email);
  recordEvent(c, "mfa_verified", { userId: row.user_id, details: { method } });
  if (method === "recovery_code")
    recordEvent(c, "recovery_code_used", { userId: row.user_id, details: { remaining: row.recovery_left ?? 0 } });
  const claims = {
    userId: row.user_id,
    sessionId: row.session_id,
    aal: "aal2",
    amr: row.amr,
    superAdmin: row.is_super_admin === true,
  } as const;
  return c.json(await sessionTokens(c, kind, claims, refreshToken), 200);
};

/** Registers the login routes. */
export function registerLogin(router: OpenAPIHono<AppEnv>): void {
  router.openapi(loginRoute, login);
  router.openapi(mfaVerifyRoute, mfaVerify);
}
