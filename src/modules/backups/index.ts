/**
 * Backups (P12, P15): the daily per-organization encrypted export and its restore check
 * (scheduled work: src/modules/backups/backups.jobs.ts, registered in src/jobs.ts), the
 * organization's list of its backups, a check on demand, the restore drill, and the
 * platform administrators' list. Table and the database's rules:
 * src/db/schema/backups.ts, drizzle/*_backups_security.sql.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { adminListBackups, checkBackupNow, listBackups, restoreBackup } from "./backups.handlers";
import { adminListBackupsRoute, checkBackupRoute, listBackupsRoute, restoreBackupRoute } from "./backups.routes";

export { backupCheckJob, backupJob, backupSchedule, BACKUP_CRON } from "./backups.jobs";

/** Where the module is mounted (its routes carry full paths: /v1/orgs/{org}/backups, /v1/admin/backups). */
export const BACKUPS_BASE_PATH = "/";

export function createBackupsRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(listBackupsRoute, listBackups);
  router.openapi(checkBackupRoute, checkBackupNow);
  router.openapi(restoreBackupRoute, restoreBackup);
  router.openapi(adminListBackupsRoute, adminListBackups);
  return router;
}
