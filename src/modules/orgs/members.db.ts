/**
 * What the members, invitations and ownership routes share (the refusals their SQL
 * functions raise are mapped with every other SQLSTATE in src/http/database-problems.ts):
 * - a change and its security event (P16) as ONE statement, for events whose details
 *   only the database knows (the role a member had): the event is written for each row
 *   the change returns, so a refused or empty change writes none.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { securityEvent, type SecurityEventType } from "../../lib/security-events";
import { prepareOrgEvent, type PreparedEvent } from "./orgs.events";

type Details = Readonly<Record<string, string | number | boolean>>;

/** An event of a members route: the prepared row and its type (for the log line). */
export interface MemberEvent {
  readonly type: SecurityEventType;
  readonly prepared: PreparedEvent;
}

/** Prepares `type` in the request's organization with the details known before the change. */
export async function memberEvent(
  c: Context<AppEnv>,
  type: SecurityEventType,
  orgId: string | null,
  details: Details,
): Promise<MemberEvent> {
  return { type, prepared: await prepareOrgEvent(c, type, { orgId, details }) };
}

/** How {@link withEvent} completes the event from the rows of the change. */
export interface EventFromRows {
  /** SQL over `done` giving a jsonb object merged into the prepared details. */
  readonly extra?: SQL;
  /** SQL over `done`: the rows for which an event is written (default: every row). */
  readonly when?: SQL;
  /** SQL giving the event's organization, when the change decided it (an accepted invitation). */
  readonly orgId?: SQL;
}

/**
 * One statement: `change` (rows, as a CTE named `done`) and the event, written once
 * per row it returns (for which `when` holds), so a refused or empty change writes
 * none. Answers `change`'s rows.
 *
 * @example
 * ```ts
 * tx.execute(withEvent(event, sql`select * from app.remove_member(${user})`, { extra: sql`jsonb_build_object('role', done.role)` }));
 * ```
 */
export function withEvent(event: MemberEvent, change: SQL, rows: EventFromRows = {}): SQL {
  const v = event.prepared.values;
  return sql`with done as (${change}),
    logged as (
      insert into public.security_events (org_id, type, severity, actor_user_id, actor_api_key_id, request_id, ip_hash, details)
      select ${rows.orgId ?? sql`${v.orgId ?? null}::uuid`}, ${v.type}, ${v.severity}, ${v.actorUserId ?? null}::uuid,
        ${v.actorApiKeyId ?? null}::uuid, ${v.requestId ?? null}, ${v.ipHash ?? null},
        ${JSON.stringify(v.details)}::jsonb || ${rows.extra ?? sql`'{}'::jsonb`}
      from done where ${rows.when ?? sql`true`}
    )
    select * from done`;
}

/** Logs the event once its transaction committed, with the details the database added. */
export function logEvent(event: MemberEvent, extra: Details = {}, orgId?: string): void {
  const v = event.prepared.values;
  securityEvent(event.type, {
    request_id: v.requestId ?? undefined,
    org_id: orgId ?? v.orgId ?? undefined,
    user_id: v.actorUserId ?? undefined,
    ...v.details,
    ...extra,
  });
}

/** An ISO 8601 UTC time from what the driver returns (a string or a Date). */
export const iso = (value: string | Date): string => new Date(value).toISOString();
