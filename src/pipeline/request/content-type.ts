/**
 * P3 / stage 3: a body must arrive with a media type its route declared (415
 * otherwise). A body without any Content-Type is refused too: guessing invites
 * content-sniffing confusion. Only UTF-8 is accepted as charset (README "API conventions").
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** True when the request carries a body (any framing), without reading it. */
export function hasBody(request: Request): boolean {
  return request.body !== null && request.headers.get("content-length") !== "0";
}

/**
 * Refuses a request whose body's media type is not one of `mediaTypes`.
 *
 * @example
 * ```ts
 * requireMediaType(["application/json"]);
 * ```
 */
export function requireMediaType(mediaTypes: readonly string[]): MiddlewareHandler<AppEnv> {
  const accepted = new Set(mediaTypes.map((t) => t.toLowerCase()));
  const expected = [...accepted].join(", ");
  return async function requireMediaType(c, next) {
    const header = c.req.header("content-type");
    if (header === undefined) {
      // No body and no type: the body parser decides whether the route needed one.
      if (!hasBody(c.req.raw)) {
        await next();
        return;
      }
      throw new AppError("unsupported_media_type", { detail: `Send the body as ${expected}.` });
    }
    const essence = (header.split(";", 1)[0] ?? "").trim().toLowerCase();
    const charset = CHARSET.exec(header)?.[1]?.toLowerCase();
    if (!accepted.has(essence) || (charset !== undefined && charset !== "utf-8")) {
      throw new AppError("unsupported_media_type", { detail: `Send the body as ${expected} (UTF-8).` });
    }
    await next();
  };
}
