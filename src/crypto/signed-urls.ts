/**
 * Signed URLs (P14): a path and query that carry their own authorization, for a few
 * minutes. The signature is HMAC-SHA-256 (domain `signed_url`) over the method, the
 * path and the whole query before `&sig=`, byte for byte as sent: changing any bit of
 * the path or the query, or using the URL with another method, breaks it. The query
 * always starts with the expiry (`exp`, Unix seconds) and ends with the key id
 * (`kid`) and the signature (`sig`, base64url); what lies between is the caller's
 * (src/modules/evidence-files/ binds the organization, the actor and the upload's
 * constraints there).
 *
 * Keys rotate: URL_SIGNING_SECRET lists `kid:secret` pairs, newest first; the first
 * signs, every listed key verifies, so URLs signed by a key being retired keep working
 * until they expire. Verification refuses, in this order: a malformed URL, an unknown
 * key id, a wrong signature, then (only for an authentic URL) an expired one or one
 * that lives longer than the maximum (a key must never mint long-lived URLs).
 * Everything is checked in the isolate, without I/O; the clock is a parameter, so
 * tests move it instead of sleeping.
 */
import type { UrlSigningKey } from "../config/evidence";
import { base64url } from "../lib/encoding";
import { err, ok, type Result } from "../lib/result";
import { hmac } from "./hmac";

/** The methods a signed URL may be made for. */
export type SignedMethod = "GET" | "PUT";

/** Why a signed URL was refused (for the security event; the client sees one answer). */
export type SignedUrlRefusal = "malformed" | "unknown_key" | "bad_signature" | "expired" | "too_long_lived";

/** What a URL is signed for. `params` go between `exp` and `kid`, in order, already URL-encoded. */
export interface UrlToSign {
  readonly method: SignedMethod;
  /** An absolute path, e.g. `/files/orgs/…`; only unreserved characters and `/`. */
  readonly path: string;
  /** When it stops working, Unix seconds. */
  readonly expiresAt: number;
  readonly params: readonly (readonly [string, string])[];
}

/** A verified URL: its expiry, its own parameters (still URL-encoded) and the key that signed it. */
export interface VerifiedUrl {
  readonly expiresAt: number;
  readonly params: readonly (readonly [string, string])[];
  readonly kid: string;
}

const DOMAIN = "signed_url";
const PATH = /^\/[\w\-./]{1,512}$/;
const NAME = /^[a-z][a-z0-9_]{0,15}$/;
/** A value as it may appear in the query: unreserved characters and percent-escapes only. */
const VALUE = /^[\w\-.~%]{0,512}$/;
const EXPIRY = /^\d{1,12}$/;
const SIGNATURE = /^[\w-]{43}$/;
const RESERVED = new Set(["exp", "kid", "sig"]);
/** Clock skew tolerated between the isolates that sign and verify. */
const SKEW_SECONDS = 60;

const message = (method: string, path: string, query: string): string => `${method}\n${path}\n${query}`;

/**
 * The signed URL (path and query), with the first key.
 *
 * @example
 * ```ts
 * const url = await signUrl(config.secrets.urlSigningKeys, { method: "GET", path, expiresAt, params: [["act", "u2.…"]] });
 * ```
 */
export async function signUrl(keys: readonly UrlSigningKey[], url: UrlToSign): Promise<string> {
  const key = keys[0];
  if (key === undefined) throw new Error("signUrl: no URL signing key is configured");
  if (!PATH.test(url.path) || url.path.includes("..")) throw new Error("signUrl: the path must be plain");
  for (const [name, value] of url.params) {
    if (!NAME.test(name) || RESERVED.has(name) || !VALUE.test(value)) throw new Error(`signUrl: parameter ${name} is not plain`);
  }
  const query = [`exp=${Math.floor(url.expiresAt)}`, ...url.params.map(([name, value]) => `${name}=${value}`), `kid=${key.kid}`].join("&");
  const signature = await hmac(key.secret, DOMAIN, message(url.method, url.path, query));
  return `${url.path}?${query}&sig=${base64url(signature)}`;
}

/**
 * Constant time for equal lengths: how many characters differ is not observable. The
 * signature is compared as the text sent, so its base64url must be the canonical one:
 * the last character's two spare bits are part of the URL too (any bit changed: refused).
 */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Options of {@link verifyUrl}: the clock and the longest lifetime accepted. */
export interface VerifyOptions {
  readonly nowMs: number;
  readonly maxTtlSeconds: number;
}

/**
 * Verifies a URL as received: `rawQuery` is the query exactly as sent, without `?`.
 *
 * @example
 * ```ts
 * const verdict = await verifyUrl(keys, "GET", url.pathname, url.search.slice(1), { nowMs: Date.now(), maxTtlSeconds: 300 });
 * if (!verdict.ok) refuse(verdict.error);
 * ```
 */
export async function verifyUrl(
  keys: readonly UrlSigningKey[],
  method: SignedMethod,
  path: string,
  rawQuery: string,
  options: VerifyOptions,
): Promise<Result<VerifiedUrl, SignedUrlRefusal>> {
  const cut = rawQuery.lastIndexOf("&sig=");
  if (cut < 0 || !PATH.test(path)) return err("malformed");
  const query = rawQuery.slice(0, cut);
  const signature = rawQuery.slice(cut + 5);
  const pairs = query.split("&").map((pair) => {
    const eq = pair.indexOf("=");
    return eq < 0 ? (["", ""] as const) : ([pair.slice(0, eq), pair.slice(eq + 1)] as const);
  });
  const first = pairs[0];
  const last = pairs.at(-1);
  if (!SIGNATURE.test(signature) || first?.[0] !== "exp" || !EXPIRY.test(first[1]) || last?.[0] !== "kid" || pairs.length < 2) {
    return err("malformed");
  }
  const params = pairs.slice(1, -1);
  const names = new Set(params.map(([name]) => name));
  if (names.size !== params.length || params.some(([name, value]) => !NAME.test(name) || RESERVED.has(name) || !VALUE.test(value))) {
    return err("malformed");
  }
  const key = keys.find((k) => k.kid === last[1]);
  if (key === undefined) return err("unknown_key");
  const expected = base64url(await hmac(key.secret, DOMAIN, message(method, path, query)));
  if (!sameText(expected, signature)) return err("bad_signature");
  const expiresAt = Number(first[1]);
  const now = options.nowMs / 1000;
  if (expiresAt <= now) return err("expired");
  if (expiresAt > now + options.maxTtlSeconds + SKEW_SECONDS) return err("too_long_lived");
  return ok({ expiresAt, params, kid: key.kid });
}
