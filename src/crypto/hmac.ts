/**
 * HMAC-SHA-256 with keys imported once per isolate: importKey is not free, and a
 * secret does not change within an isolate. Every keyed digest of the worker
 * (rate-limit identifiers, token and code digests, refresh successors) goes
 * through here, each with its own domain label so no two uses share a value.
 */
import { utf8 } from "../lib/encoding";

const importedKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = importedKeys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    // A failed import is not cached: the next request tries again.
    key.catch(() => importedKeys.delete(secret));
    importedKeys.set(secret, key);
  }
  return key;
}

/**
 * HMAC-SHA-256 of `domain` NUL `message` under `secret`, 32 bytes.
 *
 * @example
 * ```ts
 * await hmac(config.secrets.tokenHashSecret, "refresh", token);
 * ```
 */
export async function hmac(secret: string, domain: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8.encode(`${domain}\u0000${message}`)));
}
