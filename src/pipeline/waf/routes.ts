/**
 * Per-route WAF facts, declared next to each route (`defineRoute(route, { waf })`)
 * and collected once at createApp time, because the WAF runs before the router:
 * the body limit (the WAF never reads past it) and the route's exclusions.
 * An exclusion names fields and rule groups; it turns off exactly those groups
 * on exactly those fields of that route, nothing else.
 */
import { TrieRouter } from "hono/router/trie-router";
import type { ExclusionTest } from "./engine";
import { groupBit, type WafExclusion } from "./types";

/**
 * Key under which `defineRoute` stores a route's WAF facts on its definition. A
 * symbol survives the object spreads of the OpenAPI registry and never reaches
 * the served document (JSON has no symbol keys).
 */
export const WAF_ROUTE: unique symbol = Symbol("rampart.waf-route");

/** What `defineRoute` stores under {@link WAF_ROUTE}. */
export interface WafRouteFacts {
  readonly bodyLimit: number;
  readonly exclude: readonly WafExclusion[];
  /**
   * `opaque`: the route streams its body, a file, to its handler (`defineRoute`'s
   * `body: "stream"`): the body is not read or inspected; everything else is.
   */
  readonly body?: "opaque";
}

/** A route as the OpenAPI registry lists it, after mounting. */
export interface RegisteredDefinition {
  readonly type: string;
  readonly route?: { readonly method: string; readonly path: string; readonly [WAF_ROUTE]?: WafRouteFacts };
}

/** The route facts for a request, found by method and path. */
export interface WafRoute {
  readonly bodyLimit: number;
  /** The body is a file the route streams (see {@link WafRouteFacts}): not read here. */
  readonly opaqueBody: boolean;
  /** `undefined` when the route excludes nothing. */
  readonly excluded: ExclusionTest | undefined;
}

/** Finds the route of a request before the router does. */
export interface WafRouteIndex {
  match(method: string, path: string): WafRoute | undefined;
  /** Fills the index from the app's registry once every module is mounted. */
  build(definitions: readonly RegisteredDefinition[]): void;
}

/** The exclusions of a list, per target (see ExclusionTest); `undefined` when it excludes nothing. */
export function exclusionTest(exclude: readonly WafExclusion[]): ExclusionTest | undefined {
  if (exclude.length === 0) return undefined;
  // Per place, a field's name (lower case) → the groups excluded there, as a mask.
  const byField = { body: new Map<string, number>(), query: new Map<string, number>() };
  for (const rule of exclude) {
    const fields = byField[rule.in ?? "body"];
    let mask = 0;
    for (const group of rule.groups) mask |= groupBit(group);
    for (const field of rule.fields) fields.set(field.toLowerCase(), (fields.get(field.toLowerCase()) ?? 0) | mask);
  }
  return (target) => {
    // Field names of a body are JSON keys or form fields; names (keys) themselves are never excluded.
    const fields = target.kind === "body" ? byField.body : target.kind === "query" ? byField.query : undefined;
    if (fields === undefined || fields.size === 0) return 0;
    return fields.get(target.field.toLowerCase()) ?? 0;
  };
}

/**
 * An empty index to hand the WAF at once; `build` fills it after mounting.
 *
 * @example
 * ```ts
 * const routes = wafRouteIndex(DEFAULT_BODY_LIMIT);
 * const inFront = edge({ stages: [waf({ routes })] });
 * // ... mount modules ...
 * routes.build(app.openAPIRegistry.definitions);
 * ```
 */
export function wafRouteIndex(defaultBodyLimit: number): WafRouteIndex {
  let router: TrieRouter<WafRoute> | undefined;
  return {
    build(definitions) {
      const next = new TrieRouter<WafRoute>();
      for (const definition of definitions) {
        const route = definition.route;
        if (definition.type !== "route" || route === undefined) continue;
        const facts = route[WAF_ROUTE];
        const path = route.path.replace(/\{([^}/]{1,100})\}/g, ":$1");
        next.add(route.method.toUpperCase(), path, {
          bodyLimit: facts?.bodyLimit ?? defaultBodyLimit,
          opaqueBody: facts?.body === "opaque",
          excluded: exclusionTest(facts?.exclude ?? []),
        });
      }
      router = next;
    },
    match(method, path) {
      if (router === undefined) return undefined;
      const [matches] = router.match(method === "HEAD" ? "GET" : method, path);
      return matches[0]?.[0];
    },
  };
}
