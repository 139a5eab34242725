/**
 * Handlers of the backup routes (P15). The list and the check's lookup are one round
 * trip each (`inOrg`). The restore drill is two by design: the backup's row (after the
 * route's check) says which object to read and what it must be; the object is read and
 * verified in the worker, where the key is; then the new organization is written in one
 * transaction, which starts with the route's check again.
 */
import type { RouteHandler } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { AppEnv } from "../../context";
import { createDatabase, inContext } from "../../db";
import { decodeCursor, encodeCursor } from "../../http/cursor";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import { sendJobs } from "../../queue";
import { currentUser } from "../auth/auth.principal";
import { prepareOrgEvent } from "../orgs/orgs.events";
import { checkBackup } from "./backups.check";
import { drillStatements, restoredCounts } from "./backups.restore";
import type { adminListBackupsRoute, checkBackupRoute, listBackupsRoute, restoreBackupRoute } from "./backups.routes";
import { Backup } from "./backups.schemas";
import { expectedOf, recordCheck, type BackupRow } from "./backups.store";
import type { BackupCheckMessage } from "./backups.jobs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An organization's name is at most 200 characters (organizations_name_length). */
const NAME_MAX = 200;

const iso = (value: string | null): string | null => (value === null ? null : new Date(value).toISOString());

function present(row: BackupRow) {
  return Backup.parse({
    id: row.id,
    org_id: row.org_id,
    date: row.date,
    object_key: row.object_key,
    key_version: row.key_version,
    size: Number(row.size),
    sha256: row.sha256,
    segments: row.segments,
    counts: row.counts,
    audit_head: { seq: Number(row.audit_head_seq), hash: row.audit_head_hash },
    check: { state: row.check_state, reason: row.check_reason, checked_at: iso(row.checked_at) },
    created_at: iso(row.created_at),
  });
}

/** The organization's row `id` as the caller may see it (RLS: `audit`), or 404. */
const selectBackup = (orgId: string, id: string) => sql`SELECT * FROM public.backups WHERE org_id = ${orgId}::uuid AND id = ${id}::uuid`;

export const listBackups: RouteHandler<typeof listBackupsRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [
    tx.execute<BackupRow>(sql`SELECT * FROM public.backups WHERE org_id = ${org}::uuid ORDER BY date DESC, id DESC LIMIT 100`),
  ]);
  return c.json({ items: rows.rows.map(present) }, 200);
};

export const checkBackupNow: RouteHandler<typeof checkBackupRoute, AppEnv> = async (c) => {
  const { org, id } = c.req.valid("param");
  if (!UUID.test(id)) throw new AppError("not_found");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [tx.execute<BackupRow>(selectBackup(org, id))]);
  const row = rows.rows[0];
  if (row === undefined) throw new AppError("not_found");
  const message: BackupCheckMessage = { type: "backup_check", org_id: org, backup_id: id };
  await sendJobs(c.env.JOBS, [message]);
  return c.json({ backup: present(row), queued: true as const }, 202);
};

export const restoreBackup: RouteHandler<typeof restoreBackupRoute, AppEnv> = async (c) => {
  const { org, id } = c.req.valid("param");
  if (!UUID.test(id)) throw new AppError("not_found");
  const user = currentUser(c);
  const config = c.env.edge.config;
  const {
    results: [found],
  } = await inOrg(c, (tx) => [tx.execute<BackupRow>(selectBackup(org, id))]);
  const row = found.rows[0];
  if (row === undefined) throw new AppError("not_found");
  if (row.check_state !== "passed") throw new AppError("backup_not_verified");
  const object = await c.env.BACKUPS.get(row.object_key);
  const bytes = object === null ? null : new Uint8Array(await object.arrayBuffer());
  const checked = await checkBackup(bytes, expectedOf(row), config.secrets.backupKeys, { collect: true });
  if (!checked.ok || checked.rows === undefined) {
    const outcome = checked.ok ? ({ ok: false, reason: "corrupt_data" } as const) : checked;
    const db = await createDatabase(config.database);
    await inContext(db, { orgId: org }, (tx) => [recordCheck(tx, org, row.id, outcome)]);
    throw new AppError("backup_invalid");
  }
  const rows = checked.rows;
  const named = rows.organization[0]?.name;
  const sourceName = typeof named === "string" ? named : "Organization";
  const suffix = ` (restore drill ${row.date})`;
  const name = `${sourceName.slice(0, NAME_MAX - suffix.length)}${suffix}`;
  const newOrgId = crypto.randomUUID();
  const details = { backup_id: row.id, date: row.date, source_org_id: org, restored_org_id: newOrgId };
  const [sourceEvent, newEvent] = await Promise.all([
    prepareOrgEvent(c, "backup_restored", { orgId: org, details }),
    prepareOrgEvent(c, "backup_restored", { orgId: newOrgId, details }),
  ]);
  const { results } = await inOrg(c, (tx) => [
    // In the source, before the switch: its auditors see the drill too.
    sourceEvent.insert(tx),
    ...drillStatements(tx, { sourceOrgId: org, newOrgId, name, callerId: user.id, rows }),
    newEvent.insert(tx),
  ]);
  // results: the source's event, the drill's statements, the new organization's event.
  const restored = restoredCounts(results.slice(1, -1));
  sourceEvent.log();
  newEvent.log();
  return c.json({ org: { id: newOrgId, name }, backup_id: row.id, restored }, 201);
};

const AdminCursor = z.object({ d: z.iso.date(), id: z.uuid() });

export const adminListBackups: RouteHandler<typeof adminListBackupsRoute, AppEnv> = async (c) => {
  const user = currentUser(c);
  const query = c.req.valid("query");
  const after = query.cursor === undefined ? undefined : decodeCursor("admin-backups", AdminCursor, query.cursor);
  const db = await createDatabase(c.env.edge.config.database);
  const [page] = await inContext(db, { actor: { kind: "user", userId: user.id } }, (tx) => [
    tx.execute<BackupRow & { org_name: string }>(
      sql`SELECT * FROM app.admin_backups(${query.org ?? null}::uuid, ${query.state ?? null}, ${after?.d ?? null}::date, ${after?.id ?? null}::uuid, ${query.limit + 1})`,
    ),
  ]);
  const rows = page.rows.slice(0, query.limit);
  const last = rows.at(-1);
  const more = page.rows.length > query.limit && last !== undefined;
  return c.json(
    {
      items: rows.map((row) => ({ ...present(row), org_name: row.org_name })),
      next_cursor: more ? encodeCursor("admin-backups", { d: last.date, id: last.id }) : null,
    },
    200,
  );
};
