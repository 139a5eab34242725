/**
 * P2 (and P1's HSTS): the secure headers every response carries, errors and
 * redirects included. The values are fixed strings, joined once per isolate, and
 * set on the handler's own response (not a copy of it, see withSecureHeaders). In
 * workerd a header costs about the same however it is added (a `set`, an object or
 * a cloned `Headers` in the constructor: ~0.5 µs each in one isolate, README
 * "Benchmark"). Ours are applied last and win over anything a handler set, so a
 * handler can never weaken them; banners are dropped.
 */

/** P1: two years, subdomains, eligible for the browsers' preload list. */
export const HSTS = "max-age=63072000; includeSubDomains; preload";

/** P2: the API serves data, never documents: nothing may load, nothing may frame it. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/** A CSP for every path equal to `prefix` or below `prefix/` (an HTML page and its files). */
export interface CspRule {
  readonly prefix: string;
  readonly policy: string;
}

// Every powerful feature denied (`feature=()`: no origin, this one included).
const DENIED_FEATURES = [
  "accelerometer",
  "autoplay",
  "camera",
  "display-capture",
  "encrypted-media",
  "fullscreen",
  "geolocation",
  "gyroscope",
  "hid",
  "idle-detection",
  "magnetometer",
  "microphone",
  "midi",
  "payment",
  "picture-in-picture",
  "publickey-credentials-get",
  "screen-wake-lock",
  "serial",
  "sync-xhr",
  "usb",
  "xr-spatial-tracking",
];

/** The full header list for one CSP; lower-case names, ready for `new Headers(list)`. */
export type HeaderList = readonly (readonly [string, string])[];

/**
 * What every response needs (P1, P2); built once per CSP, per isolate. Lower-case
 * names. Legacy headers that only change how a browser treats a *document*
 * (X-XSS-Protection, X-Download-Options, X-DNS-Prefetch-Control,
 * X-Permitted-Cross-Domain-Policies, Origin-Agent-Cluster) are not sent with JSON;
 * pages get them through {@link documentHeaderList}.
 */
export function secureHeaderList(csp: string): HeaderList {
  return [
    ["strict-transport-security", HSTS],
    ["content-security-policy", csp],
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", "no-referrer"],
    ["cross-origin-resource-policy", "same-origin"],
    ["cross-origin-opener-policy", "same-origin"],
    ["permissions-policy", DENIED_FEATURES.map((f) => `${f}=()`).join(", ")],
    ["x-frame-options", "DENY"],
  ];
}

/** The list for an HTML page: the API's plus the document-only hardening headers. */
export function documentHeaderList(csp: string): HeaderList {
  return [
    ...secureHeaderList(csp),
    ["origin-agent-cluster", "?1"],
    ["x-dns-prefetch-control", "off"],
    ["x-download-options", "noopen"],
    ["x-permitted-cross-domain-policies", "none"],
    ["x-xss-protection", "0"],
  ];
}

/** Chooses the header list by path: the first rule whose prefix covers it, else the API's. */
export function headerListsFor(rules: readonly CspRule[]): (path: string) => HeaderList {
  const api = secureHeaderList(API_CSP);
  const special = rules.map((rule) => ({ prefix: rule.prefix, below: `${rule.prefix}/`, list: documentHeaderList(rule.policy) }));
  return (path) => {
    for (const rule of special) if (path === rule.prefix || path.startsWith(rule.below)) return rule.list;
    return api;
  };
}

/**
 * Puts the secure list and the request id on the response, over anything a
 * handler set, and drops banners. Responses the app built are changed in place
 * (a copy would make workerd turn a buffered body into a stream: measured at
 * several times the cost of the `set` calls); a response with immutable headers
 * (from `fetch` or the ASSETS binding) is copied once.
 */
export function withSecureHeaders(response: Response, list: HeaderList, requestId: string): Response {
  let target = response;
  try {
    target.headers.set("x-request-id", requestId);
  } catch (error) {
    // `set` fails here only on workerd's immutability guard, a TypeError: copy once.
    if (!(error instanceof TypeError)) throw error;
    target = new Response(response.body, response);
    target.headers.set("x-request-id", requestId);
  }
  const headers = target.headers;
  // Indexed loop: this runs on every response, and iterator destructuring allocates.
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (entry) headers.set(entry[0], entry[1]);
  }
  headers.delete("server");
  headers.delete("x-powered-by");
  return target;
}
