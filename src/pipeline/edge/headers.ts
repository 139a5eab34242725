/**
 * P2 (and P1's HSTS): the secure headers every response carries, errors and
 * redirects included. The values are fixed strings, joined once per isolate, and
 * set on the handler's own response (not a copy of it, see withSecureHeaders). Ours
 * are applied last and win over anything a handler set, so a handler can never
 * weaken them; banners are dropped.
 *
 * Every header is work for the runtime on every response, however it is added (its
 * name and value validated, copied and written: ~8k instructions for a short one in
 * workerd, README "Benchmark"). So a response carries the headers that apply to what
 * it is: the API's JSON the P1/P2 set, pages and files (documents) the document-only
 * ones too.
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

/** A header list; lower-case names, ready for `new Headers(list)`. */
export type HeaderList = readonly (readonly [string, string])[];

/** What a response gets on its way out: headers set over the handler's, and names removed. */
export interface SecureHeaders {
  readonly set: HeaderList;
  /** Banners, and on the API's responses a handler's X-Frame-Options. */
  readonly drop: readonly string[];
}

const BANNERS = ["server", "x-powered-by"];

/**
 * Headers that only change how a browser treats a *document*: sent with pages and
 * files, not with the API's JSON. X-Frame-Options is obsolete beside the CSP's
 * `frame-ancestors`, which every response carries (ASVS 5.0 V3.4.6; browsers that
 * read both obey the CSP); COOP applies to responses that render a document (V3.4.8),
 * and a navigation to the API carries no bearer token (the one URL browsers are sent
 * to with a cookie, the bank's OAuth callback, is served as a document). The rest are
 * legacy.
 */
const DOCUMENT_ONLY: HeaderList = [
  ["cross-origin-opener-policy", "same-origin"],
  ["x-frame-options", "DENY"],
  ["origin-agent-cluster", "?1"],
  ["x-dns-prefetch-control", "off"],
  ["x-download-options", "noopen"],
  ["x-permitted-cross-domain-policies", "none"],
  ["x-xss-protection", "0"],
];

/** What every response needs (P1, P2), for one CSP; built once per CSP, per isolate. */
export function secureHeaderList(csp: string): HeaderList {
  return [
    ["strict-transport-security", HSTS],
    ["content-security-policy", csp],
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", "no-referrer"],
    ["cross-origin-resource-policy", "same-origin"],
    ["permissions-policy", DENIED_FEATURES.map((f) => `${f}=()`).join(", ")],
  ];
}

/** The list for a page or a file a browser may render: every response's plus the document-only ones. */
export function documentHeaderList(csp: string): HeaderList {
  return [...secureHeaderList(csp), ...DOCUMENT_ONLY];
}

/**
 * Chooses by path: the first rule whose prefix covers it gets the document list with
 * its CSP, else the API's list. An API response loses an X-Frame-Options a handler
 * set (it could not weaken the CSP's framing rule in a browser that reads both, but
 * no response says two things); the other document-only headers could only harden a
 * JSON response, and each removal is a call into the runtime.
 */
export function headerListsFor(rules: readonly CspRule[]): (path: string) => SecureHeaders {
  const api: SecureHeaders = { set: secureHeaderList(API_CSP), drop: [...BANNERS, "x-frame-options"] };
  const special = rules.map((rule) => ({
    prefix: rule.prefix,
    below: `${rule.prefix}/`,
    headers: { set: documentHeaderList(rule.policy), drop: BANNERS },
  }));
  return (path) => {
    for (const rule of special) if (path === rule.prefix || path.startsWith(rule.below)) return rule.headers;
    return api;
  };
}

/**
 * Puts the secure list and the request id on the response, over anything a
 * handler set, and removes the `drop` names. Responses the app built are changed in place
 * (a copy would make workerd turn a buffered body into a stream: measured at
 * several times the cost of the `set` calls); a response with immutable headers
 * (from `fetch` or the ASSETS binding) is copied once.
 */
export function withSecureHeaders(response: Response, headersOut: SecureHeaders, requestId: string): Response {
  let target = response;
  // Read once: each `headers` read is a call into the runtime.
  let headers = response.headers;
  try {
    headers.set("x-request-id", requestId);
  } catch (error) {
    // `set` fails here only on workerd's immutability guard, a TypeError: copy once.
    if (!(error instanceof TypeError)) throw error;
    target = new Response(response.body, response);
    headers = target.headers;
    headers.set("x-request-id", requestId);
  }
  const { set, drop } = headersOut;
  // Indexed loops: this runs on every response, and iterator destructuring allocates.
  for (let i = 0; i < set.length; i++) {
    const entry = set[i];
    if (entry) headers.set(entry[0], entry[1]);
  }
  for (let i = 0; i < drop.length; i++) {
    const name = drop[i];
    if (name !== undefined) headers.delete(name);
  }
  return target;
}
