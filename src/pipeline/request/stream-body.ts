/**
 * P3 / stage 3 for a route whose body is a file handed to its handler as a stream
 * (`defineRoute(route, { body: "stream" })`): nothing reads or buffers it before the
 * handler, so it is bounded by what the request declares. Content-Length is required
 * (411 `length_required`: a chunked body of unknown length is refused, never counted
 * while buffered) and must be within the route's limit (413); the runtime ends the
 * stream at that length. The handler checks the bytes themselves (their type, size
 * and checksum) as they stream.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";

const LENGTH = /^\d{1,15}$/;

/**
 * Requires a declared body length of at most `maxBytes`.
 *
 * @example
 * ```ts
 * streamedBody(5 * 1024 ** 3);
 * ```
 */
export function streamedBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async function streamedBody(c, next) {
    const declared = c.req.header("content-length");
    if (declared === undefined || !LENGTH.test(declared) || c.req.header("transfer-encoding") !== undefined) {
      throw new AppError("length_required");
    }
    if (Number(declared) > maxBytes) {
      throw new AppError("payload_too_large", { detail: `The body of this route is limited to ${maxBytes} bytes.` });
    }
    await next();
  };
}
