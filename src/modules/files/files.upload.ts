/**
 * An upload, streamed to R2 (P14): ONE loop reads the request's body chunk by chunk and
 * writes it to a FixedLengthStream of the declared size, which R2 reads as it arrives
 * (R2 needs the length up front). On the way, each chunk is counted and fed to a SHA-256
 * digest (workerd's DigestStream), the file's first bytes are held back until they prove
 * its media type (files.sniff.ts), and the last chunk until the digest matched. Nothing
 * buffers the file: each write waits for R2 to take the previous bytes, so backpressure
 * runs from R2 back to the client and memory stays flat whatever the size (the bench
 * measures it). Any mismatch aborts the stream before its end, and R2, whose writes are
 * atomic, stores nothing; R2 also checks the declared SHA-256 itself.
 *
 * An object is written only where none exists (`If-None-Match: *`), so a replayed upload
 * URL never overwrites a stored file: its bytes are compared with the stored object's
 * size and checksum instead.
 */
import { toHex as hex } from "./files.hex";
import { matchesMediaType, sniffLength } from "./files.sniff";
import type { UploadTerms } from "./files.urls";

/** Why the bytes were refused: they are not what was declared. */
export type UploadMismatch = "size_mismatch" | "checksum_mismatch" | "file_type_mismatch";

/** How an upload ended. */
export type UploadOutcome =
  | { readonly kind: "stored" }
  /** The object already existed with exactly the declared size and checksum (a repeated upload). */
  | { readonly kind: "already_stored" }
  | { readonly kind: "refused"; readonly mismatch: UploadMismatch }
  /** The stream or R2 failed (the client went away, R2 refused): not the file's fault. */
  | { readonly kind: "failed"; readonly error: unknown };

/** Aborts the stream R2 reads: R2 then stores nothing. */
class Mismatch extends Error {
  override readonly name = "Mismatch";
  readonly mismatch: UploadMismatch;
  constructor(mismatch: UploadMismatch) {
    super(mismatch);
    this.mismatch = mismatch;
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * The checks of one upload: `take` each chunk (it answers what may be passed on, or the
 * mismatch), then `finish`. The last chunk is always held back until `finish` has
 * verified the whole file: R2 never receives the declared length's last byte unless the
 * file matched (so nothing can be committed before the checksum is known).
 */
class UploadCheck {
  private readonly terms: UploadTerms;
  private readonly digest = new crypto.DigestStream("SHA-256");
  private readonly digesting = this.digest.getWriter();
  private readonly need: number;
  /** Before the sniff, the first bytes; after it, the last chunk. */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private sniffed = false;
  private seen = 0;

  constructor(terms: UploadTerms) {
    this.terms = terms;
    this.need = Math.min(sniffLength(terms.mediaType), terms.size);
    // Read in finish; an abandoned upload aborts it, and that rejection is no error of its own.
    this.digest.digest.catch(() => undefined);
  }

  /** The first `need` bytes decide; they are the whole file when it is that short. */
  private sniffs(): boolean {
    const head = concat(this.held, this.heldBytes).subarray(0, this.need);
    this.sniffed = matchesMediaType(this.terms.mediaType, head, this.need === this.terms.size);
    return this.sniffed;
  }

  take(chunk: Uint8Array): Uint8Array[] | Mismatch {
    this.seen += chunk.byteLength;
    if (this.seen > this.terms.size) return new Mismatch("size_mismatch");
    // The digest runs as the bytes are written to it; a failure would surface when it is closed (finish).
    this.digesting.write(chunk).then(undefined, () => undefined);
    if (this.sniffed) {
      const released = this.held;
      this.held = [chunk];
      return released;
    }
    this.held.push(chunk);
    this.heldBytes += chunk.byteLength;
    if (this.heldBytes < this.need) return [];
    if (!this.sniffs()) return new Mismatch("file_type_mismatch");
    // All but the last chunk go on.
    const released = this.held.slice(0, -1);
    this.held = this.held.slice(-1);
    return released;
  }

  async finish(): Promise<Uint8Array[] | Mismatch> {
    if (this.seen !== this.terms.size) return new Mismatch("size_mismatch");
    if (!this.sniffed && !this.sniffs()) return new Mismatch("file_type_mismatch");
    await this.digesting.close();
    return hex(await this.digest.digest) === this.terms.sha256 ? this.held : new Mismatch("checksum_mismatch");
  }

  abandon(): void {
    // Aborting a digest already closed or failed rejects: it is gone either way.
    this.digesting.abort().then(undefined, () => undefined);
  }
}

/** Bytes read from the body at once: at least the first (unless it ends), at most the second. */
const READ_MIN = 64 * 1024;
const READ_MAX = 256 * 1024;
/** Bytes that may wait for R2 in the FixedLengthStream: R2 reads while the next chunk arrives. */
export const IN_FLIGHT_BYTES = 1024 * 1024;

/** A reader of the body's chunks, in large reads where the stream allows it (a byte stream: BYOB). */
function chunksOf(body: ReadableStream<Uint8Array>): { next: () => Promise<Uint8Array | undefined>; cancel: () => void } {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream (a stream built in JS): read it as it comes.
  }
  if (byob !== undefined) {
    const reader = byob;
    return {
      next: async () => {
        const read = await reader.readAtLeast(READ_MIN, new Uint8Array(READ_MAX));
        return read.value !== undefined && read.value.byteLength > 0 ? read.value : read.done ? undefined : new Uint8Array(0);
      },
      cancel: () => void reader.cancel().then(undefined, () => undefined),
    };
  }
  const reader = body.getReader();
  return {
    next: async () => {
      const read = await reader.read();
      return read.done ? undefined : read.value;
    },
    cancel: () => void reader.cancel().then(undefined, () => undefined),
  };
}

/**
 * Reads `body` into `sized`, checked; closes it only when everything matched, else aborts
 * it (with the mismatch, or the body's own failure). Answers the mismatch, if any.
 */
async function pump(
  body: ReadableStream<Uint8Array>,
  sized: WritableStream<Uint8Array>,
  check: UploadCheck,
): Promise<Mismatch | undefined> {
  const chunks = chunksOf(body);
  const writer = sized.getWriter();
  let failure: unknown;
  // Writes are not awaited one by one, only the room for them (`ready`): R2 takes one chunk while the
  // next is read. A failed write is kept and ends the loop at the next `ready` or the close.
  const send = (chunk: Uint8Array): void => {
    writer.write(chunk).then(undefined, (error: unknown) => {
      failure ??= error;
    });
  };
  try {
    for (;;) {
      const chunk = await chunks.next();
      if (chunk !== undefined && chunk.byteLength === 0) continue;
      const passed = chunk === undefined ? await check.finish() : check.take(chunk);
      if (passed instanceof Mismatch) {
        failure = passed;
        break;
      }
      for (const part of passed) {
        await writer.ready;
        send(part);
      }
      if (failure !== undefined) break;
      if (chunk === undefined) {
        await writer.close();
        return undefined;
      }
    }
  } catch (error) {
    // The body failed (the client went away) or R2 stopped reading: nothing is stored.
    failure ??= error;
  }
  check.abandon();
  chunks.cancel();
  await writer.abort(failure instanceof Error ? failure : new Error("upload failed")).then(undefined, () => undefined);
  return failure instanceof Mismatch ? failure : undefined;
}

/**
 * Streams `body` into `bucket` under `key` if it is exactly what `terms` declare.
 *
 * @example
 * ```ts
 * const outcome = await storeUpload(c.env.EVIDENCE, key, c.req.raw.body, terms);
 * ```
 */
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  terms: UploadTerms,
): Promise<UploadOutcome> {
  const sized = new FixedLengthStream(terms.size, { highWaterMark: IN_FLIGHT_BYTES });
  const pumping = pump(body, sized.writable, new UploadCheck(terms));
  const put = await bucket
    .put(key, sized.readable, {
      httpMetadata: { contentType: terms.mediaType },
      sha256: terms.sha256,
      onlyIf: new Headers({ "if-none-match": "*" }),
    })
    .then(
      (object) => ({ ok: true as const, object }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  // R2 answers only after it read the body to its end (a failed precondition too), or after it stopped
  // reading it (an error), which fails the pump's next write: the pump is done or about to be.
  const mismatch = await pumping;
  if (mismatch !== undefined) return { kind: "refused", mismatch: mismatch.mismatch };
  if (!put.ok) return { kind: "failed", error: put.error };
  if (put.object !== null) return { kind: "stored" };
  const existing = await bucket.head(key);
  const checksum = existing?.checksums.sha256;
  return existing !== null && existing.size === terms.size && checksum !== undefined && hex(checksum) === terms.sha256
    ? { kind: "already_stored" }
    : { kind: "refused", mismatch: "checksum_mismatch" };
}
