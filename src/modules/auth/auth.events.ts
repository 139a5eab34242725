/**
 * P16 for identity: each event is logged at once (the one vocabulary,
 * src/lib/security-events.ts) and, when the vocabulary says it is stored, inserted
 * into `security_events` after the response, off the request's path: a sign-in
 * costs no extra round trip for its own audit trail. Fields never hold a password,
 * token, code or raw address; the client address is a keyed hash.
 */
import type { Context } from "hono";
import { countSecurityEvent } from "../../alerts";
import type { AppEnv } from "../../context";
import { createDatabase, inContext, schema } from "../../db";
import { log } from "../../lib/log";
import { SECURITY_EVENTS, securityEvent, type SecurityEventType } from "../../lib/security-events";
import { CLIENT_IP_HEADER, clientAddress, identifierHash } from "../../pipeline/rate-limit";

/** Who an event is about and what else to say. */
export interface EventFacts {
  readonly userId?: string | undefined;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** Runs `work` after the response (or at once outside a request, e.g. in a script). */
export function afterResponse(c: Context<AppEnv>, work: Promise<unknown>): void {
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context: the promise runs on its own; its failures are handled by `work` itself.
  }
}

/**
 * Records a security event.
 *
 * @example
 * ```ts
 * recordEvent(c, "login_failed", { userId, details: { reason: "wrong_password" } });
 * ```
 */
export function recordEvent(c: Context<AppEnv>, type: SecurityEventType, facts: EventFacts = {}): void {
  const requestId = c.env.edge.requestId;
  securityEvent(type, { request_id: requestId, user_id: facts.userId, ...facts.details });
  // Failed logins and reused refresh tokens feed the alerts (src/alerts), counted after the response.
  countSecurityEvent(c, type, facts);
  if (!SECURITY_EVENTS[type].stored) return;
  const config = c.env.edge.config;
  const store = (async () => {
    const ipHash = await identifierHash(config.secrets.identifierHashSecret, "ip", clientAddress(c.req.header(CLIENT_IP_HEADER)));
    const db = await createDatabase(config.database);
    await inContext(db, {}, (tx) => [
      tx.insert(schema.securityEvents).values({
        type,
        severity: SECURITY_EVENTS[type].severity,
        actorUserId: facts.userId ?? null,
        requestId,
        ipHash,
        details: facts.details ?? {},
      }),
    ]);
  })().catch((error: unknown) => {
    log.error("security_event_not_stored", { request_id: requestId, type, error });
  });
  afterResponse(c, store);
}
