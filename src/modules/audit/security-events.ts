/**
 * An organization's security events over HTTP (P16), newest first, paged by keyset on
 * (created_at, id): the organization's own events (settings, roles, members,
 * invitations, API keys, requests refused on its routes: src/pipeline/authorize/refusals.ts),
 * read under the `event_read` row policy, AND the
 * authentication events of its current members (sign-ins and failures, MFA, password
 * and session changes), which are stored with no organization and reach the org's
 * auditors only through `audit.member_account_events` (drizzle/0009_audit_routes_security.sql):
 * only for members, only since each joined (a GDPR-minded default: joining does not
 * disclose your earlier history; leaving ends the disclosure), only account event types.
 *
 * The stored keyed hash of a client address never leaves: each event shows a
 * pseudonym of it for this organization only (`source`), enough to see that failures
 * come from one place, useless for matching across organizations.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { sql, type SQL } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { decodeCursor, encodeCursor } from "../../http/cursor";
import { json } from "../../http/schemas";
import { inOrg } from "../../pipeline/authorize";
import { defineRoute } from "../../pipeline/route";
import { OrgParams } from "../orgs/orgs.schemas";
import { SecurityEventsPage, SecurityEventsQuery } from "./audit.schemas";

const LIST = "security-events";
/** The time as the database keeps it (microseconds): a millisecond cursor would skip or repeat events. */
const MICROSECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const Position = z.object({ at: z.string().regex(MICROSECONDS), id: z.uuid() });

export const listSecurityEventsRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/security-events",
    operationId: "listSecurityEvents",
    tags: ["audit"],
    summary: "Security events: the organization's, and its members' sign-ins",
    description:
      "Owners, admins and auditors; API keys with the `audit:read` scope. Newest first, pages of `limit` (at most 200) by `next_cursor`. " +
      "The organization's own events (`scope: organization`) include `request_refused`: a signed-in user's or API key's request refused on the organization's routes (`details.code`: forbidden, mfa_required, not_found for a non-member, organization_suspended, rate_limited, waf_blocked), at most one per principal, code and `details.window_seconds`. " +
      "Besides the organization's own events (`scope: organization`), lists the authentication events of its CURRENT members (`scope: account`: sign-ins and their failures, MFA, password and session changes) from the moment each joined: not their history before, and nothing once they leave. " +
      "Client addresses appear only as `source`, a pseudonym valid within this organization.",
    request: { params: OrgParams, query: SecurityEventsQuery },
    responses: { 200: json("A page of events", SecurityEventsPage) },
  },
  { auth: { principals: ["user", "api_key"] }, permission: "audit", errors: ["invalid_cursor"] },
);

type EventRow = {
  readonly id: string;
  readonly type: string;
  readonly severity: "info" | "warning";
  readonly scope: "organization" | "account";
  readonly actor_user_id: string | null;
  readonly actor_api_key_id: string | null;
  readonly request_id: string | null;
  readonly source: string | null;
  readonly details: Record<string, unknown> | null;
  readonly created_at: string;
};

const listSecurityEvents: RouteHandler<typeof listSecurityEventsRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const query = c.req.valid("query");
  const before = query.cursor === undefined ? undefined : decodeCursor(LIST, Position, query.cursor);
  const own: SQL[] = [sql`org_id = ${org}`];
  if (query.type !== undefined) own.push(sql`type = ${query.type}`);
  if (query.severity !== undefined) own.push(sql`severity = ${query.severity}`);
  if (query.from !== undefined) own.push(sql`created_at >= ${query.from}::timestamptz`);
  if (query.to !== undefined) own.push(sql`created_at < ${query.to}::timestamptz`);
  if (before !== undefined) own.push(sql`(created_at, id) < (${before.at}::timestamptz, ${before.id}::uuid)`);
  const n = query.limit + 1;
  // Both halves are already newest-first and bounded by n; the outer sort merges them.
  const {
    results: [page],
  } = await inOrg(c, (tx) => [
    tx.execute<EventRow>(sql`
      select id, type, severity, scope, actor_user_id, actor_api_key_id, request_id, source, details,
             to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
      from (
        (select id, type, severity, 'organization' as scope, actor_user_id, actor_api_key_id, request_id,
                app.event_source(org_id, ip_hash) as source, details, created_at
         from public.security_events
         where ${sql.join(own, sql` and `)}
         order by created_at desc, id desc
         limit ${n})
        union all
        (select id, type, severity, 'account', actor_user_id, null::uuid, request_id, source, details, created_at
         from audit.member_account_events(${query.type ?? null}::text, ${query.severity ?? null}::text,
           ${query.from ?? null}::timestamptz, ${query.to ?? null}::timestamptz,
           ${before?.at ?? null}::timestamptz, ${before?.id ?? null}::uuid, ${n}::integer))
      ) e
      order by e.created_at desc, e.id desc
      limit ${n}`),
  ]);
  const rows = page.rows.slice(0, query.limit);
  const last = rows.at(-1);
  const more = page.rows.length > query.limit && last !== undefined;
  return c.json(
    {
      data: rows.map((row) => ({
        id: row.id,
        type: row.type,
        severity: row.severity,
        scope: row.scope,
        actor_user_id: row.actor_user_id,
        actor_api_key_id: row.actor_api_key_id,
        request_id: row.request_id,
        source: row.source,
        details: row.details ?? {},
        created_at: row.created_at,
      })),
      next_cursor: more ? encodeCursor(LIST, { at: last.created_at, id: last.id }) : null,
    },
    200,
  );
};

/** Registers the security-events route. */
export function registerSecurityEvents(router: OpenAPIHono<AppEnv>): void {
  router.openapi(listSecurityEventsRoute, listSecurityEvents);
}
