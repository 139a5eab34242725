/**
 * Handlers of the incident-deadline routes: each is ONE transaction in ONE round trip
 * (`inOrg`: the authorization check, then the statements). A report is written by an
 * INSERT … SELECT that finds the incident in the same statement, and the deadlines read
 * after it in the same transaction already count it; the audit entry is the table's
 * trigger, in that transaction.
 */
import type { RouteHandler } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { CONTROL_STATUSES, EVIDENCE_STATUSES, type DeadlineRegime, type NotificationKind } from "../../db/schema";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import type { createNotificationRoute, deadlinesRoute, listNotificationsRoute, overviewRoute } from "./nis2.routes";
import type { DeadlineOut, Nis2OverviewOut, NotificationOut } from "./nis2.schemas";
import {
  controlsByMeasure,
  deadlinesOf,
  evidenceByMeasure,
  incidentExists,
  insertNotification,
  notificationsOf,
  openDeadlines,
  type DeadlineRow,
  type NotificationRow,
} from "./nis2.statements";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A malformed incident id names no incident: 404 before any query, like an unknown one. */
function incidentId(id: string): string {
  if (!UUID.test(id)) throw new AppError("not_found");
  return id.toLowerCase();
}

const iso = (value: string | Date): string => new Date(value).toISOString();
const isoOrNull = (value: string | Date | null): string | null => (value === null ? null : iso(value));

function deadline(row: DeadlineRow): DeadlineOut {
  return {
    kind: row.kind as NotificationKind,
    regime: row.regime as DeadlineRegime,
    due_at: isoOrNull(row.due_at),
    state: row.state as DeadlineOut["state"],
    submitted_at: isoOrNull(row.submitted_at),
  };
}

function notification(row: NotificationRow): NotificationOut {
  return {
    id: row.id,
    incident_id: row.incident_id,
    kind: row.kind as NotificationKind,
    submitted_at: iso(row.submitted_at),
    reference: row.reference,
    notes: row.notes,
    created_at: iso(row.created_at),
    created_by: row.created_by,
  };
}

export const createNotification: RouteHandler<typeof createNotificationRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = incidentId(c.req.valid("param").id);
  const body = c.req.valid("json");
  const {
    results: [inserted, deadlines],
  } = await inOrg(c, (tx) => [insertNotification(tx, org, id, body), deadlinesOf(tx, id)]);
  const row = inserted.rows[0];
  if (row === undefined) throw new AppError("not_found");
  return c.json({ notification: notification(row), deadlines: deadlines.rows.map(deadline) }, 201);
};

export const listNotifications: RouteHandler<typeof listNotificationsRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = incidentId(c.req.valid("param").id);
  const {
    results: [found, notifications, deadlines],
  } = await inOrg(c, (tx) => [incidentExists(tx, org, id), notificationsOf(tx, org, id), deadlinesOf(tx, id)]);
  if (found.rows.length === 0) throw new AppError("not_found");
  return c.json({ items: notifications.rows.map(notification), deadlines: deadlines.rows.map(deadline) }, 200);
};

export const getDeadlines: RouteHandler<typeof deadlinesRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const id = incidentId(c.req.valid("param").id);
  const {
    results: [found, deadlines],
  } = await inOrg(c, (tx) => [incidentExists(tx, org, id), deadlinesOf(tx, id)]);
  if (found.rows.length === 0) throw new AppError("not_found");
  return c.json({ incident_id: id, deadlines: deadlines.rows.map(deadline) }, 200);
};

type MeasureControl = Nis2OverviewOut["measures"][number]["controls"][number];

export const getOverview: RouteHandler<typeof overviewRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [open, measures, evidence],
  } = await inOrg(c, (tx) => [openDeadlines(tx, org), controlsByMeasure(tx, org), evidenceByMeasure(tx, org)]);
  const body: Nis2OverviewOut = {
    open_deadlines: open.rows.map((row) => ({ incident_id: row.incident_id, incident_title: row.incident_title, ...deadline(row) })),
    measures: measures.rows.map((row) => {
      // jsonb from our own jsonb_build_object (nis2.statements.ts): the shape is ours.
      const controls = (typeof row.controls === "string" ? JSON.parse(row.controls) : row.controls) as MeasureControl[];
      const counts = Object.fromEntries(CONTROL_STATUSES.map((status) => [status, controls.filter((x) => x.status === status).length]));
      const linked = evidence.rows.filter((x) => x.measure === row.measure);
      const evidenceCounts = Object.fromEntries(
        EVIDENCE_STATUSES.map((status) => [status, linked.find((x) => x.status === status)?.n ?? 0]),
      ) as Record<(typeof EVIDENCE_STATUSES)[number], number>;
      return {
        measure: row.measure as Nis2OverviewOut["measures"][number]["measure"],
        controls,
        status_counts: counts as Record<(typeof CONTROL_STATUSES)[number], number>,
        evidence_count: linked.reduce((sum, x) => sum + x.n, 0),
        evidence_status_counts: evidenceCounts,
      };
    }),
  };
  return c.json(body, 200);
};
