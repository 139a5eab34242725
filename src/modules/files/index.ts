/**
 * Evidence files (P12, P13, P14): the versions of an evidence record's file, stored in R2
 * under the organization's prefix and reached only through short-lived signed URLs.
 * - organization routes (files.routes.ts): declare a version and get its upload URL, list
 *   the versions, delete one, get a download URL;
 * - the signed URLs themselves under /files (files.serve.routes.ts): the streamed,
 *   checked upload, and the download;
 * - the evidence records' own create (with a `file`) and delete (its objects) are hooks
 *   declared with the records' resource (files.record-hooks.ts).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { createFile, deleteFile, getDownloadUrl, listFiles } from "./files.handlers";
import { createFileRoute, deleteFileRoute, downloadUrlRoute, listFilesRoute } from "./files.routes";
import { download, upload } from "./files.serve";
import { downloadRoute, uploadRoute } from "./files.serve.routes";

export { objectKeyOf } from "./files.urls";
export { FILES_CSP, FILES_PATH } from "./files.paths";
export { purgeOrganization } from "./files.purge";

/** Where the module is mounted: its routes carry full paths (`/v1/orgs/{org}/evidence/…`, `/files/…`). */
export const FILES_BASE_PATH = "/";

export function createFilesRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(createFileRoute, createFile);
  router.openapi(listFilesRoute, listFiles);
  router.openapi(deleteFileRoute, deleteFile);
  router.openapi(downloadUrlRoute, getDownloadUrl);
  router.openapi(uploadRoute, upload);
  router.openapi(downloadRoute, download);
  return router;
}
