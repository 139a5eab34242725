/**
 * The request id. A well-formed incoming `X-Request-Id` (letters, digits, `_`,
 * `-` and `=`, at most 128) is echoed so a caller can correlate; anything else
 * (too long, other characters, CR/LF smuggling) is replaced by a fresh UUID. The
 * id goes on every response, every problem body and every log line.
 */

/** Header carrying the id, in and out. */
export const REQUEST_ID_HEADER = "X-Request-Id";
/** Longest incoming id that is echoed; longer ones are replaced. */
export const REQUEST_ID_MAX_LENGTH = 128;

const WELL_FORMED = /^[\w=-]{1,128}$/;

/**
 * The id for a request, from its incoming header value.
 *
 * @example
 * ```ts
 * resolveRequestId("abc-123"); // "abc-123"
 * resolveRequestId("bad\r\nid"); // a fresh UUID
 * ```
 */
export function resolveRequestId(incoming: string | null): string {
  return incoming !== null && WELL_FORMED.test(incoming) ? incoming : crypto.randomUUID();
}
