/**
 * A download's answer (P14): the object streamed from R2 as an attachment, with its
 * stored media type, its file name encoded per RFC 6266 (an ASCII `filename` and the
 * exact name in `filename*=UTF-8''…`, RFC 8187), its SHA-256 as `Repr-Digest`
 * (RFC 9530) and `ETag`, no caching, and one byte range on request (RFC 9110 §14: 206
 * with Content-Range; 416 when the range lies outside the file; several ranges or a
 * malformed header are ignored, answered whole as the RFC allows). The secure headers
 * (nosniff, and a CSP that runs nothing, sandboxed) come from the edge for every /files
 * path.
 */
import { fromHex } from "./files.hex";

/** The part of a file a request asked for. */
export type ByteRange =
  | { readonly kind: "whole" }
  | { readonly kind: "part"; readonly offset: number; readonly length: number }
  | { readonly kind: "unsatisfiable" };

const SINGLE = /^bytes=(\d{0,15})-(\d{0,15})$/;

/**
 * The range a `Range` header asks for in a file of `size` bytes.
 *
 * @example
 * ```ts
 * rangeOf("bytes=0-99", 1000); // { kind: "part", offset: 0, length: 100 }
 * ```
 */
export function rangeOf(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return { kind: "whole" };
  const m = SINGLE.exec(header.trim());
  if (m === null) return { kind: "whole" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // The last N bytes.
    const suffix = Number(last);
    if (suffix === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return { kind: "part", offset: size - length, length };
  }
  const start = Number(first);
  // A last position before the first is not a valid range: ignored.
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: "part", offset: start, length: end - start + 1 };
}

/** RFC 8187 `attr-char`s stay as they are; every other byte of the UTF-8 form is %XX. */
const rfc8187 = (name: string): string =>
  encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * `Content-Disposition: attachment` for a file named `name`: an ASCII fallback for old
 * clients (non-ASCII, quotes, backslashes and control characters replaced) and the exact
 * name, percent-encoded UTF-8.
 *
 * @example
 * ```ts
 * contentDisposition("Prüfbericht 2026.pdf"); // attachment; filename="Prufbericht 2026.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%202026.pdf
 * ```
 */
export function contentDisposition(name: string): string {
  const ascii = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${ascii === "" ? "download" : ascii}"; filename*=UTF-8''${rfc8187(name)}`;
}

/** What the database knows of the file being served. */
export interface ServedFile {
  readonly name: string;
  readonly media_type: string;
  readonly size: number;
  readonly sha256: string;
}

const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/**
 * The headers of a download of `file` (whole or `part`).
 *
 * @example
 * ```ts
 * new Response(object.body, { status: 200, headers: downloadHeaders(file, { kind: "whole" }) });
 * ```
 */
export function downloadHeaders(file: ServedFile, range: Exclude<ByteRange, { kind: "unsatisfiable" }>): Headers {
  const headers = new Headers({
    "content-type": file.media_type,
    "content-disposition": contentDisposition(file.name),
    "content-length": String(range.kind === "part" ? range.length : file.size),
    "accept-ranges": "bytes",
    etag: `"${file.sha256}"`,
    "repr-digest": `sha-256=:${base64(fromHex(file.sha256))}:`,
    "cache-control": "private, no-store",
  });
  if (range.kind === "part") headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${file.size}`);
  return headers;
}
