/**
 * The body, read whole for inspection or refused: the WAF never lets a body past
 * that it has not inspected (P3, "whatever exceeds an inspection limit is refused,
 * not skipped"). The bound is the smaller of the inspection cap and the route's
 * body limit; nothing is ever buffered beyond it.
 * - Content-Length above the bound: refused at once (413), nothing is read.
 * - Otherwise the stream is read, against a deadline (BODY_READ_TIMEOUT_MS), until
 *   it ends (the bytes are inspected and the request is rebuilt around them, so the
 *   later body stages read the same bytes) or passes the bound (413). A stream that
 *   stalls past the deadline is cancelled (408); one that fails (the client went
 *   away, a framing error) is a 400. Every refusal that is not the client's plain
 *   mistake is logged once at warning level, without a stack: it is not a bug.
 */
import { AppError } from "../../http/errors";
import { log } from "../../lib/log";

/** Bytes of a body the WAF inspects at most; the default route body limit. */
export const WAF_INSPECTION_CAP = 64 * 1024;

/** How a bounded read ended: the whole body, or why it was given up (`received`: bytes read by then). */
export type BodyRead =
  | { readonly kind: "read"; readonly text: string | undefined; readonly request: Request }
  | { readonly kind: "too_large"; readonly received: number }
  | { readonly kind: "timeout"; readonly received: number }
  | { readonly kind: "failed"; readonly received: number; readonly error: unknown };

/** A read that did not end with the whole body. */
export type BodyRefusal = Exclude<BodyRead, { kind: "read" }>;

const decoder = new TextDecoder();
const TIMED_OUT: unique symbol = Symbol("timed out");
const DECLARED_LENGTH = /^\d{1,15}$/;

/** Cancels a stream the WAF gives up on; what is still in flight is dropped, never handed on. */
function drop(reader: ReadableStreamDefaultReader<Uint8Array>, reason: string): void {
  reader.cancel(reason).then(undefined, () => {
    // Cancelling an already failed stream rejects: it is gone either way, nothing is left to release.
  });
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads `request`'s body, whole, if it fits in `bound` bytes and arrives within
 * `timeoutMs`. Never throws for what the client sent: every outcome is a {@link BodyRead}.
 *
 * @example
 * ```ts
 * const read = await readBodyBounded(c.req.raw, 64 * 1024, 10_000);
 * if (read.kind === "read") inspect(read.text);
 * ```
 */
export async function readBodyBounded(request: Request, bound: number, timeoutMs: number): Promise<BodyRead> {
  const stream = request.body;
  if (stream === null) return { kind: "read", text: undefined, request };
  const declared = request.headers.get("content-length");
  if (declared !== null && DECLARED_LENGTH.test(declared) && Number(declared) > bound) return { kind: "too_large", received: 0 };
  // workers-types leave a request body's chunk type open; it is bytes.
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  let timer: ReturnType<typeof setTimeout> | null = null;
  // One deadline for the whole body, not per chunk: a trickle of bytes cannot keep it open.
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs);
  });
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      // The race subscribes to the read: if it fails after the deadline won, its rejection is handled there.
      const next = await Promise.race([reader.read(), deadline]);
      if (next === TIMED_OUT) {
        drop(reader, "body read timed out");
        return { kind: "timeout", received: size };
      }
      if (next.done) break;
      chunks.push(next.value);
      size += next.value.byteLength;
      if (size > bound) {
        drop(reader, "body over the inspection bound");
        return { kind: "too_large", received: size };
      }
    }
  } catch (error) {
    // The client's stream failed (disconnect, bad framing): an outcome, not a bug.
    drop(reader, "body read failed");
    return { kind: "failed", received: size, error };
  } finally {
    clearTimeout(timer);
  }
  const bytes = concat(chunks, size);
  return { kind: "read", text: decoder.decode(bytes), request: new Request(request, { body: bytes }) };
}

/** What a refusal names in its log line and detail: the request, and the route's own body limit. */
export interface RefusalFacts {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly routeLimit: number;
}

/**
 * The client-facing error for a read that did not end with the whole body, after
 * logging it (timeouts and failures, one warning line, no stack; an over-long body
 * is the client's plain mistake and is not logged, like the body-limit stage's 413).
 *
 * @example
 * ```ts
 * if (read.kind !== "read") throw refuseBody(read, { requestId, method, path, routeLimit });
 * ```
 */
export function refuseBody(read: BodyRefusal, facts: RefusalFacts): AppError {
  switch (read.kind) {
    case "too_large":
      return new AppError("payload_too_large", {
        detail:
          facts.routeLimit > WAF_INSPECTION_CAP
            ? `The firewall inspects at most ${WAF_INSPECTION_CAP} bytes of a request body; send a smaller one.`
            : `The body of this route is limited to ${facts.routeLimit} bytes.`,
      });
    case "timeout":
      log.warn("body_read_timeout", {
        request_id: facts.requestId,
        method: facts.method,
        path: facts.path,
        bytes_received: read.received,
      });
      // The rest of the body may still arrive: the connection cannot carry another request.
      return new AppError("request_timeout", { headers: { Connection: "close" } });
    case "failed":
      log.warn("body_read_failed", {
        request_id: facts.requestId,
        method: facts.method,
        path: facts.path,
        bytes_received: read.received,
        // Name and message (the runtime's, e.g. "Network connection lost."), never the stack: not a bug.
        error: read.error instanceof Error ? `${read.error.name}: ${read.error.message.slice(0, 200)}` : typeof read.error,
      });
      return new AppError("bad_request", { detail: "The request body could not be read.", headers: { Connection: "close" } });
  }
}
