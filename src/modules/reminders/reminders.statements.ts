/**
 * The SQL of the deadline reminders: three SECURITY DEFINER functions
 * (drizzle/0029_deadline_reminders_security.sql), each one statement of a round trip
 * without a request context. Every value is a bound parameter; the lead times are whole
 * hours from the validated configuration.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";

/** One reminder email the claim made this delivery responsible for. */
export interface ClaimedReminder {
  readonly incident_id: string;
  readonly incident_title: string;
  readonly org_name: string;
  readonly kind: string;
  readonly regime: string;
  /** RFC 3339 UTC with milliseconds. */
  readonly due_at: string;
  /** `<hours>h` or `overdue`. */
  readonly lead: string;
  readonly user_id: string;
  readonly email: string;
  readonly [column: string]: unknown;
}

/** The key of a claim, as the release takes it back. */
export type ClaimKey = Pick<ClaimedReminder, "incident_id" | "kind" | "due_at" | "lead" | "user_id">;

/** Postgres array literal of whole hours (validated integers, never user input). */
const hoursArray = (hours: readonly number[]): string => `{${hours.map((h) => String(Math.trunc(h))).join(",")}}`;

/** The organizations with at least one reminder due at `at` (the fan-out). */
export const orgsWithDueReminders = (tx: Database, at: Date, leadHours: readonly number[]) =>
  tx.execute<{ org_id: string }>(
    sql`select org_id::text as org_id from app.orgs_with_due_reminders(${at.toISOString()}::timestamptz, ${hoursArray(leadHours)}::integer[]) as org_id`,
  );

/** Claims at most `limit` reminders of `orgId` due at `at`, soonest due first. */
export const claimReminders = (tx: Database, orgId: string, at: Date, leadHours: readonly number[], limit: number) =>
  tx.execute<ClaimedReminder>(sql`
    select incident_id::text, incident_title, org_name, kind, regime, due_at, lead, user_id::text, email
    from app.claim_deadline_reminders(${orgId}::uuid, ${at.toISOString()}::timestamptz, ${hoursArray(leadHours)}::integer[], ${limit}::integer)`);

/** Gives back the claims whose emails were not sent. */
export const releaseReminders = (tx: Database, orgId: string, claims: readonly ClaimKey[]) =>
  tx.execute<{ released: number }>(sql`
    select app.release_deadline_reminders(${orgId}::uuid, ${JSON.stringify(
      claims.map(({ incident_id, kind, due_at, lead, user_id }) => ({ incident_id, kind, due_at, lead, user_id })),
    )}::jsonb) as released`);
