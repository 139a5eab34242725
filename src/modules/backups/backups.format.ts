/**
 * The backup object (P15): NDJSON, gzip, sealed with AES-256-GCM in segments.
 *
 *   "RBK1" ‖ u32 header length ‖ header (UTF-8 JSON: format, version, org_id, date,
 *   key_version, segment_bytes, created_at) ‖ segment*
 *   segment = u32 ciphertext length ‖ iv (12) ‖ ciphertext+tag
 *
 * The gzip stream is cut into segments of SEGMENT_BYTES (the last one shorter), each
 * sealed on its own: WebCrypto's GCM takes its whole input at once, so segments keep the
 * memory of sealing at one segment beyond the compressed output, whatever the
 * organization's size (opening holds the gzip bytes, no more than the object, and streams
 * the text). Each
 * segment's additional data names the organization, the date, the key version, its index
 * and whether it is the last one, so a segment moved to another position, another
 * object or another organization does not open, and an object cut after any segment
 * lacks its final one (truncated). The key is derived per object (HKDF-SHA-256 of the
 * backup key, info = organization and date), so random 96-bit nonces never approach
 * their limit under one key. The header is not secret; it is bound by the additional data.
 */
import type { BackupKey } from "../../config/backups";
import { utf8 } from "../../lib/encoding";

/** Gzip bytes per sealed segment. */
export const SEGMENT_BYTES = 1024 * 1024;
const MAGIC = utf8.encode("RBK1");
const FORMAT = "rampart-backup";
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = utf8.encode("rampart/backup/v1");
/** A header longer than this is not one of ours. */
const MAX_HEADER_BYTES = 4096;

/** What the header says (and the additional data binds). */
export interface BackupHeader {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly org_id: string;
  readonly date: string;
  readonly key_version: string;
  readonly segment_bytes: number;
  readonly created_at: string;
}

/** Why an object is not a valid backup of the organization and date expected: the restore check's reason codes. */
export const BACKUP_FAILURE_REASONS = [
  "object_missing",
  "size_mismatch",
  "checksum_mismatch",
  "bad_header",
  "wrong_org",
  "wrong_date",
  "unknown_key",
  "truncated",
  "trailing_data",
  "decrypt_failed",
  "corrupt_data",
  "unexpected_section",
  "missing_trailer",
  "count_mismatch",
  "bad_file_checksum",
  "audit_chain_broken",
  "audit_head_mismatch",
] as const;
export type BackupFailureReason = (typeof BACKUP_FAILURE_REASONS)[number];

/** A backup that failed a check, with its reason code. */
export class BackupInvalid extends Error {
  override readonly name = "BackupInvalid";
  readonly reason: BackupFailureReason;
  constructor(reason: BackupFailureReason) {
    super(`backup invalid: ${reason}`);
    this.reason = reason;
  }
}

function objectKey(raw: Uint8Array, orgId: string, date: string): Promise<CryptoKey> {
  return crypto.subtle
    .importKey("raw", raw, "HKDF", false, ["deriveKey"])
    .then((material) =>
      crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: HKDF_SALT, info: utf8.encode(`${orgId}:${date}`) },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      ),
    );
}

const additionalData = (h: Pick<BackupHeader, "org_id" | "date" | "key_version">, index: number, final: boolean): Uint8Array =>
  utf8.encode(`rampart-backup:v${VERSION}:${h.org_id}:${h.date}:${h.key_version}:${index}:${final ? "final" : "more"}`);

const u32 = (n: number): Uint8Array => {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
};

/** Lower-case hex of bytes. */
export const hexOf = (bytes: ArrayBuffer | Uint8Array): string =>
  Array.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

/** SHA-256 of bytes, lower-case hex. */
export const sha256Hex = async (bytes: Uint8Array): Promise<string> => hexOf(await crypto.subtle.digest("SHA-256", bytes));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** A sealed object and what describes it. */
export interface SealedBackup {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly segments: number;
  readonly keyVersion: string;
}

/** Lines per write into the compressor: fewer, larger writes (a line is a few hundred bytes). */
const LINES_PER_WRITE = 256;

/**
 * Seals NDJSON `lines` (each without its newline) for `orgId` and `date` under the
 * newest key: gzip as they stream, then each full segment as it fills.
 */
export async function sealBackup(
  lines: Iterable<string>,
  facts: { readonly orgId: string; readonly date: string; readonly keys: readonly BackupKey[]; readonly now?: Date },
): Promise<SealedBackup> {
  const [newest] = facts.keys;
  if (newest === undefined) throw new TypeError("BACKUP_ENCRYPTION_KEYS is empty");
  const header: BackupHeader = {
    format: FORMAT,
    version: VERSION,
    org_id: facts.orgId,
    date: facts.date,
    key_version: newest.version,
    segment_bytes: SEGMENT_BYTES,
    created_at: (facts.now ?? new Date()).toISOString(),
  };
  const key = await objectKey(newest.raw, facts.orgId, facts.date);
  const headerBytes = utf8.encode(JSON.stringify(header));
  const out: Uint8Array[] = [MAGIC, u32(headerBytes.byteLength), headerBytes];
  let index = 0;
  const seal = async (plain: Uint8Array, final: boolean): Promise<void> => {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: additionalData(header, index, final) }, key, plain),
    );
    out.push(u32(sealed.byteLength), iv, sealed);
    index += 1;
  };

  const gzip = new CompressionStream("gzip");
  const writer = gzip.writable.getWriter();
  // The compressed side is read while lines are written, so neither side holds more than a segment.
  const sealing = (async () => {
    const reader = gzip.readable.getReader();
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending.push(value);
      pendingBytes += value.byteLength;
      // Strictly more than a segment: the last segment is always sealed at the end, marked final.
      while (pendingBytes > SEGMENT_BYTES) {
        const all = concat(pending);
        await seal(all.subarray(0, SEGMENT_BYTES), false);
        pending = [all.subarray(SEGMENT_BYTES)];
        pendingBytes = all.byteLength - SEGMENT_BYTES;
      }
    }
    await seal(concat(pending), true);
  })();
  let batch: string[] = [];
  for (const line of lines) {
    batch.push(line);
    if (batch.length === LINES_PER_WRITE) {
      await writer.write(utf8.encode(`${batch.join("\n")}\n`));
      batch = [];
    }
  }
  if (batch.length > 0) await writer.write(utf8.encode(`${batch.join("\n")}\n`));
  await writer.close();
  await sealing;
  const bytes = concat(out);
  return { bytes, sha256: await sha256Hex(bytes), segments: index, keyVersion: newest.version };
}

/** Reads the header of an object, checking it names the organization and date expected. */
function readHeader(
  bytes: Uint8Array,
  expected: { readonly orgId: string; readonly date: string },
): { header: BackupHeader; offset: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || MAGIC.some((b, i) => bytes[i] !== b)) throw new BackupInvalid("bad_header");
  const length = view.getUint32(4);
  if (length > MAX_HEADER_BYTES || 8 + length > bytes.byteLength) throw new BackupInvalid("bad_header");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes.subarray(8, 8 + length)));
  } catch {
    // Not JSON (or not UTF-8): not one of our headers.
    throw new BackupInvalid("bad_header");
  }
  if (typeof parsed !== "object" || parsed === null) throw new BackupInvalid("bad_header");
  const header = parsed as Partial<Record<keyof BackupHeader, unknown>>;
  if (header.format !== FORMAT || header.version !== VERSION || typeof header.key_version !== "string")
    throw new BackupInvalid("bad_header");
  if (header.org_id !== expected.orgId) throw new BackupInvalid("wrong_org");
  if (header.date !== expected.date) throw new BackupInvalid("wrong_date");
  return { header: header as BackupHeader, offset: 8 + length };
}

/**
 * The gzip bytes of a sealed object, segment by segment (one segment in memory at a
 * time). Fails with {@link BackupInvalid}: a header of another organization or date, an
 * unknown key version, a segment that does not open (tampered, reordered, from another
 * object), a missing final segment, bytes after it.
 */
export async function openSegments(
  bytes: Uint8Array,
  expected: { readonly orgId: string; readonly date: string; readonly keys: readonly BackupKey[] },
): Promise<{ header: BackupHeader; segments: AsyncGenerator<Uint8Array> }> {
  const { header, offset: start } = readHeader(bytes, expected);
  const entry = expected.keys.find((k) => k.version === header.key_version);
  if (entry === undefined) throw new BackupInvalid("unknown_key");
  const key = await objectKey(entry.raw, expected.orgId, expected.date);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  async function* segments(): AsyncGenerator<Uint8Array> {
    let offset = start;
    for (let index = 0; ; index++) {
      if (offset + 4 + IV_BYTES > bytes.byteLength) throw new BackupInvalid("truncated");
      const length = view.getUint32(offset);
      const iv = bytes.subarray(offset + 4, offset + 4 + IV_BYTES);
      const end = offset + 4 + IV_BYTES + length;
      if (length < TAG_BYTES || length > SEGMENT_BYTES + TAG_BYTES || end > bytes.byteLength) throw new BackupInvalid("truncated");
      const sealed = bytes.subarray(offset + 4 + IV_BYTES, end);
      // Which segment is the last is only known by trying: a non-final one opens as "more",
      // the one that opens as "final" ends the object.
      const more = await tryOpen(key, iv, sealed, additionalData(header, index, false));
      const plain = more ?? (await tryOpen(key, iv, sealed, additionalData(header, index, true)));
      if (plain === undefined) throw new BackupInvalid("decrypt_failed");
      offset = end;
      yield plain;
      if (more === undefined) {
        if (offset !== bytes.byteLength) throw new BackupInvalid("trailing_data");
        return;
      }
    }
  }
  return { header, segments: segments() };
}

async function tryOpen(key: CryptoKey, iv: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: aad }, key, sealed));
  } catch {
    // The tag did not verify for this additional data: the caller tries the other, then gives up.
    return undefined;
  }
}

/**
 * Every line of a sealed object, in order, to `onLine` (parsed JSON). Throws
 * {@link BackupInvalid} for anything that does not open, decompress or parse. Every
 * segment is opened before anything is decompressed (the gzip bytes are no larger than
 * the object, already in memory), so a decompressor only ever sees authenticated bytes;
 * the text is then streamed line by line. A line `onLine` refuses ends the parsing, and
 * the rest is drained rather than cancelled (a cancelled decompressor rejects promises
 * nobody observes).
 */
export async function readLines(
  bytes: Uint8Array,
  expected: { readonly orgId: string; readonly date: string; readonly keys: readonly BackupKey[] },
  onLine: (line: unknown) => void,
): Promise<BackupHeader> {
  const { header, segments } = await openSegments(bytes, expected);
  const gzip: Uint8Array[] = [];
  for await (const plain of segments) gzip.push(plain);
  const reader = new Blob(gzip).stream().pipeThrough(new DecompressionStream("gzip")).getReader();
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let refused: BackupInvalid | undefined;
  let rest = "";
  const parse = (line: string): void => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A line that is not JSON in bytes that decrypted: the export itself is broken.
      throw new BackupInvalid("corrupt_data");
    }
    onLine(value);
  };
  const take = (lines: readonly string[]): void => {
    try {
      for (const line of lines) parse(line);
    } catch (error) {
      if (!(error instanceof BackupInvalid)) throw error;
      refused = error;
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (refused !== undefined) continue;
      const lines = (rest + decoder.decode(value, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      take(lines);
    }
    if (refused === undefined) {
      rest += decoder.decode();
      if (rest !== "") take([rest]);
    }
  } catch (error) {
    if (error instanceof BackupInvalid) throw error;
    // Gzip or UTF-8 failed on bytes that decrypted: corrupt as written.
    throw new BackupInvalid("corrupt_data");
  }
  if (refused !== undefined) throw refused;
  return header;
}
