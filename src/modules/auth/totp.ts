/**
 * TOTP enrolment (P7). Enrolling stores a new secret, sealed with the data key and
 * bound to the user (AES-256-GCM, additional data `totp:<user id>`), and returns it
 * once with its `otpauth://` URL; activating with a code from it turns TOTP on,
 * records that code's time step as used and returns ten single-use recovery codes
 * (shown once, stored as keyed digests). Removing TOTP needs an `aal2` session.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { open, seal } from "../../crypto/aead";
import { recoveryCode, tokenDigest } from "../../crypto/tokens";
import { newTotpSecret, totpStep, totpUrl } from "../../crypto/totp";
import { createDatabase, inContext } from "../../db";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { authSql, first } from "./auth.db";
import { recordEvent } from "./auth.events";
import { currentUser } from "./auth.principal";
import { RecoveryCodes, TotpCodeBody, TotpEnrollment } from "./auth.schemas";

/** How many recovery codes an activation hands out. */
export const RECOVERY_CODE_COUNT = 10;
const ISSUER = "Rampart";
const tags = ["auth"];

export const enrollTotpRoute = defineRoute(
  {
    method: "post",
    path: "/mfa/totp/enroll",
    operationId: "enrollTotp",
    tags,
    summary: "Start TOTP enrolment",
    description: "A new secret for an authenticator app; TOTP is required only once activated with a code from it.",
    responses: { 200: json("The secret, shown once", TotpEnrollment) },
  },
  { auth: { principals: ["user"] }, errors: ["mfa_already_enabled"] },
);

export const activateTotpRoute = defineRoute(
  {
    method: "post",
    path: "/mfa/totp/activate",
    operationId: "activateTotp",
    tags,
    summary: "Turn TOTP on with a code",
    request: jsonBody(TotpCodeBody),
    responses: { 200: json("Enabled; the recovery codes, shown once", RecoveryCodes) },
  },
  { auth: { principals: ["user"] }, rateLimit: "mfa", errors: ["invalid_mfa_code", "mfa_not_enrolled", "mfa_already_enabled", "conflict"] },
);

export const disableTotpRoute = defineRoute(
  {
    method: "delete",
    path: "/mfa/totp",
    operationId: "disableTotp",
    tags,
    summary: "Remove TOTP",
    description: "Needs an aal2 session; the recovery codes are deleted too.",
    responses: { 204: { description: "Removed" } },
  },
  { auth: { principals: ["user"], aal: "aal2" }, errors: ["mfa_not_enabled"] },
);

const enrollTotp: RouteHandler<typeof enrollTotpRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const config = c.env.edge.config;
  const db = await createDatabase(config.database);
  const actor = { kind: "user", userId: user.id } as const;
  const secret = await newTotpSecret();
  const sealed = await seal(config.secrets.dataEncryptionKeys, secret, `totp:${user.id}`);
  const [result] = await inContext(db, { actor }, (tx) => [authSql.totpEnroll(tx, sealed)]);
  const row = first(result);
  if (row?.outcome !== "enrolled" || row.email === null) throw new AppError("mfa_already_enabled");
  return c.json({ secret, otpauth_url: await totpUrl(secret, row.email, ISSUER) }, 200);
};

const activateTotp: RouteHandler<typeof activateTotpRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const { code } = c.req.valid("json");
  const config = c.env.edge.config;
  const db = await createDatabase(config.database);
  const actor = { kind: "user", userId: user.id } as const;
  const [found] = await inContext(db, { actor }, (tx) => [authSql.totpPending(tx)]);
  const pending = first(found);
  if (pending?.enabled === true) throw new AppError("mfa_already_enabled");
  if (pending?.totp_secret === null || pending === undefined) throw new AppError("mfa_not_enrolled");
  const secret = await open(config.secrets.dataEncryptionKeys, pending.totp_secret, `totp:${user.id}`);
  const step = secret === undefined ? undefined : await totpStep(secret, code.trim());
  if (step === undefined) {
    recordEvent(c, "mfa_failed", { userId: user.id, details: { reason: "wrong_code", during: "activation" } });
    throw new AppError("invalid_mfa_code");
  }
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
  const digests = await Promise.all(codes.map((rc) => tokenDigest(config.secrets.tokenHashSecret, "recovery", rc)));
  const [activated] = await inContext(db, { actor }, (tx) => [authSql.totpActivate(tx, pending.totp_secret ?? "", step, digests)]);
  if (first(activated)?.activated !== true) throw new AppError("conflict", { detail: "The enrolment changed meanwhile; enrol again." });
  recordEvent(c, "mfa_enrolled", { userId: user.id, details: { method: "totp" } });
  return c.json({ recovery_codes: codes }, 200);
};

const disableTotp: RouteHandler<typeof disableTotpRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const [result] = await inContext(await createDatabase(c.env.edge.config.database), { actor: { kind: "user", userId: user.id } }, (tx) => [
    authSql.totpDisable(tx),
  ]);
  if (first(result)?.disabled !== true) throw new AppError("mfa_not_enabled");
  recordEvent(c, "mfa_disabled", { userId: user.id, details: { method: "totp" } });
  return c.body(null, 204);
};

/** Registers the TOTP routes. */
export function registerTotp(router: OpenAPIHono<AppEnv>): void {
  router.openapi(enrollTotpRoute, enrollTotp);
  router.openapi(activateTotpRoute, activateTotp);
  router.openapi(disableTotpRoute, disableTotp);
}
