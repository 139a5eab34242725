/**
 * From database rows to the API's answers (instants as RFC 3339 UTC), and path ids:
 * a malformed id names nothing, so it is a 404 before any query, like an unknown one.
 */
import type { AssignmentState } from "../../db/schema";
import { AppError } from "../../http/errors";
import type { AcknowledgementRow } from "./acknowledgements.statements";
import type { AssignmentRow } from "./assignments.statements";
import type { AcknowledgementOut, AssignmentOut } from "./duties.schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id, lower-cased; 404 when it is not a UUID. */
export function pathId(value: string): string {
  if (!UUID.test(value)) throw new AppError("not_found");
  return value.toLowerCase();
}

const iso = (value: string | Date): string => new Date(value).toISOString();
const isoOrNull = (value: string | Date | null): string | null => (value === null ? null : iso(value));

export function acknowledgement(row: AcknowledgementRow): AcknowledgementOut {
  return {
    id: row.id,
    policy_id: row.policy_id,
    user_id: row.user_id,
    name: row.name,
    document_version: row.document_version,
    policy_version: row.policy_version,
    acknowledged_at: iso(row.acknowledged_at),
    current: row.current,
  };
}

export function assignment(row: AssignmentRow): AssignmentOut {
  return {
    id: row.id,
    training_id: row.training_id,
    user_id: row.user_id,
    name: row.name,
    status: row.status as AssignmentState,
    due_date: row.due_date,
    due_date_override: row.due_date_override,
    assigned_at: iso(row.assigned_at),
    assigned_by: row.assigned_by,
    completed_at: isoOrNull(row.completed_at),
    completed_by: row.completed_by,
    score: row.score,
    notes: row.notes,
  };
}

/** The first `cap` rows, and whether there were more. */
export function capped<T>(rows: readonly T[], cap: number): { rows: T[]; truncated: boolean } {
  return { rows: rows.slice(0, cap), truncated: rows.length > cap };
}
