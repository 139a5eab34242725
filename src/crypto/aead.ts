/**
 * AES-256-GCM sealing under versioned data keys (P10): DATA_ENCRYPTION_KEYS is
 * `v2:<base64 32 bytes>,v1:<…>`, newest first. New values are sealed with the
 * newest key; any listed key opens what it sealed, so a key rotates by putting a
 * new one in front and keeping the old one until nothing sealed with it remains.
 * A sealed value is `<version>.<iv>.<ciphertext+tag>` (base64url), bound to its
 * context by the additional data (e.g. `totp:<user id>`), so a value copied to
 * another row does not open.
 */
import { base64url, fromBase64, fromBase64url, randomBytes, utf8 } from "../lib/encoding";

interface DataKey {
  readonly version: string;
  readonly key: Promise<CryptoKey>;
}

const VERSION = /^v\d{1,4}$/;
const parsed = new Map<string, readonly DataKey[]>();

/** One entry of DATA_ENCRYPTION_KEYS: its version and its 32 raw bytes. */
export interface DataKeyMaterial {
  readonly version: string;
  readonly raw: Uint8Array;
}

/**
 * The entries of a DATA_ENCRYPTION_KEYS value, newest first; throws on a malformed value.
 * Shared with the envelope encryption of integration secrets (src/crypto/envelope.ts).
 */
export function parseDataKeys(setting: string): readonly DataKeyMaterial[] {
  return setting.split(",").map((entry) => {
    const [version = "", material = ""] = entry.trim().split(":", 2);
    const raw = fromBase64(material);
    if (!VERSION.test(version) || raw?.byteLength !== 32)
      throw new TypeError("DATA_ENCRYPTION_KEYS: each entry is v<n>:<base64 of 32 bytes>");
    return { version, raw };
  });
}

/** The keys of a DATA_ENCRYPTION_KEYS value, imported once per isolate; throws on a malformed value. */
function dataKeys(setting: string): readonly DataKey[] {
  let keys = parsed.get(setting);
  if (keys === undefined) {
    keys = parseDataKeys(setting).map(({ version, raw }) => ({
      version,
      key: crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
    }));
    parsed.set(setting, keys);
  }
  return keys;
}

/**
 * Seals `plaintext` with the newest key, bound to `context`.
 *
 * @example
 * ```ts
 * const sealed = await seal(config.secrets.dataEncryptionKeys, secret, `totp:${userId}`);
 * ```
 */
export async function seal(setting: string, plaintext: string, context: string): Promise<string> {
  const [newest] = dataKeys(setting);
  if (newest === undefined) throw new TypeError("DATA_ENCRYPTION_KEYS is empty");
  const iv = randomBytes(12);
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(context) },
    await newest.key,
    utf8.encode(plaintext),
  );
  return `${newest.version}.${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

/** Opens a sealed value, or `undefined` when no listed key opens it for this context (tampered, moved, key retired). */
export async function open(setting: string, sealed: string, context: string): Promise<string | undefined> {
  const [version, ivText = "", dataText = ""] = sealed.split(".");
  const entry = dataKeys(setting).find((k) => k.version === version);
  const iv = fromBase64url(ivText);
  const data = fromBase64url(dataText);
  if (entry === undefined || iv?.byteLength !== 12 || data === undefined) return undefined;
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(context) }, await entry.key, data);
    return new TextDecoder().decode(plain);
  } catch {
    // GCM's tag check failed: tampered, or sealed for another context. The caller treats it as absent.
    return undefined;
  }
}
