/**
 * The request line and headers, read from the runtime once per request. Every
 * read of `url`, `method` or a header is a call into the runtime (workerd builds
 * a new string each time), so the edge reads them here, once, and hands the
 * result to the stages before routing (transport check, WAF) instead of each
 * stage reading them again.
 */

/** One header as the runtime holds it: lower-case name, values of one name joined by `, `. */
export type HeaderEntry = readonly [name: string, value: string];

/** What the stages before routing read of a request. */
export interface RequestHead {
  readonly url: string;
  readonly method: string;
  /** Every header, in the runtime's order. */
  readonly headers: readonly HeaderEntry[];
}

/**
 * Reads `request`'s line and headers in four calls into the runtime (the headers, their
 * `forEach`, `url`, `method`).
 *
 * @example
 * ```ts
 * const head = readRequestHead(c.req.raw);
 * headerOf(head, "x-request-id");
 * ```
 */
export function readRequestHead(request: Request): RequestHead {
  const headers: HeaderEntry[] = [];
  // forEach, not the iterator: measured cheaper in workerd (one call, no iterator object).
  request.headers.forEach((value, name) => {
    headers.push([name, value]);
  });
  return { url: request.url, method: request.method, headers };
}

/** The value of header `name` (lower case), as `Headers.get` answers it; `null` when absent. */
export function headerOf(head: RequestHead, name: string): string | null {
  const headers = head.headers;
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i];
    if (header !== undefined && header[0] === name) return header[1];
  }
  return null;
}
