/**
 * P15 (refuses): the restore check fails, with its reason code, for every way a backup
 * can be damaged or swapped: a flipped byte, a truncated object, segments reordered or
 * dropped, another organization's object under this one's key (as is, or with its header
 * rewritten), a broken audit chain, a chain that does not end at the recorded head. Each
 * failure is recorded on the row and as the organization's `backup_restore_check_failed`
 * event. Through the `backup_check` job where a stored object can show it; the segment
 * cases need objects larger than a segment, built with the production sealer.
 */
import { describe, expect, it } from "vitest";
import { BACKUP_SECTIONS, checkBackup, HEADER_SECTION } from "../../src/modules/backups/backups.check";
import { SEGMENT_BYTES, sealBackup, type SealedBackup } from "../../src/modules/backups/backups.format";
import { backupKeys, backupsBucket, objectBytes, replaceObject, runBackup, runCheck, today, type StoredBackup } from "../helpers/backups";
import { ownerQuery } from "../helpers/identity-ip";
import { orgEventDetails } from "../helpers/members";
import { orgOf, person } from "../helpers/orgs";
import { createRecord } from "../helpers/records";

/** An organization with a few records and its passed backup of today. */
async function backedUp(): Promise<StoredBackup> {
  const owner = await person("tamper");
  const orgId = await orgOf(owner);
  await createRecord(orgId, "risks", owner.token);
  await createRecord(orgId, "controls", owner.token);
  const row = await runBackup(orgId);
  expect(row.check_state).toBe("passed");
  return row;
}

async function failsWith(row: StoredBackup, reason: string): Promise<void> {
  const after = await runCheck(row);
  expect(after).toMatchObject({ check_state: "failed", check_reason: reason });
  expect(await orgEventDetails(row.org_id, "backup_restore_check_failed")).toEqual(
    expect.arrayContaining([expect.objectContaining({ backup_id: row.id, reason })]),
  );
}

const bytesOf = async (row: StoredBackup): Promise<Uint8Array> => {
  const bytes = await objectBytes(row.object_key);
  if (bytes === null) throw new Error("object missing");
  return bytes;
};

/** The byte offsets where each segment starts (after the header), and the end. */
function segmentStarts(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  let at = 8 + view.getUint32(4);
  while (at < bytes.byteLength) {
    starts.push(at);
    at += 4 + 12 + view.getUint32(at);
  }
  starts.push(bytes.byteLength);
  return starts;
}

describe("P15 (refuses): a damaged backup fails its restore check", () => {
  it("P15 (refuses): a flipped byte: checksum_mismatch (the row's SHA-256), and with the row fixed to match, decrypt_failed (GCM)", async () => {
    const row = await backedUp();
    const bytes = await bytesOf(row);
    const flipped = bytes.slice();
    const at = segmentStarts(bytes)[0]! + 40;
    flipped[at] = (flipped[at] ?? 0) ^ 0x01;
    await replaceObject(row, flipped, false);
    await failsWith(row, "checksum_mismatch");
    await replaceObject(row, flipped, true);
    await failsWith(row, "decrypt_failed");
  });

  it("P15 (refuses): a truncated object: size_mismatch, and with the row fixed, truncated (cut in a segment, or after the header)", async () => {
    const row = await backedUp();
    const bytes = await bytesOf(row);
    await replaceObject(row, bytes.slice(0, bytes.byteLength - 100), false);
    await failsWith(row, "size_mismatch");
    await replaceObject(row, bytes.slice(0, bytes.byteLength - 100), true);
    await failsWith(row, "truncated");
    await replaceObject(row, bytes.slice(0, segmentStarts(bytes)[0]), true);
    await failsWith(row, "truncated");
  });

  it("P15 (refuses), P12: another organization's object copied under this one's key fails: wrong_org, and with its header rewritten, decrypt_failed", async () => {
    const [mine, theirs] = await Promise.all([backedUp(), backedUp()]);
    const foreign = await bytesOf(theirs);
    await replaceObject(mine, foreign, true);
    await failsWith(mine, "wrong_org");
    // The header claims this organization: the key and the additional data are still the other one's.
    const text = new TextDecoder("latin1").decode(foreign).replace(theirs.org_id, mine.org_id);
    const forged = Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    await replaceObject(mine, forged, true);
    await failsWith(mine, "decrypt_failed");
  });

  it("P15 (refuses): an object that is gone: object_missing; a chain that does not end at the recorded head: audit_head_mismatch", async () => {
    const row = await backedUp();
    await ownerQuery("update backups set audit_head_hash = $2 where id = $1", [row.id, "f".repeat(64)]);
    await failsWith(row, "audit_head_mismatch");
    await backupsBucket().delete(row.object_key);
    await failsWith(row, "object_missing");
  });
});

describe("P15 (refuses): segments and lines, with the production sealer", () => {
  const orgId = crypto.randomUUID();
  const date = today();
  const GENESIS = "0".repeat(64);
  const hash = (n: number) => n.toString(16).padStart(64, "0");

  /** Lines of a valid export whose audit chain has `entries` entries; `noise` incompressible bytes make it span segments. */
  function exportLines(entries: number, noise: number, mutate?: (lines: object[]) => void): string[] {
    const random = new Uint8Array(noise);
    for (let i = 0; i < noise; i += 65_536) crypto.getRandomValues(random.subarray(i, i + 65_536));
    const chunks: string[] = [];
    for (let i = 0; i < noise; i += 30_000) chunks.push(btoa(String.fromCharCode(...random.subarray(i, i + 30_000))));
    const risks = chunks.map((c, i) => ({ s: "risks", r: { id: `r${i}`, title: c } }));
    const audit = Array.from({ length: entries }, (_, i) => ({
      s: "audit_entries",
      r: { seq: i + 1, prev_hash: i === 0 ? GENESIS : hash(i), hash: hash(i + 1) },
    }));
    const lines: object[] = [
      { s: HEADER_SECTION, r: { org_id: orgId, date } },
      { s: "organization", r: { id: orgId } },
      ...risks,
      ...audit,
    ];
    mutate?.(lines);
    const counts: Record<string, number> = {};
    for (const line of lines.slice(1) as { s: string }[]) counts[line.s] = (counts[line.s] ?? 0) + 1;
    const all = Object.fromEntries(BACKUP_SECTIONS.map((s) => [s, counts[s] ?? 0]));
    lines.push({ s: "trailer", r: { counts: all, audit_head: { seq: entries, hash: entries === 0 ? GENESIS : hash(entries) } } });
    return lines.map((l) => JSON.stringify(l));
  }

  const expected = async (sealed: Uint8Array, entries: number) => ({
    orgId,
    date,
    size: sealed.byteLength,
    sha256: [...new Uint8Array(await crypto.subtle.digest("SHA-256", sealed))].map((b) => b.toString(16).padStart(2, "0")).join(""),
    auditHeadSeq: entries,
    auditHeadHash: entries === 0 ? GENESIS : hash(entries),
  });
  const seal = (lines: string[]): Promise<SealedBackup> => sealBackup(lines, { orgId, date, keys: backupKeys() });
  const check = async (bytes: Uint8Array, entries = 3) => checkBackup(bytes, await expected(bytes, entries), backupKeys());

  it("P15: a valid export of three segments passes", async () => {
    const sealed = await seal(exportLines(3, Math.round(SEGMENT_BYTES * 2.2)));
    expect(sealed.segments).toBe(3);
    expect(await check(sealed.bytes)).toMatchObject({ ok: true });
  });

  it("P15 (refuses): two segments swapped: decrypt_failed; the final segment dropped: truncated; bytes after it: trailing_data", async () => {
    const sealed = await seal(exportLines(3, Math.round(SEGMENT_BYTES * 2.2)));
    const starts = segmentStarts(sealed.bytes);
    const [a, b, c, end] = starts as [number, number, number, number];
    const part = (from: number, to: number) => sealed.bytes.subarray(from, to);
    const join = (...parts: Uint8Array[]) => {
      const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.byteLength;
      }
      return out;
    };
    expect(await check(join(part(0, a), part(b, c), part(a, b), part(c, end)))).toEqual({ ok: false, reason: "decrypt_failed" });
    expect(await check(join(part(0, a), part(a, b), part(b, c)))).toEqual({ ok: false, reason: "truncated" });
    expect(await check(join(sealed.bytes, part(a, b)))).toEqual({ ok: false, reason: "trailing_data" });
  });

  it("P15 (refuses): a broken audit chain (a gap, a wrong prev_hash) and counts that differ from the trailer's", async () => {
    const gap = await seal(exportLines(3, 10, (lines) => lines.splice(4, 1)));
    expect(await check(gap.bytes)).toEqual({ ok: false, reason: "audit_chain_broken" });
    const relinked = await seal(
      exportLines(3, 10, (lines) => {
        (lines[5] as { r: { prev_hash: string } }).r.prev_hash = hash(7);
      }),
    );
    expect(await check(relinked.bytes)).toEqual({ ok: false, reason: "audit_chain_broken" });
    const lines = exportLines(3, 10);
    const trailer = JSON.parse(lines.at(-1)!) as { r: { counts: Record<string, number> } };
    trailer.r.counts.risks = 99;
    const miscounted = await seal([...lines.slice(0, -1), JSON.stringify(trailer)]);
    expect(await check(miscounted.bytes)).toEqual({ ok: false, reason: "count_mismatch" });
    const noTrailer = await seal(lines.slice(0, -1));
    expect(await check(noTrailer.bytes)).toEqual({ ok: false, reason: "missing_trailer" });
  });

  it("P15 (refuses): sealed under a key version this deployment does not hold: unknown_key", async () => {
    const other = [{ version: "v9", raw: crypto.getRandomValues(new Uint8Array(32)) }];
    const sealed = await sealBackup(exportLines(3, 10), { orgId, date, keys: other });
    expect(await check(sealed.bytes)).toEqual({ ok: false, reason: "unknown_key" });
  });
});
