/** Handlers of the cross-tenant event lists: one round trip each (the check is the function's first statement). */
import type { Context } from "hono";
import type { RouteHandler } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createDatabase, inContext } from "../../db";
import { decodeCursor, encodeCursor } from "../../http/cursor";
import { currentUser } from "../auth/auth.principal";
import { selectEvents, type EventRow } from "./admin.statements";
import type { listAlertsRoute, listEventsRoute } from "./events.routes";

const MICROSECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const Position = z.object({ at: z.string().regex(MICROSECONDS), id: z.uuid() });

interface Filters {
  readonly org?: string | undefined;
  readonly severity?: "info" | "warning" | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly actor?: string | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** A page of events of `type` (every type when null), under the list name `list` (its cursors are its own). */
async function page(c: Context<AppEnv>, list: string, type: string | null, query: Filters) {
  const before = query.cursor === undefined ? undefined : decodeCursor(list, Position, query.cursor);
  const db = await createDatabase(c.env.edge.config.database);
  const [result] = await inContext(db, { actor: { kind: "user", userId: currentUser(c).id } }, (tx) => [
    tx.execute<EventRow>(
      selectEvents({
        org: query.org ?? null,
        type,
        severity: query.severity ?? null,
        from: query.from ?? null,
        to: query.to ?? null,
        actor: query.actor ?? null,
        before,
        fetch: query.limit + 1,
      }),
    ),
  ]);
  const rows = result.rows.slice(0, query.limit);
  const last = rows.at(-1);
  const more = result.rows.length > query.limit && last !== undefined;
  return {
    data: rows.map((row) => ({
      id: row.id,
      org_id: row.org_id,
      type: row.type,
      severity: row.severity,
      actor_user_id: row.actor_user_id,
      actor_api_key_id: row.actor_api_key_id,
      request_id: row.request_id,
      source: row.source,
      details: row.details ?? {},
      created_at: row.created_at,
    })),
    next_cursor: more ? encodeCursor(list, { at: last.created_at, id: last.id }) : null,
  };
}

/** GET /v1/admin/security-events. */
export const listEvents: RouteHandler<typeof listEventsRoute, AppEnv> = async (c) => {
  const query = c.req.valid("query");
  return c.json(await page(c, "admin-security-events", query.type ?? null, query), 200);
};

/** GET /v1/admin/alerts. */
export const listAlerts: RouteHandler<typeof listAlertsRoute, AppEnv> = async (c) =>
  c.json(await page(c, "admin-alerts", "alert_raised", c.req.valid("query")), 200);
