/**
 * The signed file URLs themselves (P14), under /files: no bearer token, the URL is the
 * credential. Public to stage 4 (nothing to authenticate), rate-limited per client
 * address like every route, and refused with 403 `signed_url_invalid` (and a
 * `signed_url_refused` security event) when the signature does not hold for exactly
 * this method, path and query, or has expired. The upload streams (`body: "stream"`):
 * the WAF inspects everything but the file's bytes, which only ever reach storage.
 */
import { EVIDENCE_MEDIA_TYPE_LIST, MAX_UPLOAD_BYTES } from "../../config/evidence";
import { json } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import { EvidenceFile, FileUrlParams } from "./files.schemas";
import { FILES_PATH } from "./files.paths";

const tags = ["evidence"];
const path = `${FILES_PATH}/orgs/{org}/evidence/{id}/{version}`;
const binary = { schema: { type: "string" as const, format: "binary" } };
const QUERY =
  "The query is the URL's as issued, unchanged: `exp` (expiry, Unix seconds), `act` (who asked for it), for an upload `size`, `type` and `sha256`, then `kid` (signing key) and `sig` (HMAC-SHA-256 over the method, path and query). Any change, another method, another object or organization, or a time past `exp`: 403 `signed_url_invalid`. The URL acts as whoever asked for it: if they may no longer, 404 or 403.";

export const uploadRoute = defineRoute(
  {
    method: "put",
    path,
    operationId: "uploadEvidenceFile",
    tags,
    summary: "Upload a file to its signed URL",
    description: `The raw bytes of the file declared with \`POST …/evidence\` or \`…/evidence/{id}/files\`, with exactly the declared \`Content-Type\` (else 415 \`media_type_not_allowed\`) and \`Content-Length\` (411 without one). They stream to storage, checked on the way; on any mismatch nothing is stored and the pending version is removed: length 422 \`size_mismatch\`, first bytes not of the declared type 415 \`file_type_mismatch\`, SHA-256 422 \`checksum_mismatch\`. A repeated upload of the same bytes answers the version again. ${QUERY}`,
    request: {
      params: FileUrlParams,
      body: { content: Object.fromEntries(EVIDENCE_MEDIA_TYPE_LIST.map((type) => [type, binary])), required: true },
    },
    responses: { 200: json("Stored: the version, now available", EvidenceFile) },
  },
  {
    auth: "public",
    body: "stream",
    bodyLimit: MAX_UPLOAD_BYTES,
    errors: [
      "signed_url_invalid",
      "media_type_not_allowed",
      "file_type_mismatch",
      "size_mismatch",
      "checksum_mismatch",
      "not_found",
      "forbidden",
      "mfa_required",
      "organization_suspended",
      "bad_request",
    ],
  },
);

export const downloadRoute = defineRoute(
  {
    method: "get",
    path,
    operationId: "downloadEvidenceFile",
    tags,
    summary: "Download a file from its signed URL",
    description: `The file as an attachment (\`Content-Disposition\` with its name, RFC 6266), with its stored media type, \`X-Content-Type-Options: nosniff\` and a CSP that runs nothing (\`sandbox\`). \`Range: bytes=…\` (one range) answers 206; a range outside the file 416. \`Repr-Digest\` and \`ETag\` carry its SHA-256. A version that no longer exists (or is not uploaded) is never served: 404. ${QUERY}`,
    request: { params: FileUrlParams },
    responses: {
      200: { description: "The file", content: { "application/octet-stream": binary } },
      206: { description: "The requested range of the file", content: { "application/octet-stream": binary } },
    },
  },
  {
    auth: "public",
    errors: ["signed_url_invalid", "not_found", "forbidden", "mfa_required", "organization_suspended", "range_not_satisfiable"],
  },
);
