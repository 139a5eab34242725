/**
 * Stage 1: the request id. A well-formed incoming `X-Request-Id` (word characters,
 * `-` and `=`, at most 128 of them; hono/request-id checks) is echoed so a caller
 * can correlate; anything else (too long, other characters, CR/LF smuggling) is
 * replaced by a fresh UUID. The id is put on every response, including ones a
 * handler built by hand, and on every problem body and log line.
 */
import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { AppEnv } from "../../env";

/** Header carrying the id, in and out. */
export const REQUEST_ID_HEADER = "X-Request-Id";
/** Longest incoming id that is echoed; longer ones are replaced. */
export const REQUEST_ID_MAX_LENGTH = 128;

/**
 * The request id stage (outermost: it sees every response last).
 *
 * @example
 * ```ts
 * app.use(requestIdStage());
 * ```
 */
export function requestIdStage(): MiddlewareHandler<AppEnv> {
  const assign = requestId({ limitLength: REQUEST_ID_MAX_LENGTH, headerName: REQUEST_ID_HEADER });
  return async function requestIdStage(c, next) {
    await assign(c, next);
    // A handler that returned `new Response(...)` bypassed the prepared headers.
    const id = c.get("requestId");
    if (c.res.headers.get(REQUEST_ID_HEADER) !== id) c.res.headers.set(REQUEST_ID_HEADER, id);
  };
}
