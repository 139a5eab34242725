/**
 * The daily backups (P15) as scheduled work: the 02:17 UTC Cron Trigger fans out one
 * `backup` message per organization (P12: the message and every key carry its id); the
 * consumer exports that organization (ONE database round trip for the data), seals the
 * export into the backups bucket, records it, runs the restore check, and deletes what
 * is past retention. `backup_check` runs the check again on demand.
 *
 * Idempotent: the row is unique per organization and date. A redelivered message finds
 * the row and does nothing (or, if the first delivery died after recording and before
 * checking, only the check). The object is written only if absent (`onlyIf`), so two
 * overlapping runs cannot leave an object that differs from the row: the loser records
 * what the winner wrote, from the object's own metadata. Bounded: one organization per
 * message, its export in one query, sealing and checking one segment (1 MiB) at a time
 * (figures: README "Backups", `npm run bench -- backups`).
 */
import { z } from "zod";
import { createDatabase, inContext } from "../../db";
import { log } from "../../lib/log";
import { securityEvent } from "../../lib/security-events";
import { defineJob, defineSchedule, jobMessage, type JobRun } from "../../queue";
import { sql } from "drizzle-orm";
import { checkBackup, HEADER_SECTION } from "./backups.check";
import { sealBackup } from "./backups.format";
import {
  backupKey,
  backupPrefix,
  dateOfKey,
  daysBefore,
  expectedOf,
  exportLines,
  findBackup,
  pruneRows,
  recordBackup,
  recordCheck,
  RETENTION_DAYS,
  type BackupRow,
} from "./backups.store";

/** The daily cron (wrangler.toml [triggers]). */
export const BACKUP_CRON = "17 2 * * *";

const backupMessage = jobMessage("backup").extend({ date: z.iso.date() });
const checkMessage = jobMessage("backup_check").extend({ backup_id: z.uuid() });
export type BackupCheckMessage = z.infer<typeof checkMessage>;

interface Trailer {
  readonly counts: Record<string, number>;
  readonly audit_head: { readonly seq: number; readonly hash: string };
}

/** Runs the restore check of `row` and records its outcome; a failure is a warning and a stored event. */
export async function checkAndRecord(run: JobRun, row: BackupRow): Promise<BackupRow> {
  const object = await run.env.BACKUPS.get(row.object_key);
  const bytes = object === null ? null : new Uint8Array(await object.arrayBuffer());
  const outcome = await checkBackup(bytes, expectedOf(row), run.config.secrets.backupKeys);
  const db = await createDatabase(run.config.database);
  const [recorded] = await inContext(db, { orgId: row.org_id }, (tx) => [recordCheck(tx, row.org_id, row.id, outcome)]);
  if (!outcome.ok)
    securityEvent("backup_restore_check_failed", { org_id: row.org_id, backup_id: row.id, date: row.date, reason: outcome.reason });
  else log.info("backup_checked", { org_id: row.org_id, backup_id: row.id, date: row.date });
  return recorded.rows[0] ?? row;
}

/** Deletes the organization's objects and rows dated more than RETENTION_DAYS before `date`. */
async function enforceRetention(run: JobRun, orgId: string, date: string): Promise<void> {
  const cutoff = daysBefore(date, RETENTION_DAYS);
  const expired: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await run.env.BACKUPS.list({ prefix: backupPrefix(orgId), ...(cursor === undefined ? {} : { cursor }) });
    for (const object of page.objects) {
      const day = dateOfKey(object.key);
      if (day !== undefined && day < cutoff) expired.push(object.key);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  // Objects first: a row without its object would fail its check; an object without a row is only kept until the lifecycle rule.
  for (let i = 0; i < expired.length; i += 1000) await run.env.BACKUPS.delete(expired.slice(i, i + 1000));
  const db = await createDatabase(run.config.database);
  await inContext(db, { orgId }, (tx) => [pruneRows(tx, orgId, cutoff)]);
  if (expired.length > 0) log.info("backups_pruned", { org_id: orgId, objects: expired.length, before: cutoff });
}

/** Writes the export unless an object is there already; answers what describes the object now stored. */
async function writeObject(run: JobRun, orgId: string, date: string, lines: readonly string[]) {
  const trailerLine = lines.at(-1);
  const trailer = trailerLine === undefined ? undefined : (JSON.parse(trailerLine) as { s: string; r: Trailer });
  if (trailer?.s !== "trailer") throw new Error("app.backup_export answered no trailer");
  const header = JSON.stringify({
    s: HEADER_SECTION,
    r: { format: "rampart-backup", version: 1, org_id: orgId, date, exported_at: new Date().toISOString() },
  });
  const sealed = await sealBackup([header, ...lines], { orgId, date, keys: run.config.secrets.backupKeys });
  const key = backupKey(orgId, date);
  const facts = {
    keyVersion: sealed.keyVersion,
    size: sealed.bytes.byteLength,
    sha256: sealed.sha256,
    segments: sealed.segments,
    counts: trailer.r.counts,
    headSeq: trailer.r.audit_head.seq,
    headHash: trailer.r.audit_head.hash,
  };
  const written = await run.env.BACKUPS.put(key, sealed.bytes, {
    onlyIf: { etagDoesNotMatch: "*" },
    sha256: sealed.sha256,
    httpMetadata: { contentType: "application/octet-stream" },
    customMetadata: { org_id: orgId, date, facts: JSON.stringify(facts) },
  });
  if (written !== null) return facts;
  // Another run wrote this date's object first (or an earlier delivery died before recording it): record that one.
  const existing = await run.env.BACKUPS.head(key);
  const stored = existing?.customMetadata?.facts;
  if (stored === undefined) throw new Error(`backup object ${key} exists without its facts`);
  return JSON.parse(stored) as typeof facts;
}

/** The `backup` job: export, seal, write, record, check, retention. */
export const backupJob = defineJob({
  type: "backup",
  message: backupMessage,
  run: async ({ org_id: orgId, date }, run) => {
    const db = await createDatabase(run.config.database);
    const [found, exported] = await inContext(db, { orgId }, (tx) => [findBackup(tx, orgId, { date }), exportLines(tx, orgId, date)]);
    const existing = found.rows[0];
    if (existing !== undefined) {
      // Redelivered: the export of this date is recorded. Only a check that never ran is still owed.
      if (existing.check_state === "pending") await checkAndRecord(run, existing);
      await enforceRetention(run, orgId, date);
      return;
    }
    const lines = exported.rows.map((r) => r.line);
    // No organization (deleted since the fan-out): nothing to export; its objects go with the lifecycle rule.
    if (lines.length === 0) return;
    const facts = await writeObject(run, orgId, date, lines);
    const [recorded] = await inContext(db, { orgId }, (tx) => [recordBackup(tx, { orgId, date, ...facts })]);
    const row = recorded.rows[0];
    if (row === undefined) throw new Error("app.backup_record answered no row");
    log.info("backup_exported", {
      org_id: orgId,
      date,
      backup_id: row.id,
      size: facts.size,
      segments: facts.segments,
      lines: lines.length,
    });
    if (row.check_state === "pending") await checkAndRecord(run, row);
    await enforceRetention(run, orgId, date);
  },
});

/** The `backup_check` job: the restore check on demand (`POST …/backups/{id}/check`). */
export const backupCheckJob = defineJob({
  type: "backup_check",
  message: checkMessage,
  run: async ({ org_id: orgId, backup_id: id }, run) => {
    const db = await createDatabase(run.config.database);
    const [found] = await inContext(db, { orgId }, (tx) => [findBackup(tx, orgId, { id })]);
    const row = found.rows[0];
    // Gone past retention meanwhile: nothing to check.
    if (row !== undefined) await checkAndRecord(run, row);
  },
});

/** The daily fan-out: one `backup` message per organization, dated with the tick's UTC day. */
export const backupSchedule = defineSchedule({
  name: "backups",
  cron: BACKUP_CRON,
  fanOut: async (run, scheduledTime) => {
    const date = scheduledTime.toISOString().slice(0, 10);
    const db = await createDatabase(run.config.database);
    const [orgs] = await inContext(db, {}, (tx) => [tx.execute<{ id: string }>(sql`select id from app.backup_org_ids() as id`)]);
    return orgs.rows.map((r) => ({ type: "backup", org_id: r.id, date }));
  },
});
