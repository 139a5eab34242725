/**
 * The HIBP range stand-in's data: SHA-1 hashes of the common-password list of
 * `@zxcvbn-ts/language-common` (most common first, so a count that falls with the
 * rank) plus the fixed breached test passwords, grouped by the 5-hex-digit prefix
 * the range API is queried with. Built once, on first use (about 49k hashes).
 */
import { createHash, randomBytes } from "node:crypto";
import { dictionary } from "@zxcvbn-ts/language-common";
import { BREACHED_TEST_PASSWORD_COUNT, BREACHED_TEST_PASSWORDS } from "./test-passwords.ts";

/** One line of a range answer: the last 35 hex digits of a SHA-1 and how often it was seen. */
export interface RangeEntry {
  readonly suffix: string;
  readonly count: number;
}

interface BreachTable {
  /** Prefix (5 uppercase hex) → entries sorted by suffix. */
  readonly byPrefix: ReadonlyMap<string, readonly RangeEntry[]>;
  /** Full uppercase SHA-1 → count. */
  readonly byHash: ReadonlyMap<string, number>;
}

/** The count the stand-in gives the common password at `rank` (0 = most common). */
export function countForRank(rank: number): number {
  return Math.max(1, 1_000_000 - rank * 10);
}

/** Uppercase hex SHA-1 of a password's UTF-8 bytes, as the range API hashes it. */
export function sha1Hex(password: string): string {
  return createHash("sha1").update(password, "utf8").digest("hex").toUpperCase();
}

let table: BreachTable | undefined;

function buildTable(): BreachTable {
  const byHash = new Map<string, number>();
  dictionary["passwords-common"].forEach((password, rank) => {
    const hash = sha1Hex(password);
    if (!byHash.has(hash)) byHash.set(hash, countForRank(rank));
  });
  for (const password of BREACHED_TEST_PASSWORDS) {
    const hash = sha1Hex(password);
    if (!byHash.has(hash)) byHash.set(hash, BREACHED_TEST_PASSWORD_COUNT);
  }
  const byPrefix = new Map<string, RangeEntry[]>();
  for (const [hash, count] of byHash) {
    const prefix = hash.slice(0, 5);
    const list = byPrefix.get(prefix) ?? [];
    list.push({ suffix: hash.slice(5), count });
    byPrefix.set(prefix, list);
  }
  for (const list of byPrefix.values()) list.sort(bySuffix);
  return { byPrefix, byHash };
}

const bySuffix = (a: RangeEntry, b: RangeEntry): number => (a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0);

/** Builds the table now (the launcher calls it so the first request does not pay for it). */
export function loadBreachTable(): void {
  table ??= buildTable();
}

/** How often the stand-in says `password` was seen in breaches; 0 when it is not in its data. */
export function breachCount(password: string): number {
  table ??= buildTable();
  return table.byHash.get(sha1Hex(password)) ?? 0;
}

/** Whether the stand-in answers `password` as breached (its SHA-1 suffix appears with a count > 0). */
export function isBreached(password: string): boolean {
  return breachCount(password) > 0;
}

/** The real entries for a prefix (5 uppercase hex digits), sorted by suffix. */
export function rangeEntries(prefix: string): readonly RangeEntry[] {
  table ??= buildTable();
  return table.byPrefix.get(prefix) ?? [];
}

/**
 * `entries` padded with random count-0 suffixes up to `total` lines (never below the
 * real ones), sorted by suffix so the padding is indistinguishable by position.
 */
export function padEntries(entries: readonly RangeEntry[], total: number): RangeEntry[] {
  const taken = new Set(entries.map((e) => e.suffix));
  const padded = [...entries];
  while (padded.length < total) {
    const suffix = randomBytes(18).toString("hex").slice(0, 35).toUpperCase();
    if (taken.has(suffix)) continue;
    taken.add(suffix);
    padded.push({ suffix, count: 0 });
  }
  return padded.sort(bySuffix);
}
