/**
 * Byte encodings the worker needs without Node's Buffer: base64url (tokens,
 * digests, key material in URLs and JSON), base64 (configuration values) and UTF-8.
 */

/** Shared UTF-8 encoder: TextEncoder is stateless, one per isolate is enough. */
export const utf8 = new TextEncoder();

/**
 * Bytes as unpadded base64url (RFC 4648 §5).
 *
 * @example
 * ```ts
 * base64url(new Uint8Array([251, 255])); // "-_8"
 * ```
 */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Strictly base64url (unpadded) text: the only shape {@link fromBase64url} accepts. */
const BASE64URL = /^[\w-]*$/;

/** Decodes base64url (padding optional), or `undefined` when `text` is not base64url. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text.replace(/=+$/, "")) || text.length % 4 === 1) return undefined;
  return fromBase64(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
}

/** Decodes standard base64 (padding optional), or `undefined` when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    // atob throws only for text that is not base64: the caller gets "not decodable".
    return undefined;
  }
}

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
