/**
 * Backups (P15): one row per organization and day, describing the encrypted export the
 * daily job wrote to the backups bucket, and the result of its restore check. The
 * object key is derived from the row itself (`orgs/<org id>/backups/<date>.ndjson.gz.enc`,
 * a generated column), so every key carries its organization (P12) and nothing anyone
 * sends becomes part of one. Unique per organization and date: a redelivered job finds
 * its row and changes nothing.
 *
 * What drizzle-kit cannot express is in the custom migration
 * (drizzle/*_backups_security.sql): RLS (members allowed `audit` read their
 * organization's rows; nobody in the app writes them), and the SECURITY DEFINER
 * functions that are the only writers (the export, recording, the check's result,
 * retention, the restore drill's member list, the administrators' list).
 */
import { sql } from "drizzle-orm";
import { bigint, check, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";

/** A backup's restore check: not run yet, or its outcome. */
export const BACKUP_CHECK_STATES = ["pending", "passed", "failed"] as const;
export type BackupCheckState = (typeof BACKUP_CHECK_STATES)[number];

export const backups = pgTable(
  "backups",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** The UTC day the export belongs to (the cron tick's date). */
    date: date("date").notNull(),
    /** P12: derived from the row, never sent by anyone. */
    objectKey: text("object_key")
      .notNull()
      // extract() on a date is immutable, as a generated column needs (to_char and date::text depend on settings).
      .generatedAlwaysAs(
        sql`'orgs/' || org_id::text || '/backups/' || lpad(extract(year from date)::int::text, 4, '0') || '-' || lpad(extract(month from date)::int::text, 2, '0') || '-' || lpad(extract(day from date)::int::text, 2, '0') || '.ndjson.gz.enc'`,
      ),
    /** The BACKUP_ENCRYPTION_KEYS version the object is sealed under. */
    keyVersion: text("key_version").notNull(),
    /** The object's bytes and their SHA-256 (lower-case hex), as written. */
    size: bigint("size", { mode: "number" }).notNull(),
    sha256: text("sha256").notNull(),
    /** Sealed segments in the object. */
    segments: integer("segments").notNull(),
    /** Rows per section of the export (the trailer's counts). */
    counts: jsonb("counts").notNull(),
    /** The organization's audit head when it was exported (seq 0 and 64 zeros: no entries yet). */
    auditHeadSeq: bigint("audit_head_seq", { mode: "number" }).notNull(),
    auditHeadHash: text("audit_head_hash").notNull(),
    checkState: text("check_state").notNull().default("pending"),
    /** Why a check failed: a stable reason code (README "Backups"). */
    checkReason: text("check_reason"),
    checkedAt: timestamp("checked_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("backups_org_date_key").on(t.orgId, t.date),
    // The administrators' cross-tenant list, newest first, optionally of one state.
    index("backups_date_idx").on(t.date, t.id),
    index("backups_state_date_idx").on(t.checkState, t.date, t.id),
    check("backups_check_state", sql.raw(`check_state IN (${BACKUP_CHECK_STATES.map((s) => `'${s}'`).join(", ")})`)),
    check("backups_sha256", sql.raw("sha256 ~ '^[0-9a-f]{64}$'")),
    check("backups_audit_head_hash", sql.raw("audit_head_hash ~ '^[0-9a-f]{64}$'")),
    check("backups_size", sql.raw("size > 0 AND segments > 0")),
    check("backups_checked", sql.raw("(check_state = 'pending') = (checked_at IS NULL)")),
    check("backups_reason", sql.raw("(check_state = 'failed') = (check_reason IS NOT NULL)")),
  ],
);
