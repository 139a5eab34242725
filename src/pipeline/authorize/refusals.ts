/**
 * Requests refused on an organization's routes, as that organization's security
 * events (P16): which refusals count, in which organization, and by whom. The error
 * path (stage 8) hands every failure here before it answers (`withRefusalEvents`
 * wraps the app's `onError`, so the edge's refusals (the WAF's), stage 4's,
 * stage 5's 429s and the transaction's refusals all pass one place); what counts is
 * stored after the response, bounded (refusal-events.ts), so it costs the refused
 * request nothing and a flood of refusals costs the database one write per
 * (organization, principal, code) and window.
 *
 * Counted, on a path `/v1/orgs/{org}[/…]`, for a caller who presented a credential
 * that is genuine (an access token verified in the isolate, or an API key the
 * database finds live):
 * - 403 `forbidden` (the role or the key's scopes; `app.authorize`'s RA403, a row
 *   policy's 42501, a handler's own refusal), `mfa_required` (the org's requirement,
 *   RAMFA, or a route's aal2), `organization_suspended`;
 * - 404 for an OUTSIDER (`app.authorize`'s RA404 only, never a record id that does not
 *   exist): the org's auditors want to see who probes it. The prober's answer is
 *   unchanged (the same 404 as for an org that does not exist, sent before anything is
 *   stored), and an id naming no organization stores nothing;
 * - 429 `rate_limited`, and the WAF's 403 `waf_blocked`.
 * Anonymous requests (401) are not: anyone can send them, naming any org id.
 */
import type { Context } from "hono";
import { routePath } from "hono/route";
import { edgeFactsSoFar, type AppEnv } from "../../context";
import { API_KEY_PREFIX, apiKeyDigest, apiKeyIdOf, isWellFormedApiKey } from "../../crypto/api-keys";
import { verifyAccessToken } from "../../crypto/jwt";
import { sqlState } from "../../db/errors";
import { AppError, type ErrorCode } from "../../http/errors";
import { log } from "../../lib/log";
import type { Config } from "../../env";
import { CLIENT_IP_HEADER } from "../rate-limit";
import { storeRefusal, type RefusedBy, type Refusal } from "./refusal-events";

/** The codes stored as `request_refused` (the database function checks the same list). */
export const REFUSAL_CODES = ["forbidden", "mfa_required", "not_found", "organization_suspended", "rate_limited", "waf_blocked"] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number] & ErrorCode;

/** Refusals raised as problems by a stage or handler. `not_found` is not one: most 404s are ids that do not exist. */
const APP_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "forbidden",
  "mfa_required",
  "organization_suspended",
  "rate_limited",
  "waf_blocked",
]);

/** The transaction's refusals (drizzle/0005_organizations_security.sql; 42501: a row policy). */
const DATABASE_REFUSALS: ReadonlyMap<string, RefusalCode> = new Map<string, RefusalCode>([
  ["RA404", "not_found"],
  ["RA403", "forbidden"],
  ["RAMFA", "mfa_required"],
  ["RASUS", "organization_suspended"],
  ["42501", "forbidden"],
]);

const ORG_PATH = /^\/v1\/orgs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;
const ORG_ROUTE = "/v1/orgs/:";
const BEARER = /^Bearer +([^\s]+) *$/i;
const METHOD = /^[A-Z]{1,16}$/;

/** The refusal an error answers with, when it is one this records. */
export function refusalOf(error: Error): RefusalCode | undefined {
  if (error instanceof AppError) return APP_REFUSALS.has(error.code) ? (error.code as RefusalCode) : undefined;
  const state = sqlState(error);
  return state === undefined ? undefined : DATABASE_REFUSALS.get(state);
}

/** The organization named by the path, lower-cased; none off the organization routes. */
function orgOfPath(path: string): string | undefined {
  return ORG_PATH.exec(path)?.[1]?.toLowerCase();
}

/**
 * Who was refused: the principal stage 4 set, or (for a refusal before it set one: the
 * WAF, or a route's aal2) the bearer credential verified now, in the isolate. A key's
 * id is derived from its digest; the database stores the event only if that key is live.
 */
async function refusedBy(c: Context<AppEnv>, config: Config): Promise<RefusedBy | undefined> {
  const principal = c.get("principal");
  if (principal !== undefined) return { kind: principal.kind, id: principal.id };
  const token = BEARER.exec(c.req.header("authorization") ?? "")?.[1];
  if (token === undefined) return undefined;
  if (token.startsWith(API_KEY_PREFIX)) {
    if (!isWellFormedApiKey(token)) return undefined;
    const secret = config.secrets.apiKeyHashSecret;
    return { kind: "api_key", id: await apiKeyIdOf(secret, await apiKeyDigest(secret, token)) };
  }
  const verdict = await verifyAccessToken(config, token);
  return verdict.ok ? { kind: "user", id: verdict.value.userId } : undefined;
}

/** The matched route's pattern (`/v1/orgs/:org/risks/:id`), or `unmatched` (the WAF refused a path no route serves). */
function routeOf(c: Context<AppEnv>): string {
  const pattern = routePath(c, -1);
  return pattern.startsWith(ORG_ROUTE) ? pattern : "unmatched";
}

function afterResponse(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (the app run outside a request): the work runs unawaited; it handles its own failures.
  }
}

/**
 * Notes a failure the error path is about to answer: when it is a refusal on an
 * organization's route, it is stored after the response (at most once per window).
 * Never throws, never delays the answer.
 */
export function noteRefusal(c: Context<AppEnv>, error: Error): void {
  const code = refusalOf(error);
  if (code === undefined) return;
  const orgId = orgOfPath(c.req.path);
  // Unset when the configuration itself failed: nothing can be stored then.
  const config = edgeFactsSoFar(c).config;
  if (orgId === undefined || config === undefined) return;
  const requestId = c.env.edge.requestId;
  const method = METHOD.test(c.req.method) ? c.req.method : "OTHER";
  const work = (async () => {
    const by = await refusedBy(c, config);
    if (by === undefined) return;
    const refusal: Refusal = { orgId, by, code, requestId, method, route: routeOf(c) };
    await storeRefusal(config, refusal, c.req.header(CLIENT_IP_HEADER));
  })().catch((failure: unknown) => {
    log.warn("request_refused_not_stored", { request_id: requestId, code, error: failure });
  });
  afterResponse(c, work);
}
