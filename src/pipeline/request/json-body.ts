/**
 * Stage 3: parses a JSON body once, so invalid JSON is a 400 `invalid_json`
 * rather than a validation error. The parsed value stays in Hono's body cache,
 * where the zod validator reads it without parsing again.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";

/**
 * Refuses a body that is not valid JSON (an empty body included).
 *
 * @example
 * ```ts
 * parseJsonBody();
 * ```
 */
export function parseJsonBody(): MiddlewareHandler<AppEnv> {
  return async function parseJsonBody(c, next) {
    try {
      await c.req.json<unknown>();
    } catch (cause) {
      // The client's mistake, not ours: a 400 with no parser text, cause kept for debugging.
      throw new AppError("invalid_json", { cause });
    }
    await next();
  };
}
