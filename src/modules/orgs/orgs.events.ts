/**
 * Security events of an organization (P16): written by the same transaction as the
 * change they describe (no round trip of their own, and no event for a change that
 * rolled back), then logged once it committed. The client address is a keyed hash.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { schema, type Database } from "../../db";
import { SECURITY_EVENTS, securityEvent, type SecurityEventType } from "../../lib/security-events";
import { CLIENT_IP_HEADER, clientAddress, identifierHash } from "../../pipeline/rate-limit";

type Details = Readonly<Record<string, string | number | boolean | readonly string[]>>;

/** An event ready to ride in a transaction: its insert, and the log line once that committed. */
export interface PreparedEvent {
  /** The row, for a statement that writes it itself (e.g. only when a CTE's change happened). */
  readonly values: EventRow;
  readonly insert: (tx: Database) => ReturnType<typeof insertEvent>;
  readonly log: () => void;
}

type EventRow = typeof schema.securityEvents.$inferInsert & { readonly type: string; readonly severity: string; readonly details: Details };

function insertEvent(tx: Database, values: EventRow) {
  return tx.insert(schema.securityEvents).values(values);
}

/**
 * Prepares an event of the request's organization (`orgId`: null for one that outlives
 * it, e.g. its deletion, whose row would otherwise go with the organization).
 *
 * @example
 * ```ts
 * const event = await prepareOrgEvent(c, "org_settings_changed", { orgId, details: { fields: ["name"] } });
 * await inOrg(c, (tx) => [tx.update(...), event.insert(tx)]);
 * event.log();
 * ```
 */
export async function prepareOrgEvent(
  c: Context<AppEnv>,
  type: SecurityEventType,
  facts: { readonly orgId: string | null; readonly details?: Details },
): Promise<PreparedEvent> {
  const config = c.env.edge.config;
  const principal = c.get("principal");
  const requestId = c.env.edge.requestId;
  const ipHash = await identifierHash(config.secrets.identifierHashSecret, "ip", clientAddress(c.req.header(CLIENT_IP_HEADER)));
  const userId = principal?.kind === "user" ? principal.id : null;
  const apiKeyId = principal?.kind === "api_key" ? principal.id : null;
  const details = facts.details ?? {};
  const values: EventRow = {
    orgId: facts.orgId,
    type,
    severity: SECURITY_EVENTS[type].severity,
    actorUserId: userId,
    actorApiKeyId: apiKeyId,
    requestId,
    ipHash,
    details,
  };
  return {
    values,
    insert: (tx) => insertEvent(tx, values),
    log: () => securityEvent(type, { request_id: requestId, org_id: facts.orgId ?? undefined, user_id: userId ?? undefined, ...details }),
  };
}
