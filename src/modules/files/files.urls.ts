/**
 * The signed URLs of evidence files (P12, P14): their path is the object's key under
 * `/files/`, so a URL names exactly one object of exactly one organization
 * (`/files/orgs/<org>/evidence/<record>/<version>`), and their query binds, under the
 * signature (src/crypto/signed-urls.ts), the actor who asked for it (`act`: `u1.`/`u2.`
 * and the user id at the session's assurance level, or `k.` and the API key id) and,
 * for an upload, the declared size, media type and SHA-256. Changing any of it breaks
 * the signature: 403 and a `signed_url_refused` event.
 */
import type { EvidenceMediaType } from "../../config/evidence";
import { isAllowedMediaType } from "../../config/evidence";
import type { Config } from "../../env";
import { signUrl, verifyUrl, type SignedMethod, type SignedUrlRefusal } from "../../crypto/signed-urls";
import { err, ok, type Result } from "../../lib/result";
import { FILES_PATH } from "./files.paths";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const KEY_PATH = new RegExp(`^${FILES_PATH}/orgs/(${UUID})/evidence/(${UUID})/(${UUID})$`);
const ACTOR = new RegExp(`^(u1|u2|k)\\.(${UUID})$`);
const SIZE = /^[1-9]\d{0,14}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** P12: the R2 key of a version, always under its organization's prefix. */
export const objectKeyOf = (orgId: string, recordId: string, versionId: string): string =>
  `orgs/${orgId}/evidence/${recordId}/${versionId}`;

/** Every object of an organization starts with this. */
export const orgPrefixOf = (orgId: string): string => `orgs/${orgId}/`;

/** Who asked for a URL: it acts as them when used (the database checks they still may). */
export type FileActor =
  { readonly kind: "user"; readonly id: string; readonly aal: "aal1" | "aal2" } | { readonly kind: "api_key"; readonly id: string };

/** What an upload must be: bound into its URL. */
export interface UploadTerms {
  readonly size: number;
  readonly mediaType: EvidenceMediaType;
  readonly sha256: string;
}

/** The object a URL names and what it allows. */
export interface FileTarget {
  readonly orgId: string;
  readonly recordId: string;
  readonly versionId: string;
}

/** A verified file URL. */
export interface FileGrant extends FileTarget {
  readonly method: SignedMethod;
  readonly key: string;
  readonly actor: FileActor;
  readonly expiresAt: number;
  /** An upload's terms (PUT only). */
  readonly terms?: UploadTerms;
}

const actorParam = (actor: FileActor): string =>
  actor.kind === "api_key" ? `k.${actor.id}` : `${actor.aal === "aal2" ? "u2" : "u1"}.${actor.id}`;

function actorOf(value: string): FileActor | undefined {
  const m = ACTOR.exec(value);
  if (m === null || m[1] === undefined || m[2] === undefined) return undefined;
  return m[1] === "k" ? { kind: "api_key", id: m[2] } : { kind: "user", id: m[2], aal: m[1] === "u2" ? "aal2" : "aal1" };
}

/**
 * A signed URL (path and query) for `target`: a download (`GET`), or an upload (`PUT`)
 * bound to `terms`. `expiresAt` is Unix seconds.
 *
 * @example
 * ```ts
 * const url = await fileUrl(config, "GET", target, actor, Math.floor(Date.now() / 1000) + 300);
 * ```
 */
export async function fileUrl(
  config: Config,
  method: SignedMethod,
  target: FileTarget,
  actor: FileActor,
  expiresAt: number,
  terms?: UploadTerms,
): Promise<string> {
  const params: [string, string][] = [["act", actorParam(actor)]];
  if (method === "PUT") {
    if (terms === undefined) throw new Error("fileUrl: an upload URL needs its terms");
    params.push(["size", String(terms.size)], ["type", encodeURIComponent(terms.mediaType)], ["sha256", terms.sha256]);
  }
  const path = `${FILES_PATH}/${objectKeyOf(target.orgId, target.recordId, target.versionId)}`;
  return signUrl(config.secrets.urlSigningKeys, { method, path, expiresAt, params });
}

/** Percent-decoded text, or "" when it is not valid percent-encoding. */
function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding: no media type, so the URL is refused as malformed.
    return "";
  }
}

const names = (params: readonly (readonly [string, string])[]): string => params.map(([name]) => name).join(",");

/**
 * Verifies a request's URL (`path` as routed, `rawQuery` as sent) for `method`; HEAD is
 * a GET. Everything the URL claims is checked against the signature first.
 *
 * @example
 * ```ts
 * const grant = await verifyFileUrl(config, "GET", url.pathname, url.search.slice(1), Date.now());
 * ```
 */
export async function verifyFileUrl(
  config: Config,
  method: SignedMethod,
  path: string,
  rawQuery: string,
  nowMs: number,
): Promise<Result<FileGrant, SignedUrlRefusal>> {
  const where = KEY_PATH.exec(path);
  if (where === null) return err("malformed");
  const [, orgId = "", recordId = "", versionId = ""] = where;
  const verdict = await verifyUrl(config.secrets.urlSigningKeys, method, path, rawQuery, {
    nowMs,
    maxTtlSeconds: config.evidence.urlTtlSeconds,
  });
  if (!verdict.ok) return verdict;
  // Authentic: what the signer wrote. Checked anyway, so a URL of an older format is refused, not misread.
  const params = new Map(verdict.value.params);
  const actor = actorOf(params.get("act") ?? "");
  if (actor === undefined) return err("malformed");
  const grant = { method, key: path.slice(FILES_PATH.length + 1), orgId, recordId, versionId, actor, expiresAt: verdict.value.expiresAt };
  if (method === "GET") return names(verdict.value.params) === "act" ? ok(grant) : err("malformed");
  if (names(verdict.value.params) !== "act,size,type,sha256") return err("malformed");
  const size = params.get("size") ?? "";
  const mediaType = decoded(params.get("type") ?? "");
  const sha256 = params.get("sha256") ?? "";
  if (!SIZE.test(size) || !SHA256.test(sha256) || !isAllowedMediaType(mediaType)) return err("malformed");
  return ok({ ...grant, terms: { size: Number(size), mediaType, sha256 } });
}
