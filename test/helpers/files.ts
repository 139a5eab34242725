/**
 * Evidence files through the real worker (P14): file contents of each kind, their
 * SHA-256, declaring a version (or a record with its file), uploading to and
 * downloading from the signed URLs, and what R2 and the database hold afterwards.
 */
import { env } from "cloudflare:workers";
import { parseConfig, type Config } from "../../src/env";
import { ownerCount, ownerQuery } from "./identity-ip";
import { api, someIp } from "./orgs";
import { recordsPath } from "./records";
import { call, testEnv } from "./worker";

/** The R2 bucket the worker under test writes to. */
export const bucket = (): R2Bucket => (env as unknown as { EVIDENCE: R2Bucket }).EVIDENCE;

/** The test configuration (the signing keys, limits), parsed as the worker parses it. */
export function testConfig(bindings = testEnv): Config {
  const parsed = parseConfig(bindings);
  if (!parsed.ok) throw new Error(`test config invalid: ${JSON.stringify(parsed.error)}`);
  return parsed.value;
}

const utf8 = new TextEncoder();

/** `size` bytes of a PDF: its magic, then random bytes. */
export function pdf(size = 4096): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, 9));
  // getRandomValues fills at most 64 KiB at a time.
  for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, Math.min(at + 65536, bytes.length)));
  bytes.set(utf8.encode("%PDF-1.7\n"));
  return bytes.subarray(0, size);
}

/** UTF-8 text as bytes. */
export const text = (value: string): Uint8Array => utf8.encode(value);

/** SHA-256 in hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A file's declaration, from its bytes. */
export async function declarationOf(bytes: Uint8Array, name = "report.pdf", mediaType = "application/pdf") {
  return { name, size: bytes.byteLength, media_type: mediaType, sha256: await sha256(bytes) };
}

/** A version as the API answers it. */
export interface FileVersion {
  id: string;
  evidence_id: string;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  state: "pending" | "available";
  created_at: string;
  created_by: string;
  uploaded_at: string | null;
}

/** The upload instructions of a pending version. */
export interface Upload {
  method: "PUT";
  url: string;
  headers: { "content-type": string; "content-length": string };
  expires_at: string;
  file: FileVersion;
}

export const filesPath = (orgId: string, recordId: string): string => `${recordsPath(orgId, "evidence", recordId)}/files`;
export const downloadUrlPath = (orgId: string, recordId: string): string => `${recordsPath(orgId, "evidence", recordId)}/download-url`;

/** Declares a new version of `recordId`'s file (201 expected); its upload instructions. */
export async function declare(orgId: string, recordId: string, token: string, declaration: object): Promise<Upload> {
  const response = await api("POST", filesPath(orgId, recordId), token, declaration);
  if (response.status !== 201) throw new Error(`declaring a file answered ${response.status}: ${await response.text()}`);
  return (await response.json<{ upload: Upload }>()).upload;
}

/** Sends `bytes` to a signed upload URL, with the declared headers unless others are given. */
export function put(url: string, bytes: Uint8Array | null, headers: Record<string, string> = {}): Promise<Response> {
  return call(url, {
    method: "PUT",
    headers: {
      "cf-connecting-ip": someIp(),
      ...(bytes === null ? {} : { "content-length": String(bytes.byteLength) }),
      ...headers,
    },
    body: bytes,
  });
}

/** Uploads `bytes` to a pending version's URL with its own headers (200 expected). */
export async function uploadTo(upload: Upload, bytes: Uint8Array): Promise<FileVersion> {
  const response = await put(upload.url, bytes, { "content-type": upload.headers["content-type"] });
  if (response.status !== 200) throw new Error(`uploading answered ${response.status}: ${await response.text()}`);
  return response.json<FileVersion>();
}

/** A fresh download URL of `recordId` (200 expected). */
export async function downloadUrl(orgId: string, recordId: string, token: string, version?: string): Promise<string> {
  const response = await api("GET", `${downloadUrlPath(orgId, recordId)}${version === undefined ? "" : `?version=${version}`}`, token);
  if (response.status !== 200) throw new Error(`download-url answered ${response.status}: ${await response.text()}`);
  return (await response.json<{ url: string }>()).url;
}

/** GET (or another method) of a signed URL, without any credential. */
export function fetchSigned(url: string, init: RequestInit = {}): Promise<Response> {
  return call(url, { ...init, headers: { "cf-connecting-ip": someIp(), ...(init.headers as Record<string, string> | undefined) } });
}

/** An evidence record with an uploaded file: its id, the version and the bytes. */
export async function evidenceWithFile(orgId: string, token: string, bytes = pdf(), name = "report.pdf", mediaType = "application/pdf") {
  const response = await api("POST", recordsPath(orgId, "evidence"), token, {
    title: `Evidence ${crypto.randomUUID()}`,
    file: await declarationOf(bytes, name, mediaType),
  });
  if (response.status !== 201) throw new Error(`creating evidence answered ${response.status}: ${await response.text()}`);
  const created = await response.json<{ id: string; upload: Upload }>();
  const version = await uploadTo(created.upload, bytes);
  return { recordId: created.id, version, bytes, upload: created.upload };
}

/** The object keys R2 holds under `prefix`. */
export async function objectKeys(prefix: string): Promise<string[]> {
  const listed = await bucket().list({ prefix });
  return listed.objects.map((o) => o.key);
}

/** How many versions the owner sees for a record. */
export const versionRows = (recordId: string): Promise<number> =>
  ownerCount("select count(*)::int as n from evidence_files where evidence_id = $1", [recordId]);

/** A version's row as the owner sees it. */
export async function versionRow(id: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await ownerQuery("select * from evidence_files where id = $1", [id]);
  return row;
}
