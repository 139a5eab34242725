/**
 * Backups for tests (P15): an organization's export run through the worker's real queue
 * handler, its row and object as stored, and the object's lines opened with the test
 * deployment's backup key.
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { getConfig } from "../../src/env";
import type { BackupKey } from "../../src/config/backups";
import { readLines } from "../../src/modules/backups/backups.format";
import { ownerQuery } from "./identity-ip";
import { deliver } from "./jobs";
import { testEnv } from "./worker";

/** The backups bucket of the test deployment. */
export const backupsBucket = (): R2Bucket => (env as unknown as { BACKUPS: R2Bucket }).BACKUPS;

/** The test deployment's backup keys. */
export function backupKeys(): readonly BackupKey[] {
  const config = getConfig(testEnv);
  if (!config.ok) throw new Error("test config invalid");
  return config.value.secrets.backupKeys;
}

/** Today's UTC date. */
export const today = (): string => new Date().toISOString().slice(0, 10);

/** `date` minus `days`. */
export function daysAgo(days: number, from: string = today()): string {
  const at = new Date(`${from}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() - days);
  return at.toISOString().slice(0, 10);
}

/** A `backups` row as the owner reads it. */
export interface StoredBackup {
  readonly id: string;
  readonly org_id: string;
  readonly date: string;
  readonly object_key: string;
  readonly size: number;
  readonly sha256: string;
  readonly check_state: string;
  readonly check_reason: string | null;
  readonly audit_head_seq: number;
  readonly audit_head_hash: string;
}

/** The organization's backup rows, newest first. */
export async function backupRows(orgId: string): Promise<StoredBackup[]> {
  const rows = await ownerQuery(
    "select id, org_id, to_char(date, 'YYYY-MM-DD') as date, object_key, size::int as size, sha256, check_state, check_reason, audit_head_seq::int as audit_head_seq, audit_head_hash from backups where org_id = $1 order by date desc",
    [orgId],
  );
  return rows as unknown as StoredBackup[];
}

/** Runs the `backup` job for `orgId` and `date` through the queue handler; it must ack. */
export async function runBackup(orgId: string, date: string = today()): Promise<StoredBackup> {
  const result = await deliver([{ type: "backup", org_id: orgId, date }]);
  expect(result.explicitAcks).toHaveLength(1);
  expect(result.retryMessages).toEqual([]);
  const row = (await backupRows(orgId)).find((r) => r.date === date);
  if (row === undefined) throw new Error(`no backup row for ${orgId} ${date}`);
  return row;
}

/** Runs the `backup_check` job for a row; answers the row afterwards. */
export async function runCheck(row: StoredBackup): Promise<StoredBackup> {
  const result = await deliver([{ type: "backup_check", org_id: row.org_id, backup_id: row.id }]);
  expect(result.explicitAcks).toHaveLength(1);
  const after = (await backupRows(row.org_id)).find((r) => r.id === row.id);
  if (after === undefined) throw new Error("backup row vanished");
  return after;
}

/** The object's bytes (null when absent). */
export async function objectBytes(key: string): Promise<Uint8Array | null> {
  const object = await backupsBucket().get(key);
  return object === null ? null : new Uint8Array(await object.arrayBuffer());
}

/** Replaces the object's bytes and (when `fixRow`) the row's size and SHA-256 to match, as an attacker with both could. */
export async function replaceObject(row: StoredBackup, bytes: Uint8Array, fixRow: boolean): Promise<void> {
  await backupsBucket().put(row.object_key, bytes);
  if (fixRow) {
    const sha = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
    await ownerQuery("update backups set size = $2, sha256 = $3 where id = $1", [row.id, bytes.byteLength, sha]);
  }
}

/** Every line of a stored object, opened with the test key. */
export async function linesOf(row: StoredBackup): Promise<{ s: string; r: Record<string, unknown> }[]> {
  const bytes = await objectBytes(row.object_key);
  if (bytes === null) throw new Error("object missing");
  const lines: { s: string; r: Record<string, unknown> }[] = [];
  await readLines(bytes, { orgId: row.org_id, date: row.date, keys: backupKeys() }, (line) =>
    lines.push(line as { s: string; r: Record<string, unknown> }),
  );
  return lines;
}
