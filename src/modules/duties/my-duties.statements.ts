/**
 * The SQL of the caller's own duties: what the signed-in person still has to do in the
 * organization. "Me" is the transaction's user (`app.current_user_id()`), never a value
 * from the request.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";
import { ASSIGNMENT_COLUMNS, ASSIGNMENTS_FROM, type AssignmentRow } from "./assignments.statements";
import { DUTY_LIST_CAP } from "./duties.schemas";

/** Approved policies whose current version the caller has not acknowledged, by title. */
export const policiesToAcknowledge = (tx: Database, orgId: string) =>
  tx.execute<{ policy_id: string; title: string; document_version: string; version: number }>(sql`
    select p.id as policy_id, p.title, p.document_version, p.version
    from policies p
    where p.org_id = ${orgId}::uuid and p.status = 'approved' and not exists (
      select from policy_acknowledgements a where a.org_id = p.org_id and a.policy_id = p.id
        and a.document_version = p.document_version and a.user_id = app.current_user_id())
    order by p.title, p.id
    limit ${DUTY_LIST_CAP + 1}`);

/** The caller's assignments not completed yet, soonest due first. */
export const myOpenAssignments = (tx: Database, orgId: string) =>
  tx.execute<AssignmentRow & { training_title: string }>(sql`
    select ${ASSIGNMENT_COLUMNS}, t.title as training_title
    from ${ASSIGNMENTS_FROM}
    where a.org_id = ${orgId}::uuid and a.user_id = app.current_user_id() and a.completed_at is null
    order by coalesce(a.due_date, t.due_date) nulls last, t.title, a.id
    limit ${DUTY_LIST_CAP + 1}`);
