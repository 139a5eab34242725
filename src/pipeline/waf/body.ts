/**
 * The body, read for inspection without ever buffering past a bound (the
 * smaller of the inspection cap and the route's body limit), and handed on
 * intact: the later body stages read the same bytes from a fresh Request.
 * - Content-Length above the bound: nothing is read; the body is not inspected
 *   (the route's limit refuses it with 413, or the route declared a limit above
 *   the cap and its body beyond the cap is its own business).
 * - Otherwise the stream is read up to bound + 1 bytes; if it ended, the bytes are
 *   inspected and the request is rebuilt around them; if not (a chunked body over
 *   the bound), what was read is put back in front of the rest of the stream and
 *   nothing is inspected: the body-limit stage then counts it and answers 413.
 */

/** Bytes of a body the WAF inspects at most; the default route body limit. */
export const WAF_INSPECTION_CAP = 64 * 1024;

/** The inspected text (or `undefined`) and the request later stages must read instead. */
export interface ReadBody {
  readonly text: string | undefined;
  readonly request: Request;
}

const decoder = new TextDecoder();

/** Reads `request`'s body up to `bound` bytes. */
export async function readBodyBounded(request: Request, bound: number): Promise<ReadBody> {
  const stream = request.body;
  if (stream === null) return { text: undefined, request };
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d{1,15}$/.test(declared) && Number(declared) > bound) return { text: undefined, request };
  // workers-types leave a request body's chunk type open; it is bytes.
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > bound) {
      // Over the bound: hand the bytes read so far, then the rest, on unchanged.
      const replay = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
        },
        async pull(controller) {
          const next = await reader.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        },
        cancel(reason) {
          return reader.cancel(reason);
        },
      });
      return { text: undefined, request: new Request(request, { body: replay }) };
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { text: decoder.decode(bytes), request: new Request(request, { body: bytes }) };
}
