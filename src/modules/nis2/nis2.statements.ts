/**
 * The SQL of the incident-deadline routes. Deadlines come from `app.incident_deadlines`
 * (drizzle/0013_incident_notifications_security.sql: the regimes as data, due times and
 * states computed at read time); every value is a bound parameter, and each statement
 * names the request's organization on top of the row policies that restrict it anyway.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";
import { NIS2_MEASURES } from "../../db/schema";
import type { NotificationInput } from "./nis2.schemas";

/** A deadline row as the database answers it (instants as Postgres prints them). */
export interface DeadlineRow {
  readonly kind: string;
  readonly regime: string;
  readonly due_at: string | Date | null;
  readonly state: string;
  readonly submitted_at: string | Date | null;
  readonly [column: string]: unknown;
}

export interface NotificationRow {
  readonly id: string;
  readonly incident_id: string;
  readonly kind: string;
  readonly submitted_at: string | Date;
  readonly reference: string | null;
  readonly notes: string | null;
  readonly created_at: string | Date;
  readonly created_by: string;
  readonly [column: string]: unknown;
}

const NOTIFICATION_COLUMNS = sql`id, incident_id, kind, submitted_at, reference, notes, created_at, created_by`;

/** The incident's id if it is this organization's (no row: 404). */
export const incidentExists = (tx: Database, orgId: string, incidentId: string) =>
  tx.execute<{ id: string }>(sql`select id from incidents where org_id = ${orgId}::uuid and id = ${incidentId}::uuid`);

/** Every deadline of one incident, as of now (no row when the caller cannot see it). */
export const deadlinesOf = (tx: Database, incidentId: string) =>
  tx.execute<DeadlineRow>(sql`select kind, regime, due_at, state, submitted_at from app.incident_deadlines(${incidentId}::uuid)`);

/**
 * Records a submitted report, only if the incident is this organization's: an
 * INSERT … SELECT, so an unknown or foreign incident inserts nothing (404) in the same
 * statement. The time defaults to the database's now; the database refuses a future one.
 */
export function insertNotification(tx: Database, orgId: string, incidentId: string, body: NotificationInput) {
  return tx.execute<NotificationRow>(sql`
    insert into incident_notifications (org_id, incident_id, kind, submitted_at, reference, notes)
    select i.org_id, i.id, ${body.kind}::text, coalesce(${body.submitted_at ?? null}::timestamptz, now()),
           ${body.reference ?? null}::text, ${body.notes ?? null}::text
    from incidents i where i.org_id = ${orgId}::uuid and i.id = ${incidentId}::uuid
    returning ${NOTIFICATION_COLUMNS}`);
}

/** An incident's reports, oldest first. */
export const notificationsOf = (tx: Database, orgId: string, incidentId: string) =>
  tx.execute<NotificationRow>(sql`
    select ${NOTIFICATION_COLUMNS} from incident_notifications
    where org_id = ${orgId}::uuid and incident_id = ${incidentId}::uuid
    order by submitted_at, id`);

/** How many open deadlines the overview lists. */
export const OPEN_DEADLINES_LIMIT = 200;

/** Pending and overdue deadlines with a due date across the organization's incidents, soonest first. */
export const openDeadlines = (tx: Database, orgId: string) =>
  tx.execute<DeadlineRow & { incident_id: string; incident_title: string }>(sql`
    select i.id as incident_id, i.title as incident_title, d.kind, d.regime, d.due_at, d.state, d.submitted_at
    from incidents i cross join lateral app.incident_deadlines(i.id) d
    where i.org_id = ${orgId}::uuid and d.state in ('pending', 'overdue') and d.due_at is not null
    order by d.due_at, i.id, d.kind
    limit ${OPEN_DEADLINES_LIMIT}`);

/** The Art. 21(2) measures, in order, as rows (`measure`, `position`). */
const measures = sql`unnest(string_to_array(${NIS2_MEASURES.join(",")}::text, ',')) with ordinality as m(measure, position)`;

/** Per NIS2 Art. 21(2) measure, in order, the controls naming it (as one JSON array), each with how much evidence is linked to it. */
export const controlsByMeasure = (tx: Database, orgId: string) =>
  tx.execute<{ measure: string; controls: unknown }>(sql`
    select m.measure,
      coalesce(jsonb_agg(jsonb_build_object('id', c.id, 'reference', c.reference, 'title', c.title, 'status', c.status,
                 'evidence_count', (select count(*) from control_evidence ce where ce.org_id = c.org_id and ce.control_id = c.id))
                 order by c.reference nulls last, c.id) filter (where c.id is not null), '[]'::jsonb) as controls
    from ${measures}
    left join controls c on c.org_id = ${orgId}::uuid and c.nis2_measures @> array[m.measure]
    group by m.measure, m.position
    order by m.position`);

/**
 * Per measure and evidence status, how many distinct items of evidence are linked to the
 * measure's controls (evidence shared by two controls of a measure counts once). Only
 * the pairs that have some: the handler fills in the zeros.
 */
export const evidenceByMeasure = (tx: Database, orgId: string) =>
  tx.execute<{ measure: string; status: string; n: number }>(sql`
    select m.measure, e.status, count(distinct e.id)::int as n
    from ${measures}
    join controls c on c.org_id = ${orgId}::uuid and c.nis2_measures @> array[m.measure]
    join control_evidence ce on ce.org_id = c.org_id and ce.control_id = c.id
    join evidence e on e.org_id = ce.org_id and e.id = ce.evidence_id
    group by m.measure, e.status`);
