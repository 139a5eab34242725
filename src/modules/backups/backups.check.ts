/**
 * The restore check (P15): an object is a good backup of its row when its size and
 * SHA-256 are the row's, every segment opens (org, date, key version, position and the
 * final one bound by GCM), it decompresses and every line parses, the sections come in
 * the export's order with the trailer's counts, every evidence file's checksum is a
 * SHA-256, and the audit log in it is one continuous chain (seq 1, 2, …; each entry's
 * prev_hash the previous entry's hash, the first one the genesis) ending at the head the
 * database had at export time. Used after every export, on demand, and by the restore drill.
 */
import type { BackupKey } from "../../config/backups";
import { BackupInvalid, readLines, sha256Hex, type BackupFailureReason } from "./backups.format";
import { RECORD_RESOURCES } from "../records";

/**
 * The export's sections, in order (app.backup_export, drizzle/*_backups_security.sql, writes
 * them in this order; the restore check refuses any other). The eight records come from the
 * records registry, so a new record type cannot be left out of the check's list.
 */
export const BACKUP_SECTIONS = [
  "organization",
  "memberships",
  "api_keys",
  "bank_connections",
  ...RECORD_RESOURCES.map((resource) => resource.name),
  "incident_notifications",
  "control_risks",
  "control_evidence",
  "assessment_results",
  "policy_acknowledgements",
  "training_assignments",
  "evidence_files",
  "audit_entries",
] as const;
export type BackupSection = (typeof BACKUP_SECTIONS)[number];

/** The first line of every export: what it is, of whom, of when. */
export const HEADER_SECTION = "header";
const TRAILER_SECTION = "trailer";
const GENESIS = "0".repeat(64);
const SHA256 = /^[0-9a-f]{64}$/;

/** What the row says the object must be. */
export interface ExpectedBackup {
  readonly orgId: string;
  readonly date: string;
  readonly size: number;
  readonly sha256: string;
  readonly auditHeadSeq: number;
  readonly auditHeadHash: string;
}

export type BackupRows = { readonly [S in BackupSection]: Record<string, unknown>[] };

export type CheckResult =
  | { readonly ok: true; readonly counts: Readonly<Record<BackupSection, number>>; readonly rows?: BackupRows }
  | { readonly ok: false; readonly reason: BackupFailureReason };

interface Line {
  readonly s: string;
  readonly r: Record<string, unknown>;
}

const isLine = (value: unknown): value is Line =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { s?: unknown }).s === "string" &&
  typeof (value as { r?: unknown }).r === "object" &&
  (value as { r?: unknown }).r !== null;

/**
 * Checks `bytes` against `expected`; with `collect`, also answers every row by section
 * (the restore drill's input). Never throws for a bad object: the reason is the result.
 */
export async function checkBackup(
  bytes: Uint8Array | null,
  expected: ExpectedBackup,
  keys: readonly BackupKey[],
  options: { readonly collect?: boolean } = {},
): Promise<CheckResult> {
  try {
    if (bytes === null) throw new BackupInvalid("object_missing");
    if (bytes.byteLength !== expected.size) throw new BackupInvalid("size_mismatch");
    if ((await sha256Hex(bytes)) !== expected.sha256) throw new BackupInvalid("checksum_mismatch");
    const state = new LineCheck(expected, options.collect === true);
    await readLines(bytes, { orgId: expected.orgId, date: expected.date, keys }, (line) => state.take(line));
    return state.finish();
  } catch (error) {
    if (error instanceof BackupInvalid) return { ok: false, reason: error.reason };
    throw error;
  }
}

/** The per-line state of a check: position in the sections, counts, the audit chain. */
class LineCheck {
  private index = -1;
  private trailer: Record<string, unknown> | undefined;
  private readonly counts = Object.fromEntries(BACKUP_SECTIONS.map((s) => [s, 0])) as Record<BackupSection, number>;
  private readonly rows: BackupRows | undefined;
  private seq = 0;
  private hash = GENESIS;
  private sawHeader = false;

  private readonly expected: ExpectedBackup;

  constructor(expected: ExpectedBackup, collect: boolean) {
    this.expected = expected;
    this.rows = collect ? (Object.fromEntries(BACKUP_SECTIONS.map((s) => [s, []])) as unknown as BackupRows) : undefined;
  }

  take(value: unknown): void {
    if (!isLine(value) || this.trailer !== undefined) throw new BackupInvalid("unexpected_section");
    if (!this.sawHeader) {
      if (value.s !== HEADER_SECTION) throw new BackupInvalid("unexpected_section");
      if (value.r.org_id !== this.expected.orgId) throw new BackupInvalid("wrong_org");
      if (value.r.date !== this.expected.date) throw new BackupInvalid("wrong_date");
      this.sawHeader = true;
      return;
    }
    if (value.s === TRAILER_SECTION) {
      this.trailer = value.r;
      return;
    }
    // Sections only move forward: a row of an earlier section after a later one is out of order.
    const at = BACKUP_SECTIONS.indexOf(value.s as BackupSection);
    if (at < this.index || at === -1) throw new BackupInvalid("unexpected_section");
    this.index = at;
    const section = value.s as BackupSection;
    this.counts[section] += 1;
    if (section === "audit_entries") this.chain(value.r);
    if (section === "evidence_files" && !(typeof value.r.sha256 === "string" && SHA256.test(value.r.sha256)))
      throw new BackupInvalid("bad_file_checksum");
    this.rows?.[section].push(value.r);
  }

  private chain(entry: Record<string, unknown>): void {
    if (Number(entry.seq) !== this.seq + 1 || entry.prev_hash !== this.hash || typeof entry.hash !== "string" || !SHA256.test(entry.hash))
      throw new BackupInvalid("audit_chain_broken");
    this.seq += 1;
    this.hash = entry.hash;
  }

  finish(): CheckResult {
    if (!this.sawHeader || this.trailer === undefined) throw new BackupInvalid("missing_trailer");
    const counts: unknown = this.trailer.counts;
    if (
      typeof counts !== "object" ||
      counts === null ||
      Object.keys(counts).length !== BACKUP_SECTIONS.length ||
      BACKUP_SECTIONS.some((s) => Number((counts as Record<string, unknown>)[s]) !== this.counts[s])
    )
      throw new BackupInvalid("count_mismatch");
    const head = this.trailer.audit_head as { seq?: unknown; hash?: unknown } | undefined;
    // The chain in the export ends at the head the database had: the trailer's, and the row's (recorded apart from the object).
    if (
      Number(head?.seq) !== this.seq ||
      head?.hash !== this.hash ||
      this.seq !== this.expected.auditHeadSeq ||
      this.hash !== this.expected.auditHeadHash
    )
      throw new BackupInvalid("audit_head_mismatch");
    return { ok: true, counts: this.counts, ...(this.rows === undefined ? {} : { rows: this.rows }) };
  }
}
