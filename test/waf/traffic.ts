/**
 * Rampart's own traffic (test/security/corpora/rampart-traffic.json) as WAF
 * requests: realistic calls of every route group of the API, each with the exclusions
 * its route declares (free-text fields that may quote attacks). Pure: shared by
 * the workerd test and the benchmark.
 */
/** The engine's view of a request (structurally `WafRequest`; this file stays import-free so Node can load it). */
export interface WafRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | undefined;
}

/** An exclusion as a route declares it (structurally `WafExclusion`). */
export interface WafExclusion {
  readonly fields: readonly string[];
  readonly groups: readonly string[];
  readonly in?: "body" | "query";
}

/** One recorded request of the corpus. */
export interface TrafficCase {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** What the route declares with `defineRoute(route, { waf: { exclude } })`. */
  readonly exclude?: readonly WafExclusion[];
}

/** The request as it reaches the WAF (JSON body serialised, Host and Content-Length added). */
export function trafficRequest(c: TrafficCase): WafRequest {
  const body = c.body === undefined ? undefined : JSON.stringify(c.body);
  const headers: [string, string][] = [
    ["host", "api.rampart.example"],
    ...Object.entries(c.headers).map(([k, v]): [string, string] => [k.toLowerCase(), v]),
  ];
  if (body !== undefined) headers.push(["content-length", String(new TextEncoder().encode(body).byteLength)]);
  return { method: c.method, target: c.path, headers, body };
}
