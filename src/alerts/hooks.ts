/**
 * Where the alert counters are fed from, one call each, none of them adding a round
 * trip to a request's path:
 * - `countSecurityEvent`: the auth module's recorded events (failed logins, a reused
 *   refresh token), counted in `waitUntil` in one pipeline of their own;
 * - `countDeletion`: a record deleted, likewise;
 * - `requestCounters`: every request an organization admitted, as commands of the batch
 *   the rate-limit stage sends after the response anyway (the organization's limits).
 */
import type { Context } from "hono";
import type { AppEnv, RedisCheck } from "../context";
import type { SecurityEventType } from "../lib/security-events";
import { log } from "../lib/log";
import { countersFor, counterChecks, countNow } from "./counters";
import { kindsFedBy, type AlertSource } from "./kinds";
import { networkPseudonym, type AlertSubject } from "./subjects";

/** The header Cloudflare sets to the client's address (the rate-limit stage's CLIENT_IP_HEADER). */
const CLIENT_IP_HEADER = "cf-connecting-ip";

/** What an event recorder knows: who it is about, and its details. */
export interface CountedEventFacts {
  readonly userId?: string | undefined;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

function afterResponse(c: Context<AppEnv>, work: Promise<void>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (the app run outside a request): the work runs unawaited; it handles its own failures.
  }
}

/** Counts `subject` for every kind `source` feeds, after the response. */
function countAfterResponse(c: Context<AppEnv>, source: AlertSource, subject: () => Promise<AlertSubject>): void {
  const config = c.env.edge.config;
  const requestId = c.env.edge.requestId;
  const work = (async () => {
    const counters = await countersFor(config, kindsFedBy(source), await subject());
    await countNow(config, counters, requestId);
  })().catch((error: unknown) => {
    log.warn("alert_count_failed", { request_id: requestId, source, error });
  });
  afterResponse(c, work);
}

/**
 * Counts a security event the alerts read: `login_failed` (per account, network and the
 * whole platform; not a right password on an unverified address) and
 * `refresh_token_reused` (per session). Other types count nothing.
 *
 * @example
 * ```ts
 * countSecurityEvent(c, "login_failed", { userId, details: { reason: "wrong_password" } });
 * ```
 */
export function countSecurityEvent(c: Context<AppEnv>, type: SecurityEventType, facts: CountedEventFacts): void {
  if (type === "login_failed") {
    if (facts.details?.reason === "email_not_verified") return;
    const secret = c.env.edge.config.secrets.identifierHashSecret;
    const header = c.req.header(CLIENT_IP_HEADER);
    countAfterResponse(c, "login_failed", async () => ({ userId: facts.userId, network: await networkPseudonym(secret, header) }));
  } else if (type === "refresh_token_reused") {
    const sessionId = facts.details?.session_id;
    if (facts.userId === undefined || typeof sessionId !== "string") return;
    const subject = { userId: facts.userId, sessionId };
    countAfterResponse(c, "refresh_token_reused", () => Promise.resolve(subject));
  }
}

/**
 * Counts a record of `orgId` deleted by this request's principal (the mass-deletion
 * alert), after the response. Call it once the deletion committed.
 */
export function countDeletion(c: Context<AppEnv>, orgId: string): void {
  const principal = c.get("principal");
  if (principal === undefined) return;
  const subject = principal.kind === "user" ? { orgId, userId: principal.id } : { orgId, apiKeyId: principal.id };
  countAfterResponse(c, "record_deleted", () => Promise.resolve(subject));
}

/**
 * The request counters of an admitted organization request (per organization, and per
 * API key when a key made it), as commands for the rate-limit stage's after-response
 * batch. Call it after the response (its keys are keyed hashes). Never rejects.
 */
export async function requestCounters(c: Context<AppEnv>): Promise<RedisCheck[]> {
  const principal = c.get("principal");
  if (principal?.orgId === undefined) return [];
  const config = c.env.edge.config;
  const subject = principal.kind === "api_key" ? { orgId: principal.orgId, apiKeyId: principal.id } : { orgId: principal.orgId };
  try {
    return counterChecks(config, await countersFor(config, kindsFedBy("admitted_request"), subject), c.env.edge.requestId);
  } catch (error) {
    // Never in the way of the batch it rides: the organization's limits are consumed regardless.
    log.warn("alert_count_failed", { request_id: c.env.edge.requestId, source: "admitted_request", error });
    return [];
  }
}
