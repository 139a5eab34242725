/**
 * The evidence-file routes of an organization (P14), beside the records module's
 * evidence routes: a new version and its upload URL, the versions, one version's
 * removal, and a download URL. Users and API keys; API keys need the `evidence:*`
 * scopes (the records' scopes do not reach files), viewers and auditors download but
 * do not upload. The signed URLs themselves are served by files.serve.ts.
 */
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { DownloadQuery, DownloadUrl, EvidenceParams, FileCreated, FileDeclaration, FileList, VersionParams } from "./files.schemas";

const tags = ["evidence"];
const auth = { principals: ["user", "api_key"] } as const;
const base = "/v1/orgs/{org}/evidence/{id}";
const NOT_FOUND = "Another organization's record, an unknown one and a malformed id: 404.";

/** The text both ways of starting an upload share (here and `POST …/evidence` with a `file`). */
export const UPLOAD_STEPS =
  "Declare the file (`name`, `size` in bytes, `media_type` from the allow-list, `sha256` of its content): the answer is a pending version and a signed upload URL (≤ 5 minutes, no bearer token). `PUT` the raw bytes there with the declared `Content-Type` and `Content-Length`: they stream to storage, checked on the way (the first bytes against the media type, the length, the SHA-256), and the version becomes `available`; on any mismatch nothing is stored and the pending version is removed. Limits per file and per organization come from the organization's plan (413 `file_too_large`, `storage_quota_exceeded`); a type outside the allow-list is 415 `media_type_not_allowed`.";

export const createFileRoute = defineRoute(
  {
    method: "post",
    path: `${base}/files`,
    operationId: "createEvidenceFile",
    tags,
    summary: "Upload a new version of the file",
    description: `${UPLOAD_STEPS} ${NOT_FOUND} Needs \`evidence:write\` (owners, admins, members; API keys with that scope).`,
    request: { params: EvidenceParams, ...jsonBody(FileDeclaration) },
    responses: { 201: json("A pending version and its upload URL", FileCreated) },
  },
  {
    auth,
    permission: "evidence:write",
    errors: ["file_too_large", "storage_quota_exceeded", "media_type_not_allowed", "constraint_violated"],
  },
);

export const listFilesRoute = defineRoute(
  {
    method: "get",
    path: `${base}/files`,
    operationId: "listEvidenceFiles",
    tags,
    summary: "The versions of the file",
    description: `Every version, newest first (at most 200): pending ones (uploads not done, or abandoned) and available ones. ${NOT_FOUND} Needs \`evidence:read\`.`,
    request: { params: EvidenceParams },
    responses: { 200: json("The versions", FileList) },
  },
  { auth, permission: "evidence:read" },
);

export const deleteFileRoute = defineRoute(
  {
    method: "delete",
    path: `${base}/files/{version}`,
    operationId: "deleteEvidenceFile",
    tags,
    summary: "Delete a version",
    description: `Removes the version and then its stored object. The audit log keeps the version's metadata. Deleting the record removes every version. ${NOT_FOUND} Needs \`evidence:write\`.`,
    request: { params: VersionParams },
    responses: { 204: { description: "Deleted" } },
  },
  { auth, permission: "evidence:write" },
);

export const downloadUrlRoute = defineRoute(
  {
    method: "get",
    path: `${base}/download-url`,
    operationId: "getEvidenceDownloadUrl",
    tags,
    summary: "A short-lived download URL",
    description: `A signed URL of the newest available version (or \`?version=\`), valid ≤ 5 minutes, for this one object of this organization, usable without a bearer token (\`GET\`/\`HEAD\`, \`Range\` supported). It acts as the caller: it stops working if the caller loses access. No available version: 409 \`file_not_available\`. ${NOT_FOUND} Needs \`evidence:read\` (every role; API keys with \`evidence:read\` or \`evidence:write\`).`,
    request: { params: EvidenceParams, query: DownloadQuery },
    responses: { 200: json("The URL", DownloadUrl) },
  },
  { auth, permission: "evidence:read", errors: ["file_not_available"] },
);
