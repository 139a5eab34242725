/**
 * The backup routes (P15): an organization's backups with their restore-check state, a
 * check on demand, the restore drill, and the platform administrators' list of every
 * organization's backups.
 */
import { json } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { AdminBackupList, AdminBackupQuery, BackupList, BackupParams, CheckAccepted, RestoreResult } from "./backups.schemas";
import { OrgParams } from "../orgs/orgs.schemas";

const tags = ["backups"];
const IDS = "Another organization's backup id, an unknown and a malformed one: 404.";

export const listBackupsRoute = defineRoute(
  {
    method: "get",
    path: "/v1/orgs/{org}/backups",
    operationId: "listBackups",
    tags,
    summary: "The organization's daily encrypted exports and their restore checks",
    description:
      "Owners, admins and auditors (API keys with `audit:read`). Every day at 02:17 UTC the organization is exported (every record, link, duty, membership without secrets, API key and bank connection metadata without digests or tokens, evidence file metadata with checksums, the audit log with its chain), as NDJSON, gzip, sealed with AES-256-GCM under a versioned backup key, to a bucket of its own; kept 30 days. Each export is checked right after it is written: decrypted, every line parsed, the counts and the audit chain verified against the head the database had.",
    request: { params: OrgParams },
    responses: { 200: json("The backups, newest first", BackupList) },
  },
  { auth: { principals: ["user", "api_key"] }, permission: "audit" },
);

export const checkBackupRoute = defineRoute(
  {
    method: "post",
    path: "/v1/orgs/{org}/backups/{id}/check",
    operationId: "checkBackup",
    tags,
    summary: "Run a backup's restore check again",
    description: `Owners, admins and auditors. Queues the restore check (202); its result replaces the backup's \`check\` once it ran (a failure is also the security event \`backup_restore_check_failed\`). ${IDS}`,
    request: { params: BackupParams },
    responses: { 202: json("Queued", CheckAccepted) },
  },
  { auth: { principals: ["user"] }, permission: "audit" },
);

export const restoreBackupRoute = defineRoute(
  {
    method: "post",
    path: "/v1/orgs/{org}/backups/{id}/restore",
    operationId: "restoreBackup",
    tags,
    summary: "Restore a backup into a new organization (a restore drill)",
    description: `Owners only (at aal2 when the organization requires MFA). Only a backup whose check passed (else 409 \`backup_not_verified\`); the object is verified again while it is read (a failure: 409 \`backup_invalid\`, the check records why, nothing is created). Creates a NEW organization "<name> (restore drill <date>)" with you as owner and the source's current members with their current roles, and recreates every record, incident report, link and training assignment of the export with new ids, in one transaction (its audit log starts with them). Your own policy acknowledgements are restored; other people's stay in the export (nobody acknowledges for another person). Evidence files: metadata only; their objects are not copied, so evidence records come back without files. The source is not changed. ${IDS}`,
    request: { params: BackupParams },
    responses: { 201: json("Restored into a new organization", RestoreResult) },
  },
  { auth: { principals: ["user"] }, permission: "own", errors: ["backup_not_verified", "backup_invalid"] },
);

export const adminListBackupsRoute = defineRoute(
  {
    method: "get",
    path: "/v1/admin/backups",
    operationId: "adminListBackups",
    tags: ["admin"],
    summary: "Every organization's backups and their restore-check states",
    description:
      "Platform super administrators. Newest first (date, then id), optionally of one organization (`org`) and one check state (`state`: `failed` finds what needs attention); keyset pagination with `cursor`.",
    request: { query: AdminBackupQuery },
    responses: { 200: json("A page of backups", AdminBackupList) },
  },
  { auth: { principals: ["user"], superAdmin: true }, errors: ["invalid_cursor"] },
);
