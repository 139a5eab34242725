/**
 * P2 (and P1's HSTS): secure headers on every response, errors and redirects
 * included, via hono/secure-headers. The API's CSP forbids everything; a path
 * prefix may get its own policy (the /docs page), chosen from the path before the
 * handler runs, so a handler can never weaken the headers. Banners are stripped.
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../../env";

/** CSP directives as hono/secure-headers takes them, e.g. `{ defaultSrc: ["'none'"] }`. */
export type CspDirectives = NonNullable<NonNullable<Parameters<typeof secureHeaders>[0]>["contentSecurityPolicy"]>;

/** P1: two years, subdomains, eligible for the browsers' preload list. */
export const HSTS = "max-age=63072000; includeSubDomains; preload";

/** P2: the API serves data, never documents: nothing may load, nothing may frame it. */
export const API_CSP: CspDirectives = { defaultSrc: ["'none'"], frameAncestors: ["'none'"] };

/** A CSP for every path equal to `prefix` or below `prefix/`. */
export interface CspRule {
  readonly prefix: string;
  readonly policy: CspDirectives;
}

// Deny every powerful feature: an API response never needs one.
// `false` renders as `feature=()`: allowed for no origin, this one included.
const DENY_ALL_FEATURES = {
  accelerometer: false, autoplay: false, camera: false, displayCapture: false, encryptedMedia: false, fullscreen: false,
  geolocation: false, gyroscope: false, hid: false, idleDetection: false, magnetometer: false, microphone: false, midi: false,
  payment: false, pictureInPicture: false, publickeyCredentialsGet: false, screenWakeLock: false, serial: false, syncXhr: false,
  usb: false, xrSpatialTracking: false,
} as const;

function withPolicy(policy: CspDirectives): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: policy,
    strictTransportSecurity: HSTS,
    xFrameOptions: "DENY",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    crossOriginOpenerPolicy: "same-origin",
    xContentTypeOptions: "nosniff",
    permissionsPolicy: DENY_ALL_FEATURES,
    removePoweredBy: true,
  });
}

/**
 * The secure-headers stage. Middleware are built once, here, not per request.
 *
 * @example
 * ```ts
 * app.use(secureResponseHeaders([{ prefix: "/docs", policy: DOCS_CSP }]));
 * ```
 */
export function secureResponseHeaders(rules: readonly CspRule[] = []): MiddlewareHandler<AppEnv> {
  const api = withPolicy(API_CSP);
  const special = rules.map((rule) => ({ prefix: rule.prefix, below: `${rule.prefix}/`, apply: withPolicy(rule.policy) }));
  return async function secureResponseHeaders(c, next) {
    const path = c.req.path;
    const apply = special.find((rule) => path === rule.prefix || path.startsWith(rule.below))?.apply ?? api;
    await apply(c, next);
    // The platform may add its own; nothing of ours names the software.
    c.res.headers.delete("Server");
  };
}
