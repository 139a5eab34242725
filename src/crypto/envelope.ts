/**
 * Envelope encryption of integration credentials (P10): each secret gets a fresh
 * 256-bit data key (DEK); the secret is sealed with it (AES-256-GCM), and the DEK is
 * wrapped (AES-256-GCM) by a key-encryption key (KEK) of the newest version in
 * DATA_ENCRYPTION_KEYS. Both layers take the secret's context as additional data
 * (organization, integration, column), so a ciphertext copied to another row or column
 * opens nowhere. A KEK is derived (HKDF-SHA-256) from the data key of its version rather
 * than used raw, so the same material never serves two schemes (TOTP sealing,
 * src/crypto/aead.ts, uses it directly).
 *
 * Format: `e1.<key version>.<wrapped DEK>.<iv>.<ciphertext+tag>`, base64url parts; the
 * wrapped DEK is iv(12) ‖ ciphertext(32) ‖ tag(16). Rotation: put a new version first,
 * deploy, run the re-encryption job ({@link reseal}: every secret moves to the newest
 * version with a fresh DEK), then remove the old version.
 */
import { base64url, fromBase64url, randomBytes, utf8 } from "../lib/encoding";
import { parseDataKeys } from "./aead";

/** What a sealed secret is bound to. */
export interface SecretContext {
  readonly orgId: string;
  /** The integration, e.g. `bank`. */
  readonly integration: string;
  /** The column it is stored in, e.g. `access_token`. */
  readonly column: string;
}

const FORMAT = "e1";
const HKDF_SALT = utf8.encode("rampart/envelope");

interface Kek {
  readonly version: string;
  readonly key: Promise<CryptoKey>;
}

const keks = new Map<string, readonly Kek[]>();

function deriveKek(raw: Uint8Array, version: string): Promise<CryptoKey> {
  return crypto.subtle
    .importKey("raw", raw, "HKDF", false, ["deriveKey"])
    .then((material) =>
      crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: utf8.encode(`integration-kek:${version}`) },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      ),
    );
}

/** The KEKs of a DATA_ENCRYPTION_KEYS value, newest first, derived once per isolate. */
function kekList(setting: string): readonly Kek[] {
  let list = keks.get(setting);
  if (list === undefined) {
    list = parseDataKeys(setting).map(({ version, raw }) => ({ version, key: deriveKek(raw, version) }));
    keks.set(setting, list);
  }
  return list;
}

const contextBytes = (context: SecretContext): Uint8Array =>
  utf8.encode(`rampart:integration:${context.integration}:org:${context.orgId}:column:${context.column}`);

/** The newest key version of a DATA_ENCRYPTION_KEYS value (what {@link seal} uses). */
export function newestKeyVersion(setting: string): string {
  const [newest] = kekList(setting);
  if (newest === undefined) throw new TypeError("DATA_ENCRYPTION_KEYS is empty");
  return newest.version;
}

/** The key version a sealed value names, or `undefined` when it is not one. */
export function sealedKeyVersion(sealed: string): string | undefined {
  const [format, version] = sealed.split(".");
  return format === FORMAT && version !== undefined ? version : undefined;
}

/**
 * Seals `plaintext` for `context` under a fresh data key wrapped by the newest KEK.
 *
 * @example
 * ```ts
 * const sealed = await seal(config.secrets.dataEncryptionKeys, token, { orgId, integration: "bank", column: "access_token" });
 * ```
 */
export async function seal(setting: string, plaintext: string, context: SecretContext): Promise<string> {
  const [newest] = kekList(setting);
  if (newest === undefined) throw new TypeError("DATA_ENCRYPTION_KEYS is empty");
  const ad = contextBytes(context);
  const dekRaw = randomBytes(32);
  const dek = await crypto.subtle.importKey("raw", dekRaw, "AES-GCM", false, ["encrypt"]);
  const iv = randomBytes(12);
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ad }, dek, utf8.encode(plaintext)));
  const wrapIv = randomBytes(12);
  const wrapped = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv: wrapIv, additionalData: ad }, await newest.key, dekRaw),
  );
  dekRaw.fill(0);
  const wrappedDek = new Uint8Array(12 + wrapped.byteLength);
  wrappedDek.set(wrapIv);
  wrappedDek.set(wrapped, 12);
  return [FORMAT, newest.version, base64url(wrappedDek), base64url(iv), base64url(data)].join(".");
}

/**
 * Opens a sealed value, or `undefined` when it does not open for this context: another
 * row's or column's ciphertext, a retired key version, tampering, not a sealed value.
 */
export async function open(setting: string, sealed: string, context: SecretContext): Promise<string | undefined> {
  const [format, version, wrappedText = "", ivText = "", dataText = ""] = sealed.split(".");
  const kek = kekList(setting).find((k) => k.version === version);
  const wrappedDek = fromBase64url(wrappedText);
  const iv = fromBase64url(ivText);
  const data = fromBase64url(dataText);
  if (format !== FORMAT || kek === undefined || wrappedDek?.byteLength !== 60 || iv?.byteLength !== 12 || data === undefined)
    return undefined;
  const ad = contextBytes(context);
  try {
    const dekRaw = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: wrappedDek.subarray(0, 12), additionalData: ad },
      await kek.key,
      wrappedDek.subarray(12),
    );
    const dek = await crypto.subtle.importKey("raw", dekRaw, "AES-GCM", false, ["decrypt"]);
    new Uint8Array(dekRaw).fill(0);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: ad }, dek, data);
    return new TextDecoder().decode(plain);
  } catch {
    // A GCM tag check failed (wrapped key or data): moved, tampered or wrong key. Callers treat it as absent.
    return undefined;
  }
}

/**
 * Re-seals a value under the newest key version with a fresh data key (the re-encryption
 * job). `undefined` when it does not open; the same value when it is already current.
 */
export async function reseal(setting: string, sealed: string, context: SecretContext): Promise<string | undefined> {
  if (sealedKeyVersion(sealed) === newestKeyVersion(setting)) return sealed;
  const plain = await open(setting, sealed, context);
  return plain === undefined ? undefined : seal(setting, plain, context);
}
