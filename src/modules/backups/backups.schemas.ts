/** Request and response schemas of the backup routes (P15). */
import { z } from "@hono/zod-openapi";
import { BACKUP_CHECK_STATES } from "../../db/schema";
import { CursorParam, limitParam } from "../../http/cursor";
import { OrgParams } from "../orgs/orgs.schemas";
import { BACKUP_FAILURE_REASONS } from "./backups.format";

const ID_EXAMPLE = "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b";
const SHA_EXAMPLE = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/** `{org}` and a backup's id (checked in the handler: a malformed one is a 404 like an unknown one). */
export const BackupParams = OrgParams.extend({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, format: "uuid", example: ID_EXAMPLE }),
});

const REASONS = `One of: ${BACKUP_FAILURE_REASONS.map((r) => `\`${r}\``).join(", ")}.`;

export const Backup = z
  .object({
    id: z.uuid(),
    org_id: z.uuid(),
    date: z.iso.date().openapi({ description: "The UTC day of the export." }),
    object_key: z.string().openapi({
      description: "Where the object is in the backups bucket: `orgs/<org id>/backups/<date>.ndjson.gz.enc`.",
      example: "orgs/3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b/backups/2026-11-30.ndjson.gz.enc",
    }),
    key_version: z.string().openapi({ description: "The BACKUP_ENCRYPTION_KEYS version it is sealed under.", example: "v1" }),
    size: z.number().int().openapi({ description: "Bytes of the sealed object." }),
    sha256: z.string().openapi({ description: "SHA-256 of the sealed object, lower-case hex.", example: SHA_EXAMPLE }),
    segments: z.number().int().openapi({ description: "AES-256-GCM segments (1 MiB of gzip each)." }),
    counts: z.record(z.string(), z.number().int()).openapi({ description: "Rows per section of the export." }),
    audit_head: z
      .object({ seq: z.number().int(), hash: z.string() })
      .openapi({ description: "The audit log's head when exported: the export's chain must end here." }),
    check: z.object({
      state: z.enum(BACKUP_CHECK_STATES).openapi({ description: "`pending` until the restore check has run, then `passed` or `failed`." }),
      reason: z
        .string()
        .nullable()
        .openapi({ description: `Why it failed (null otherwise). ${REASONS}` }),
      checked_at: z.iso.datetime().nullable(),
    }),
    created_at: z.iso.datetime(),
  })
  .openapi("Backup");

export const BackupList = z
  .object({ items: z.array(Backup).openapi({ description: "Newest first; at most the retention's 31 days." }) })
  .openapi("BackupList");

export const CheckAccepted = z
  .object({
    backup: Backup,
    queued: z.literal(true).openapi({ description: "The check is queued; the list shows its result once it ran." }),
  })
  .openapi("BackupCheckAccepted");

export const RestoreResult = z
  .object({
    org: z.object({ id: z.uuid(), name: z.string() }).openapi({ description: "The new organization; you are its owner." }),
    backup_id: z.uuid(),
    restored: z
      .record(z.string(), z.number().int())
      .openapi({ description: "Rows created per section (members are the source's current members, not the export's)." }),
  })
  .openapi("BackupRestoreResult");

export const AdminBackupQuery = z.object({
  org: z
    .uuid()
    .optional()
    .openapi({ param: { name: "org", in: "query" }, description: "Only this organization's backups." }),
  state: z
    .enum(BACKUP_CHECK_STATES)
    .optional()
    .openapi({ param: { name: "state", in: "query" }, description: "Only backups whose check is in this state." }),
  limit: limitParam(50, 200),
  cursor: CursorParam,
});

export const AdminBackup = Backup.extend({ org_name: z.string() }).openapi("AdminBackup");

export const AdminBackupList = z
  .object({
    items: z.array(AdminBackup),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last one." }),
  })
  .openapi("AdminBackupList");
