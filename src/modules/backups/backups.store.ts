/**
 * The backups' rows and objects: the SQL the jobs and routes send (the definer functions
 * of drizzle/*_backups_security.sql) and where an object lives. Every key starts with
 * `orgs/<org id>/backups/` (P12); the database derives it from the row too.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";
import type { ExpectedBackup } from "./backups.check";

/** Days an export is kept: the job deletes objects and rows dated more than this before the run's date. */
export const RETENTION_DAYS = 30;

/** A `backups` row as the functions answer it (snake_case; bigint and dates as the driver gives them). */
export interface BackupRow {
  readonly id: string;
  readonly org_id: string;
  readonly date: string;
  readonly object_key: string;
  readonly key_version: string;
  readonly size: string | number;
  readonly sha256: string;
  readonly segments: number;
  readonly counts: Record<string, number>;
  readonly audit_head_seq: string | number;
  readonly audit_head_hash: string;
  readonly check_state: "pending" | "passed" | "failed";
  readonly check_reason: string | null;
  readonly checked_at: string | null;
  readonly created_at: string;
  readonly [column: string]: unknown;
}

/** The prefix of an organization's backup objects. */
export const backupPrefix = (orgId: string): string => `orgs/${orgId}/backups/`;

/** The object key of an organization's export of `date` (what the row's generated column says). */
export const backupKey = (orgId: string, date: string): string => `${backupPrefix(orgId)}${date}.ndjson.gz.enc`;

const KEY_DATE = /\/backups\/(\d{4}-\d{2}-\d{2})\.ndjson\.gz\.enc$/;

/** The date a backup object key names, or undefined for anything else under the prefix. */
export const dateOfKey = (key: string): string | undefined => KEY_DATE.exec(key)?.[1];

/** `date` minus `days`, as YYYY-MM-DD (UTC). */
export function daysBefore(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() - days);
  return at.toISOString().slice(0, 10);
}

/** What a row says its object must be. */
export const expectedOf = (row: BackupRow): ExpectedBackup => ({
  orgId: row.org_id,
  date: row.date,
  size: Number(row.size),
  sha256: row.sha256,
  auditHeadSeq: Number(row.audit_head_seq),
  auditHeadHash: row.audit_head_hash,
});

/** The organization's row of one date, or of one id. */
export const findBackup = (tx: Database, orgId: string, by: { id?: string; date?: string }) =>
  tx.execute<BackupRow>(sql`select * from app.backup_find(${orgId}::uuid, ${by.id ?? null}::uuid, ${by.date ?? null}::date)`);

/** The export's lines, only when the organization has no row of `date` yet (otherwise the function never runs). */
export const exportLines = (tx: Database, orgId: string, date: string) =>
  tx.execute<{ line: string }>(
    sql`select line from app.backup_export(${orgId}::uuid) as line where not exists (select from app.backup_find(${orgId}::uuid, null, ${date}::date))`,
  );

/** Records a written object; answers the organization's row of that date (the first one, if two runs raced). */
export const recordBackup = (
  tx: Database,
  facts: {
    orgId: string;
    date: string;
    keyVersion: string;
    size: number;
    sha256: string;
    segments: number;
    counts: Record<string, number>;
    headSeq: number;
    headHash: string;
  },
) =>
  tx.execute<BackupRow>(
    sql`select * from app.backup_record(${facts.orgId}::uuid, ${facts.date}::date, ${facts.keyVersion}, ${facts.size}, ${facts.sha256}, ${facts.segments}, ${JSON.stringify(facts.counts)}::jsonb, ${facts.headSeq}, ${facts.headHash})`,
  );

/** Records a check's outcome (and, for a failure, the organization's security event). */
export const recordCheck = (tx: Database, orgId: string, id: string, outcome: { ok: true } | { ok: false; reason: string }) =>
  tx.execute<BackupRow>(
    sql`select * from app.backup_record_check(${orgId}::uuid, ${id}::uuid, ${outcome.ok}, ${outcome.ok ? null : outcome.reason})`,
  );

/** Deletes the organization's rows dated before `before`. */
export const pruneRows = (tx: Database, orgId: string, before: string) =>
  tx.execute<{ backup_prune: number }>(sql`select app.backup_prune(${orgId}::uuid, ${before}::date)`);
