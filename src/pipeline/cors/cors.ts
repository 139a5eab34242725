/**
 * CORS for the browser app (hono/cors): only the origins in CORS_ORIGINS, with
 * credentials (the refresh cookie), and a preflight that names the methods the
 * requested path really has (from the routes registered, like 405's `Allow`), so a
 * browser is never told a method exists that the API would refuse. Any other
 * origin gets no Access-Control-Allow-Origin, and the browser withholds the response.
 * Requests without an Origin (servers, mobile apps) skip the stage entirely.
 */
import type { Context, MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import type { AppEnv } from "../../context";
import type { MethodIndex } from "../request";

/** Request headers a browser app may send. */
const ALLOW_HEADERS = ["Authorization", "Content-Type", "X-Request-Id", "If-Match"];
/** Response headers a browser app may read. */
const EXPOSE_HEADERS = ["X-Request-Id", "RateLimit", "RateLimit-Policy", "Retry-After", "ETag", "WWW-Authenticate"];
/** How long a browser may cache a preflight answer. */
const MAX_AGE_SECONDS = 600;

/**
 * The CORS stage; `methods` is read per preflight, so it may be filled once the
 * modules are mounted.
 *
 * @example
 * ```ts
 * app.use(cors(() => methodIndex));
 * ```
 */
export function cors(methods: () => MethodIndex | undefined): MiddlewareHandler<AppEnv> {
  const handler = honoCors({
    origin: (origin, c: Context<AppEnv>) => (c.env.edge.config.identity.corsOrigins.includes(origin) ? origin : null),
    allowMethods: (_origin, c) => (methods()?.allowFor(c.req.path) ?? "").split(", ").filter((m) => m !== ""),
    allowHeaders: ALLOW_HEADERS,
    exposeHeaders: EXPOSE_HEADERS,
    maxAge: MAX_AGE_SECONDS,
    credentials: true,
  });
  // Only browsers send Origin: every other request skips the CORS work (and its headers).
  return function cors(c, next) {
    return c.req.raw.headers.has("origin") ? handler(c, next) : next();
  };
}
