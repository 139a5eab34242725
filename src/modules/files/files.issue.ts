/**
 * Issuing signed file URLs to the caller of an organization route (P14): for the
 * version just declared (an upload URL bound to its terms), or for an available version
 * (a download URL). Each lives `EVIDENCE_URL_TTL_SECONDS` (≤ 5 minutes) and acts as the
 * caller: the user at the session's assurance level, or the API key.
 */
import type { Context } from "hono";
import { isAllowedMediaType } from "../../config/evidence";
import type { AppEnv } from "../../context";
import type { UploadInstructionsOut } from "./files.schemas";
import { presentFile, type FileRow } from "./files.statements";
import { fileUrl, type FileActor, type FileTarget } from "./files.urls";

/** The caller of an organization route as a URL's actor. */
function actorOf(c: Context<AppEnv>): FileActor {
  const principal = c.get("principal");
  if (principal === undefined) throw new Error("files: a URL is issued only to an authenticated caller");
  return principal.kind === "user" ? { kind: "user", id: principal.id, aal: principal.aal } : { kind: "api_key", id: principal.id };
}

/** When a URL issued now expires, Unix seconds. */
const expiryOf = (c: Context<AppEnv>): number => Math.floor(Date.now() / 1000) + c.env.edge.config.evidence.urlTtlSeconds;

const targetOf = (orgId: string, row: FileRow): FileTarget => ({ orgId, recordId: row.evidence_id, versionId: row.id });

/** The absolute URL on this API's origin. */
const absolute = (c: Context<AppEnv>, path: string): string => `${new URL(c.req.url).origin}${path}`;

/**
 * How to upload the pending version `row`: a PUT to its signed URL with its declared headers.
 *
 * @example
 * ```ts
 * return c.json({ upload: await uploadInstructions(c, org, row) }, 201);
 * ```
 */
export async function uploadInstructions(c: Context<AppEnv>, orgId: string, row: FileRow): Promise<UploadInstructionsOut> {
  const file = presentFile(row);
  if (!isAllowedMediaType(file.media_type)) throw new Error("files: a stored version has a media type outside the allow-list");
  const expiresAt = expiryOf(c);
  const terms = { size: file.size, mediaType: file.media_type, sha256: file.sha256 };
  const path = await fileUrl(c.env.edge.config, "PUT", targetOf(orgId, row), actorOf(c), expiresAt, terms);
  return {
    method: "PUT",
    url: absolute(c, path),
    headers: { "content-type": file.media_type, "content-length": String(file.size) },
    expires_at: new Date(expiresAt * 1000).toISOString(),
    file,
  };
}

/**
 * A download URL of the available version `row`.
 *
 * @example
 * ```ts
 * return c.json(await downloadUrlOf(c, org, row), 200);
 * ```
 */
export async function downloadUrlOf(c: Context<AppEnv>, orgId: string, row: FileRow) {
  const expiresAt = expiryOf(c);
  const path = await fileUrl(c.env.edge.config, "GET", targetOf(orgId, row), actorOf(c), expiresAt);
  return { url: absolute(c, path), expires_at: new Date(expiresAt * 1000).toISOString(), file: presentFile(row) };
}
