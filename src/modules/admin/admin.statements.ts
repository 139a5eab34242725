/**
 * The admin routes' SQL: each a call of a SECURITY DEFINER function that first checks, in
 * the database, that the request's user is a super administrator (drizzle/0027_admin_security.sql),
 * so the check and the work are one round trip. Times leave as text with microseconds: a
 * keyset cursor at millisecond precision would skip or repeat rows.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Plan } from "../../db/schema";

const UTC = (column: string): SQL => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** A keyset position: (created_at as text with microseconds, id). */
export interface Position {
  readonly at: string;
  readonly id: string;
}

export interface OrgFilters {
  readonly id: string | null;
  readonly name: string | null;
  readonly plan: Plan | null;
  readonly suspended: boolean | null;
  readonly before: Position | undefined;
  /** Rows to fetch (a page plus one, to know whether another follows). */
  readonly fetch: number;
}

/** An organization row as `app.admin_orgs` returns it. */
export interface OrgRow {
  readonly id: string;
  readonly name: string;
  readonly plan: Plan;
  readonly billing_status: string | null;
  readonly members: string | number;
  readonly api_keys: string | number;
  readonly suspended_at: string | null;
  readonly suspension_reason: string | null;
  readonly suspended_by: string | null;
  readonly created_at: string;
  readonly last_activity_at: string | null;
  readonly owner_ids: string[] | string;
  readonly [column: string]: unknown;
}

/** `select … from app.admin_orgs(…)`. */
export function selectOrgs(f: OrgFilters): SQL {
  return sql`
    select id, name, plan, billing_status, members, api_keys, ${UTC("suspended_at")} as suspended_at,
           suspension_reason, suspended_by, ${UTC("created_at")} as created_at,
           ${UTC("last_activity_at")} as last_activity_at, owner_ids::text[] as owner_ids
    from app.admin_orgs(${f.id}::uuid, ${f.name}::text, ${f.plan}::text, ${f.suspended}::boolean,
      ${f.before?.at ?? null}::timestamptz, ${f.before?.id ?? null}::uuid, ${f.fetch}::integer)`;
}

export interface EventFilters {
  readonly org: string | null;
  readonly type: string | null;
  readonly severity: string | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly actor: string | null;
  readonly before: Position | undefined;
  readonly fetch: number;
}

/** A security event as `app.admin_security_events` returns it. */
export interface EventRow {
  readonly id: string;
  readonly org_id: string | null;
  readonly type: string;
  readonly severity: "info" | "warning";
  readonly actor_user_id: string | null;
  readonly actor_api_key_id: string | null;
  readonly request_id: string | null;
  readonly source: string | null;
  readonly details: Record<string, unknown> | null;
  readonly created_at: string;
  readonly [column: string]: unknown;
}

/** `select … from app.admin_security_events(…)`. */
export function selectEvents(f: EventFilters): SQL {
  return sql`
    select id, org_id, type, severity, actor_user_id, actor_api_key_id, request_id, source, details,
           ${UTC("created_at")} as created_at
    from app.admin_security_events(${f.org}::uuid, ${f.type}::text, ${f.severity}::text, ${f.from}::timestamptz,
      ${f.to}::timestamptz, ${f.actor}::uuid, ${f.before?.at ?? null}::timestamptz, ${f.before?.id ?? null}::uuid,
      ${f.fetch}::integer)`;
}

/** `app.admin_suspend_org` / `app.admin_reinstate_org`: whether the state changed. */
export function changeSuspension(
  action: "suspend" | "reinstate",
  org: string,
  reason: string | null,
  requestId: string,
  ipHash: string,
): SQL {
  return action === "suspend"
    ? sql`select app.admin_suspend_org(${org}::uuid, ${reason}::text, ${requestId}, ${ipHash}) as changed`
    : sql`select app.admin_reinstate_org(${org}::uuid, ${requestId}, ${ipHash}) as changed`;
}
