/**
 * Handlers of the signed file URLs (P14). Both verify the URL in the isolate first (no
 * I/O for a forged, altered or expired one: 403 and a `signed_url_refused` event), then
 * do ONE transaction as the URL's actor (files.tenant.ts):
 * - download: the version's row must exist and be available (a file whose row is gone is
 *   never served, whatever R2 still holds), then the object streams from R2;
 * - upload: the bytes stream to R2 first (files.upload.ts), then the transaction marks
 *   the version available, or, when the bytes were refused, removes the pending version
 *   so nothing is left (the refusal's problem is the answer either way).
 */
import type { RouteHandler } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import type { SignedMethod } from "../../crypto/signed-urls";
import { unreachable } from "../../db/errors";
import { AppError } from "../../http/errors";
import { log } from "../../lib/log";
import { securityEvent } from "../../lib/security-events";
import { downloadHeaders, rangeOf } from "./files.download";
import { removeObjects } from "./files.purge";
import type { downloadRoute, uploadRoute } from "./files.serve.routes";
import { completeUpload, dropPending, presentFile, versionOf } from "./files.statements";
import { inGrant } from "./files.tenant";
import { storeUpload, type UploadMismatch } from "./files.upload";
import { verifyFileUrl, type FileGrant, type UploadTerms } from "./files.urls";

/** The request's URL, verified for `method`, or 403 with a security event. */
async function grantOf(c: Context<AppEnv>, method: SignedMethod): Promise<FileGrant> {
  const url = new URL(c.req.url);
  const verdict = await verifyFileUrl(c.env.edge.config, method, url.pathname, url.search.slice(1), Date.now());
  if (verdict.ok) return verdict.value;
  securityEvent("signed_url_refused", {
    request_id: c.env.edge.requestId,
    reason: verdict.error,
    method: c.req.method,
    // The path holds ids only; the query (and its signature) is never logged.
    path: url.pathname.slice(0, 200),
  });
  throw new AppError("signed_url_invalid");
}

/** The media type's essence a request declares, lower case. */
const essenceOf = (header: string | undefined): string => (header ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";

/**
 * Refuses an upload: the pending version is removed (and any object of it, after the
 * commit), then the mismatch is the answer. An available version is never touched
 * (a repeated URL with other bytes changes nothing).
 */
async function refuse(c: Context<AppEnv>, grant: FileGrant, mismatch: UploadMismatch | "media_type_not_allowed"): Promise<never> {
  try {
    const [dropped] = await inGrant(c, grant, "evidence:write", (tx) => [dropPending(tx, grant)]);
    await removeObjects(
      c.env.EVIDENCE,
      dropped.rows.map((r) => r.object_key),
      c.env.edge.requestId,
    );
  } catch (error) {
    // The refusal stands either way; a version left pending is never served and can be deleted.
    log.warn("evidence_pending_not_removed", { request_id: c.env.edge.requestId, version: grant.versionId, error });
  }
  throw new AppError(mismatch);
}

/** What the request declares, against the URL's terms: refused before a byte is read. */
function declaredMismatch(c: Context<AppEnv>, terms: UploadTerms): UploadMismatch | "media_type_not_allowed" | undefined {
  if (essenceOf(c.req.header("content-type")) !== terms.mediaType) return "media_type_not_allowed";
  if (c.req.header("content-length") !== String(terms.size)) return "size_mismatch";
  return undefined;
}

export const upload: RouteHandler<typeof uploadRoute, AppEnv> = async (c) => {
  const grant = await grantOf(c, "PUT");
  const terms = grant.terms;
  if (terms === undefined) throw new Error("files: a verified upload URL without terms");
  const declared = declaredMismatch(c, terms);
  if (declared !== undefined) return refuse(c, grant, declared);
  // workers-types leave a request body's chunk type open; it is bytes.
  const body = c.req.raw.body as ReadableStream<Uint8Array> | null;
  if (body === null) return refuse(c, grant, "size_mismatch");
  const outcome = await storeUpload(c.env.EVIDENCE, grant.key, body, terms);
  if (outcome.kind === "refused") return refuse(c, grant, outcome.mismatch);
  if (outcome.kind === "failed") {
    log.warn("evidence_upload_failed", { request_id: c.env.edge.requestId, version: grant.versionId, error: outcome.error });
    throw new AppError("bad_request", { detail: "The upload did not complete; send it again.", headers: { Connection: "close" } });
  }
  let rows;
  try {
    rows = await inGrant(c, grant, "evidence:write", (tx) => [
      completeUpload(tx, grant, terms.size, terms.mediaType, terms.sha256),
      versionOf(tx, grant),
    ]);
  } catch (error) {
    // This request's object, but no version will serve it: remove it. Unless the database could not
    // answer: the commit may still have happened, and a pending version's object goes with the version.
    if (outcome.kind === "stored" && !unreachable(error)) await removeObjects(c.env.EVIDENCE, [grant.key], c.env.edge.requestId);
    throw error;
  }
  const [completed, current] = rows;
  const row = completed.rows[0] ?? current.rows.find((r) => r.state === "available" && r.sha256 === terms.sha256);
  if (row !== undefined) return c.json(presentFile(row), 200);
  // The version was deleted while its bytes streamed: they have no row, so they go.
  if (outcome.kind === "stored") await removeObjects(c.env.EVIDENCE, [grant.key], c.env.edge.requestId);
  throw new AppError("not_found");
};

/** Lets go of an object fetched early whose row said no: its body is never read, so it is cancelled. */
function release(early: Promise<R2ObjectBody | null> | undefined): void {
  early?.then(
    (object) => object?.body.cancel().then(undefined, () => undefined),
    () => undefined,
  );
}

export const download: RouteHandler<typeof downloadRoute, AppEnv> = async (c) => {
  const grant = await grantOf(c, "GET");
  // A whole-file GET asks R2 while the database answers (their latencies overlap); the object is
  // sent only if the row says it may be. A range needs the row's size first.
  const early = c.req.header("range") === undefined && c.req.method === "GET" ? c.env.EVIDENCE.get(grant.key) : undefined;
  early?.catch(() => undefined);
  const found = await inGrant(c, grant, "evidence:read", (tx) => [versionOf(tx, grant)]).then(
    ([rows]) => rows.rows[0],
    (error: unknown) => {
      release(early);
      throw error;
    },
  );
  if (found === undefined || found.state !== "available") {
    release(early);
    throw new AppError("not_found");
  }
  const file = presentFile(found);
  const range = rangeOf(c.req.header("range"), file.size);
  if (range.kind === "unsatisfiable") throw new AppError("range_not_satisfiable", { headers: { "Content-Range": `bytes */${file.size}` } });
  const status = range.kind === "part" ? 206 : 200;
  const headers = downloadHeaders(file, range);
  if (c.req.method === "HEAD") return new Response(null, { status, headers });
  const object = await (early ??
    c.env.EVIDENCE.get(grant.key, range.kind === "part" ? { range: { offset: range.offset, length: range.length } } : {}));
  if (object === null) {
    // A row without its object: an upload whose completion outlived a database outage, or an operator's mistake.
    log.error("evidence_object_missing", { request_id: c.env.edge.requestId, version: grant.versionId });
    throw new AppError("not_found");
  }
  return new Response(object.body, { status, headers });
};
