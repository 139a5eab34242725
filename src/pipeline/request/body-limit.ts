/**
 * P3 / stage 3: each route's body limit (413 beyond it). hono/body-limit refuses
 * on Content-Length alone when the length is declared, and otherwise counts a
 * streamed (chunked) body while reading it, stopping at the limit: a body is
 * never buffered beyond the route's limit.
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";

/** Limit for routes that do not declare one: JSON documents are small. */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

/**
 * Refuses bodies larger than `maxBytes` with 413 `payload_too_large`.
 *
 * @example
 * ```ts
 * limitBody(16 * 1024);
 * ```
 */
export function limitBody(maxBytes: number = DEFAULT_BODY_LIMIT): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError("payload_too_large", { detail: `The body of this route is limited to ${maxBytes} bytes.` });
    },
  });
}
