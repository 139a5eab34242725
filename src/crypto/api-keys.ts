/**
 * API keys of machine clients (P9, P10): `rk_live_` + 256 random bits in base62
 * (43 characters) + a 6-character base62 CRC-32 of those 43 characters, like
 * GitHub's token format. The prefix and the checksum let a secret scanner recognise
 * a leaked key offline, and let stage 4 refuse a mistyped or made-up key without any
 * I/O. The checksum is not a secret and proves nothing: only the key's digest,
 * looked up inside the request's transaction, authenticates it.
 *
 * Stored: an HMAC-SHA-256 digest under API_KEY_HASH_SECRET (never the key), and
 * the key's id, DERIVED from that digest, so the isolate knows the id of the key a
 * request presents (its rate-limit identity, the actor of its events) without asking
 * the database.
 */
import { base64url, randomBytes } from "../lib/encoding";
import { hmac } from "./hmac";

/** The recognisable start of every API key. */
export const API_KEY_PREFIX = "rk_live_";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Base62 characters of 256 bits: 62^43 > 2^256 > 62^42. */
const BODY_LENGTH = 43;
/** Base62 characters of a CRC-32: 62^6 > 2^32. */
const CHECKSUM_LENGTH = 6;
/** Characters of the random body shown in lists and logs (`rk_live_` + these): ~36 of 256 bits. */
const DISPLAY_LENGTH = 6;

/** The shape of an API key (prefix, body and checksum; the checksum itself is checked by {@link isWellFormedApiKey}). */
export const API_KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`);

/** `value` in base62, left-padded with `0` to `length` characters. */
function base62(value: bigint, length: number): string {
  let out = "";
  for (let rest = value; rest > 0n; rest /= 62n) out = BASE62.charAt(Number(rest % 62n)) + out;
  return out.padStart(length, "0");
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib's `crc32`) of ASCII text. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The checksum of a key's random body, as it ends the key. */
export function apiKeyChecksum(body: string): string {
  return base62(BigInt(crc32(body)), CHECKSUM_LENGTH);
}

/**
 * A fresh API key. Shown to its creator once; only its digest is kept.
 *
 * @example
 * ```ts
 * newApiKey(); // "rk_live_3kT9…(43)…Qx81Zq"
 * ```
 */
export function newApiKey(): string {
  let value = 0n;
  for (const byte of randomBytes(32)) value = (value << 8n) | BigInt(byte);
  const body = base62(value, BODY_LENGTH);
  return `${API_KEY_PREFIX}${body}${apiKeyChecksum(body)}`;
}

/** Whether `key` has the shape of an API key and its checksum matches: no I/O, nothing secret. */
export function isWellFormedApiKey(key: string): boolean {
  if (!API_KEY_SHAPE.test(key)) return false;
  const body = key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + BODY_LENGTH);
  return key.slice(API_KEY_PREFIX.length + BODY_LENGTH) === apiKeyChecksum(body);
}

/** The non-secret start of a key (`rk_live_ab12cd`), shown in lists and in logs of a refused key. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX.length + DISPLAY_LENGTH);
}

/**
 * The stored digest of `key` (base64url, 43 characters): HMAC-SHA-256 under
 * API_KEY_HASH_SECRET, so a database dump neither reveals a key nor lets anyone
 * test one without the secret.
 */
export async function apiKeyDigest(secret: string, key: string): Promise<string> {
  return base64url(await hmac(secret, "digest:api_key", key));
}

/**
 * The id of the key whose digest is `digest`: a UUID (version 8, "custom", RFC 9562)
 * from an HMAC of the digest. The row is created with it, so a request's key id is
 * known in the isolate; it reveals nothing of the digest or the key.
 */
export async function apiKeyIdOf(secret: string, digest: string): Promise<string> {
  const bytes = (await hmac(secret, "api_key_id", digest)).slice(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
