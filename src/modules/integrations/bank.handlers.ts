/**
 * Handlers of the bank connection (P10, P12, P18). Round trips: connect = 1 database
 * (the authorization check) + the bank's metadata (cached) + 1 Redis write; callback =
 * 1 Redis (GETDEL + revocation check) + the bank's token endpoint + 1 database
 * transaction (authorization check, replace, event); status and delete = 1 database
 * (delete revokes at the bank after the response); check = 1 database read, the bank,
 * and a second database write only when the token was refreshed or broke.
 */
import type { Context } from "hono";
import type { RouteHandler } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import type { BankConfig } from "../../config/integrations";
import {
  BankError,
  authorizationUrl,
  exchangeCode,
  pkcePair,
  refreshTokens,
  revokeToken,
  tokenWorks,
  type BankTokens,
} from "../../clients/bank-oauth";
import { open, seal, type SecretContext } from "../../crypto/envelope";
import { createDatabase, inTenant, sqlState } from "../../db";
import { AppError } from "../../http/errors";
import { log } from "../../lib/log";
import { SECURITY_EVENTS, securityEvent, type SecurityEventType } from "../../lib/security-events";
import { inOrg } from "../../pipeline/authorize";
import { CLIENT_IP_HEADER, clientAddress, identifierHash } from "../../pipeline/rate-limit";
import { currentUser } from "../auth/auth.principal";
import type { callbackRoute, checkRoute, connectRoute, disconnectRoute, statusRoute } from "./bank.routes";
import { CALLBACK_PATH } from "./bank.paths";
import { APP_RETURN_PATH } from "./bank.routes";
import type { BankConnectionOut } from "./bank.schemas";
import { BINDING_COOKIE, STATE_TTL_SECONDS, consumeState, newState } from "./bank.state";
import {
  connectionStatus,
  connectionTokens,
  deleteConnection,
  markBroken,
  replaceConnection,
  storeRefreshed,
  type EventValues,
  type SealedTokens,
  type StatusRow,
  type TokenRow,
} from "./bank.statements";

/** The integration's name in the sealed values' context. */
const INTEGRATION = "bank";
/** A token this close to its expiry counts as expired (clock skew, the call's own time). */
const EXPIRY_MARGIN_MS = 30_000;
/** The authorization errors that end a callback with an error redirect rather than a problem. */
const REFUSED_BY_ORG = new Set(["RA403", "RA404", "RAMFA", "RASUS", "42501"]);

const contextOf = (orgId: string, column: "access_token" | "refresh_token"): SecretContext => ({ orgId, integration: INTEGRATION, column });

function bankOf(c: Context<AppEnv>): BankConfig {
  const bank = c.env.edge.config.integrations.bank;
  if (bank === undefined) throw new AppError("bank_not_configured");
  return bank;
}

const iso = (value: string | Date | null): string | null => (value === null ? null : new Date(value).toISOString());

/** A text[] as the driver hands it (an array, or Postgres' `{a,b}` text). */
function textArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, "");
  return inner === "" ? [] : inner.split(",").map((v) => v.replace(/^"|"$/g, ""));
}

function present(row: StatusRow | undefined): BankConnectionOut {
  if (row === undefined) {
    return {
      status: "not_connected",
      scopes: [],
      connected_by: null,
      connected_at: null,
      access_token_expires_at: null,
      refreshed_at: null,
      broken_at: null,
      broken_reason: null,
    };
  }
  return {
    status: row.status as BankConnectionOut["status"],
    scopes: textArray(row.scopes),
    connected_by: row.connected_by,
    connected_at: iso(row.connected_at),
    access_token_expires_at: iso(row.access_token_expires_at),
    refreshed_at: iso(row.refreshed_at),
    broken_at: iso(row.broken_at),
    broken_reason: row.broken_reason,
  };
}

/** A security event's row for the request (stored by the statement that makes the change). */
async function eventValues(
  c: Context<AppEnv>,
  type: SecurityEventType,
  actorUserId: string | null,
  details: Readonly<Record<string, string | number | boolean | readonly string[]>>,
): Promise<EventValues> {
  const config = c.env.edge.config;
  const ipHash = await identifierHash(config.secrets.identifierHashSecret, "ip", clientAddress(c.req.header(CLIENT_IP_HEADER)));
  return { type, severity: SECURITY_EVENTS[type].severity, actorUserId, requestId: c.env.edge.requestId, ipHash, details };
}

/** The log line of a stored (or log-only) event. */
function logEvent(
  c: Context<AppEnv>,
  type: SecurityEventType,
  orgId: string,
  userId: string | null,
  details: Record<string, unknown>,
): void {
  securityEvent(type, { request_id: c.env.edge.requestId, org_id: orgId, user_id: userId ?? undefined, ...details });
}

/** Seals fresh tokens; no refresh token is null (on a refresh: keep the stored one). */
async function sealTokens(c: Context<AppEnv>, orgId: string, tokens: BankTokens): Promise<SealedTokens> {
  const keys = c.env.edge.config.secrets.dataEncryptionKeys;
  return {
    accessTokenSealed: await seal(keys, tokens.accessToken, contextOf(orgId, "access_token")),
    refreshTokenSealed: tokens.refreshToken === undefined ? null : await seal(keys, tokens.refreshToken, contextOf(orgId, "refresh_token")),
    expiresAt: tokens.expiresAt,
    scopes: tokens.scopes,
  };
}

/** Back to the web app with the outcome (and a reason code, never anything secret). */
function backToApp(c: Context<AppEnv>, result: { readonly ok: true } | { readonly ok: false; readonly reason: string }): Response {
  const url = new URL(`${c.env.edge.config.identity.appUrl}${APP_RETURN_PATH}`);
  url.searchParams.set("result", result.ok ? "connected" : "error");
  if (!result.ok) url.searchParams.set("reason", result.reason);
  c.header("Cache-Control", "no-store");
  return c.redirect(url.href, 302);
}

/** Revokes a token after the response (best effort: the connection is already gone here). */
function revokeLater(c: Context<AppEnv>, bank: BankConfig, token: string, orgId: string): void {
  const work = revokeToken(bank, c.env.edge.config.secrets.bankClientSecret, token).then(
    (revoked) => (revoked ? undefined : log.info("bank_revocation_unsupported", { request_id: c.env.edge.requestId, org_id: orgId })),
    (error: unknown) =>
      log.warn("bank_revocation_failed", {
        request_id: c.env.edge.requestId,
        org_id: orgId,
        reason: error instanceof BankError ? error.reason : "error",
      }),
  );
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (a script): the promise runs on its own and logs its own failure.
  }
}

export const connectBank: RouteHandler<typeof connectRoute, AppEnv> = async (c) => {
  const bank = bankOf(c);
  const user = currentUser(c);
  const { org } = c.req.valid("param");
  // The authorization check (owner or admin of this org, its MFA rule, not suspended): one round trip.
  await inOrg(c, (tx) => [tx.execute(sql`select 1`)]);
  const { verifier, challenge } = await pkcePair();
  const redirectUri = `${new URL(c.req.url).origin}${CALLBACK_PATH}`;
  const pending = await newState(
    c.env.edge.config,
    { orgId: org, userId: user.id, sessionId: user.sessionId, aal: user.aal, redirectUri },
    verifier,
  );
  let location: string;
  try {
    location = await authorizationUrl(bank, { redirectUri, state: pending.state, codeChallenge: challenge });
  } catch (error) {
    throw new AppError("bank_unavailable", { cause: error });
  }
  try {
    await pending.store();
  } catch (error) {
    throw new AppError("auth_unavailable", { headers: { "Retry-After": "5" }, cause: error });
  }
  setCookie(c, BINDING_COOKIE, pending.cookie, { path: "/", secure: true, httpOnly: true, sameSite: "Lax", maxAge: STATE_TTL_SECONDS });
  c.header("Cache-Control", "no-store");
  // A script cannot read a cross-origin redirect: it asks for the URL and navigates itself.
  if (/\bapplication\/json\b/i.test(c.req.header("accept") ?? "")) return c.json({ authorization_url: location }, 200);
  return c.redirect(location, 302);
};

export const bankCallback: RouteHandler<typeof callbackRoute, AppEnv> = async (c) => {
  const config = c.env.edge.config;
  const query = c.req.valid("query");
  const requestId = c.env.edge.requestId;
  let consumed;
  try {
    consumed = await consumeState(config, query.state, getCookie(c, BINDING_COOKIE));
  } catch (error) {
    throw new AppError("auth_unavailable", { headers: { "Retry-After": "5" }, cause: error });
  }
  deleteCookie(c, BINDING_COOKIE, { path: "/", secure: true });
  if (!consumed.ok) {
    securityEvent("bank_oauth_state_refused", { request_id: requestId, reason: consumed.reason, org_id: consumed.orgId });
    throw new AppError("invalid_oauth_state");
  }
  const bank = bankOf(c);
  const { orgId, userId } = consumed;
  let tokens: BankTokens;
  try {
    tokens = await exchangeCode(bank, config.secrets.bankClientSecret, new URL(c.req.url).searchParams, {
      state: query.state,
      redirectUri: consumed.redirectUri,
      verifier: consumed.verifier,
    });
  } catch (error) {
    if (!(error instanceof BankError)) throw error;
    // The library's message says what did not match (never a token); its details stay out of the log.
    const detail = error.cause instanceof Error ? error.cause.message.slice(0, 200) : undefined;
    logEvent(c, "bank_connection_failed", orgId, userId, { reason: error.reason, detail });
    return backToApp(c, { ok: false, reason: error.reason });
  }
  const sealed = await sealTokens(c, orgId, tokens);
  const event = await eventValues(c, "bank_connected", userId, { scopes: tokens.scopes });
  const db = await createDatabase(config.database);
  try {
    await inTenant(db, { orgId, actor: { kind: "user", userId } }, (tx) => [
      // The same check as every organization route, for the user who started the flow, now.
      tx.execute(sql`select app.authorize('manage', ${consumed.aal})`),
      ...replaceConnection(tx, orgId, bank.issuer, sealed, event),
    ]);
  } catch (error) {
    const state = sqlState(error);
    if (state === undefined || !REFUSED_BY_ORG.has(state)) throw error;
    // Removed or demoted since the flow started: nothing stored; the fresh grant is given back.
    logEvent(c, "bank_connection_failed", orgId, userId, { reason: "forbidden" });
    revokeLater(c, bank, tokens.refreshToken ?? tokens.accessToken, orgId);
    return backToApp(c, { ok: false, reason: "forbidden" });
  }
  logEvent(c, "bank_connected", orgId, userId, { scopes: tokens.scopes });
  return backToApp(c, { ok: true });
};

export const getBankConnection: RouteHandler<typeof statusRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [connectionStatus(tx, org)]);
  return c.json(present(rows.rows[0]), 200);
};

export const disconnectBank: RouteHandler<typeof disconnectRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const user = currentUser(c);
  const event = await eventValues(c, "bank_disconnected", user.id, {});
  const {
    results: [gone],
  } = await inOrg(c, (tx) => [deleteConnection(tx, org, event)]);
  const row = gone.rows[0];
  if (row !== undefined) {
    logEvent(c, "bank_disconnected", org, user.id, {});
    const bank = c.env.edge.config.integrations.bank;
    const keys = c.env.edge.config.secrets.dataEncryptionKeys;
    // The refresh token is the grant; revoking it ends the access tokens too at most banks.
    const token =
      (row.refresh_token_sealed === null ? undefined : await open(keys, row.refresh_token_sealed, contextOf(org, "refresh_token"))) ??
      (await open(keys, row.access_token_sealed, contextOf(org, "access_token")));
    if (bank !== undefined && token !== undefined) revokeLater(c, bank, token, org);
  }
  return c.body(null, 204);
};

/** Marks the connection broken (if still at `version`) and answers 409. */
async function breakConnection(c: Context<AppEnv>, org: string, version: number, reason: string): Promise<never> {
  const user = currentUser(c);
  const event = await eventValues(c, "bank_connection_broken", user.id, { reason });
  const {
    results: [broke],
  } = await inOrg(c, (tx) => [markBroken(tx, org, version, reason, event)]);
  if (broke.rows.length > 0) logEvent(c, "bank_connection_broken", org, user.id, { reason });
  throw new AppError("bank_connection_broken");
}

/** Refreshes the row's tokens; the connection breaks when the bank refuses, or the refresh token does not open. */
async function refreshed(c: Context<AppEnv>, bank: BankConfig, org: string, row: TokenRow): Promise<{ token: string; row: StatusRow }> {
  const config = c.env.edge.config;
  const refreshToken =
    row.refresh_token_sealed === null
      ? undefined
      : await open(config.secrets.dataEncryptionKeys, row.refresh_token_sealed, contextOf(org, "refresh_token"));
  if (refreshToken === undefined)
    return breakConnection(c, org, row.token_version, row.refresh_token_sealed === null ? "no_refresh_token" : "undecryptable");
  let tokens: BankTokens;
  try {
    tokens = await refreshTokens(bank, config.secrets.bankClientSecret, refreshToken);
  } catch (error) {
    if (error instanceof BankError && error.refused) return breakConnection(c, org, row.token_version, error.reason);
    throw new AppError("bank_unavailable", { cause: error });
  }
  const sealed = await sealTokens(c, org, tokens);
  const {
    results: [stored],
  } = await inOrg(c, (tx) => [storeRefreshed(tx, org, row.token_version, sealed)]);
  const updated = stored.rows[0];
  // Another request refreshed (or reconnected) meanwhile: its tokens stand; this fresh access token still works.
  return { token: tokens.accessToken, row: updated ?? row };
}

export const checkBankConnection: RouteHandler<typeof checkRoute, AppEnv> = async (c) => {
  const bank = bankOf(c);
  const { org } = c.req.valid("param");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [connectionTokens(tx, org)]);
  const row = rows.rows[0];
  if (row === undefined) throw new AppError("bank_not_connected");
  if (row.status !== "connected") throw new AppError("bank_connection_broken");
  const keys = c.env.edge.config.secrets.dataEncryptionKeys;
  const expiresAt = row.access_token_expires_at === null ? null : new Date(row.access_token_expires_at).getTime();
  let current: { token: string; row: StatusRow };
  let renewed = false;
  if (expiresAt !== null && expiresAt - EXPIRY_MARGIN_MS <= Date.now()) {
    current = await refreshed(c, bank, org, row);
    renewed = true;
  } else {
    const token = await open(keys, row.access_token_sealed, contextOf(org, "access_token"));
    // Moved from another row, or sealed under a retired key: never sent anywhere.
    if (token === undefined) return breakConnection(c, org, row.token_version, "undecryptable");
    current = { token, row };
  }
  let works: boolean;
  try {
    works = await tokenWorks(bank, current.token);
    if (!works && !renewed) {
      // Revoked or expired early at the bank: one refresh, then the verdict.
      current = await refreshed(c, bank, org, row);
      works = await tokenWorks(bank, current.token);
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("bank_unavailable", { cause: error });
  }
  if (!works) throw new AppError("bank_unavailable", { detail: "The bank refused a freshly issued access token." });
  return c.json(present(current.row), 200);
};
