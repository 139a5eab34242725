/**
 * The SQL of training assignments. Who assigned, who recorded a completion and when are
 * stamped by the database (drizzle/0018_duties_security.sql: `app.stamp_training_assignment`),
 * which also lets the assignee alone record their own completion and nothing else. An
 * assignment's state is computed here when read, never stored: its due date (its own,
 * else the training's) against today in UTC. Every value is a bound parameter; each
 * statement names the request's organization on top of the row policies.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db";
import type { AssignmentState } from "../../db/schema";
import { DUTY_LIST_CAP, type AssignInput, type CompletionInput } from "./duties.schemas";

/** An assignment as the database answers it (instants as Postgres prints them, dates as text). */
export interface AssignmentRow {
  readonly id: string;
  readonly training_id: string;
  readonly user_id: string;
  readonly name: string | null;
  readonly status: string;
  readonly due_date: string | null;
  readonly due_date_override: string | null;
  readonly assigned_at: string | Date;
  readonly assigned_by: string;
  readonly completed_at: string | Date | null;
  readonly completed_by: string | null;
  readonly score: number | null;
  readonly notes: string | null;
  readonly [column: string]: unknown;
}

/** The date that applies to assignment `a` of training `t`. */
const DUE = sql`coalesce(a.due_date, t.due_date)`;
/** Today, in UTC: a due date is met until the end of its day. */
const TODAY = sql`(now() at time zone 'UTC')::date`;

/** The state of assignment `a` of training `t`, as of now. */
export const STATE = sql`case when a.completed_at is not null then 'completed' when ${DUE} < ${TODAY} then 'overdue' else 'pending' end`;

/** The columns of assignment `a` of training `t`, with the assignee `u`. */
export const ASSIGNMENT_COLUMNS = sql`a.id, a.training_id, a.user_id, u.name, ${STATE} as status,
  ${DUE}::text as due_date, a.due_date::text as due_date_override, a.assigned_at, a.assigned_by,
  a.completed_at, a.completed_by, a.score, a.notes`;

/** Assignments `a` with their training `t` and assignee `u`. */
export const ASSIGNMENTS_FROM = sql`training_assignments a
  join trainings t on t.org_id = a.org_id and t.id = a.training_id
  left join users u on u.id = a.user_id`;

const one = (orgId: string, trainingId: string, userId: string): SQL =>
  sql`a.org_id = ${orgId}::uuid and a.training_id = ${trainingId}::uuid and a.user_id = ${userId}::uuid`;

/**
 * Assigns the training to a member, only if the training is this organization's: an
 * INSERT … SELECT, so an unknown or foreign training inserts nothing (404); a person who
 * is not a member is refused by the foreign key (23503 → 422). Assigning again changes
 * nothing, except the due date when one is sent. `created` tells a new row (201) from
 * the existing one: a row the statement inserted has no `xmax`; one it updated has.
 */
export function assign(tx: Database, orgId: string, trainingId: string, body: AssignInput) {
  const dueSent = body.due_date !== undefined;
  return tx.execute<{ id: string; created: boolean }>(sql`
    insert into training_assignments as a (org_id, training_id, user_id, due_date)
    select t.org_id, t.id, ${body.user_id}::uuid, ${body.due_date ?? null}::date
    from trainings t where t.org_id = ${orgId}::uuid and t.id = ${trainingId}::uuid
    on conflict (org_id, training_id, user_id) do update set due_date = excluded.due_date
      where ${dueSent}::boolean and a.due_date is distinct from excluded.due_date
    returning a.id, (a.xmax = 0) as created`);
}

/** One assignment as it is now (after the statement before it in the transaction). */
export const assignmentOf = (tx: Database, orgId: string, trainingId: string, userId: string) =>
  tx.execute<AssignmentRow & { may_record: boolean }>(sql`
    select ${ASSIGNMENT_COLUMNS},
      (select app.can('write')) or (a.user_id = app.current_user_id() and app.current_api_key_id() is null) as may_record
    from ${ASSIGNMENTS_FROM}
    where ${one(orgId, trainingId, userId)}`);

/** Removes an assignment (its row goes to the audit log), RETURNING its id. */
export const unassign = (tx: Database, orgId: string, trainingId: string, userId: string) =>
  tx.execute<{ id: string }>(sql`
    delete from training_assignments a where ${one(orgId, trainingId, userId)} returning a.id`);

/**
 * Records a completion, once: only an assignment not completed yet, and only one the
 * caller may update (the row policy: a writer, or the assignee themself; any other row
 * is skipped, and {@link assignmentOf} tells why). Time defaults to the database's now.
 */
export function complete(tx: Database, orgId: string, trainingId: string, userId: string, body: CompletionInput) {
  return tx.execute<{ id: string }>(sql`
    update training_assignments a
    set completed_at = coalesce(${body.completed_at ?? null}::timestamptz, now()),
        score = ${body.score ?? null}::smallint, notes = ${body.notes ?? null}::text
    where ${one(orgId, trainingId, userId)} and a.completed_at is null
    returning a.id`);
}

/** The training with its assignments counted by state. */
export const trainingWithCounts = (tx: Database, orgId: string, trainingId: string) =>
  tx.execute<{
    id: string;
    title: string;
    status: string;
    due_date: string | null;
    assigned: number;
    completed: number;
    overdue: number;
  }>(sql`
    select t.id, t.title, t.status, t.due_date::text as due_date,
      count(a.id)::int as assigned,
      count(a.completed_at)::int as completed,
      (count(a.id) filter (where a.completed_at is null and ${DUE} < ${TODAY}))::int as overdue
    from trainings t
    left join training_assignments a on a.org_id = t.org_id and a.training_id = t.id
    where t.org_id = ${orgId}::uuid and t.id = ${trainingId}::uuid
    group by t.id`);

/** A training's assignments, by the assignee's name (one more than the cap: truncated?). */
export function assignmentsOf(tx: Database, orgId: string, trainingId: string, state: AssignmentState | undefined) {
  const filter = state === undefined ? sql`` : sql` and ${STATE} = ${state}::text`;
  return tx.execute<AssignmentRow>(sql`
    select ${ASSIGNMENT_COLUMNS}
    from ${ASSIGNMENTS_FROM}
    where a.org_id = ${orgId}::uuid and a.training_id = ${trainingId}::uuid${filter}
    order by u.name, a.user_id
    limit ${DUTY_LIST_CAP + 1}`);
}
