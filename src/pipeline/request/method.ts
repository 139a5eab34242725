/**
 * P3 / stage 3, route match: Hono matches; when nothing matches, this decides
 * between 404 (no route has the path) and 405 (the path exists with other
 * methods). The index is derived from the routes actually registered, once, so
 * `Allow` can never drift from the router.
 */
import type { NotFoundHandler } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import type { AppEnv } from "../../context";
import { problem } from "../../http/problem";

/** Methods per path pattern, as registered. */
export interface MethodIndex {
  /** The `Allow` value for `path`, or `undefined` when no route has this path. */
  allowFor(path: string): string | undefined;
}

/** A registered route, as Hono lists it in `app.routes`. */
export interface RegisteredRoute {
  readonly method: string;
  readonly path: string;
}

// `app.use()` middleware is registered under this pseudo-method; it is not a route.
const MIDDLEWARE = "ALL";

/**
 * Builds the index from `app.routes`, after every module is mounted.
 *
 * @example
 * ```ts
 * app.notFound(routeNotMatched(buildMethodIndex(app.routes)));
 * ```
 */
export function buildMethodIndex(routes: readonly RegisteredRoute[]): MethodIndex {
  const byPath = new Map<string, Set<string>>();
  for (const route of routes) {
    if (route.method === MIDDLEWARE) continue;
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(route.method.toUpperCase());
    byPath.set(route.path, methods);
  }
  const router = new TrieRouter<ReadonlySet<string>>();
  for (const [path, methods] of byPath) router.add(MIDDLEWARE, path, methods);
  return {
    allowFor(path) {
      const [matches] = router.match(MIDDLEWARE, path);
      if (matches.length === 0) return undefined;
      const allowed = new Set<string>();
      for (const [methods] of matches) for (const method of methods) allowed.add(method);
      // Hono answers HEAD with the GET route.
      if (allowed.has("GET")) allowed.add("HEAD");
      return [...allowed].sort().join(", ");
    },
  };
}

/**
 * The app's `notFound`: 404 `not_found`, or 405 `method_not_allowed` with `Allow`.
 */
export function routeNotMatched(index: MethodIndex): NotFoundHandler<AppEnv> {
  return function routeNotMatched(c) {
    const allow = index.allowFor(c.req.path);
    if (allow === undefined) return problem(c, "not_found");
    return problem(c, "method_not_allowed", { detail: `Allowed methods: ${allow}.`, headers: { Allow: allow } });
  };
}
