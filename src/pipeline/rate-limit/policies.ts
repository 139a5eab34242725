/**
 * P4: the ONE table of rate limits. A route names a policy from it with
 * `defineRoute(route, { rateLimit: "login" })`; a route that names none gets
 * `default`. Every limit of a policy is checked for every request of its routes,
 * all in one Redis round trip (see rate-limit.ts).
 *
 * Security decisions:
 * - Auth presets (login, signup, password reset, MFA, token) limit per IP *and* per
 *   account, so credential stuffing from many IPs against one account and one IP
 *   trying many accounts are both capped, and they fail closed (503) when Redis is
 *   unavailable: an outage must not open a brute-force window.
 * - Every other policy follows RATE_LIMIT_FAIL_POLICY (default open, logged as a
 *   security event): an outage of the limiter does not take the API down.
 * - Platform routes (liveness, readiness, security.txt, the OpenAPI document, the
 *   docs page and its static assets) are `exempt`: they touch no Redis, so /healthz
 *   costs no round trip and /readyz exactly its one PING. They are static or
 *   bounded in cost; operators protect them at the zone (README).
 * - Windows are sliding (two epoch-aligned buckets, weighted), so a burst across
 *   a bucket boundary cannot double the rate.
 */

/** A window as `@upstash/ratelimit` parses it, e.g. `"15 m"`. */
export type Window = `${number} ${"s" | "m" | "h"}`;

/**
 * What a limit counts per:
 * - `ip`: the client address (`CF-Connecting-IP`; IPv6 per /64);
 * - `principal`: the authenticated user or API key, inside its organization (P12);
 * - `org`: the whole organization the request acts in (P12);
 * - `account`: the account a credential request names: the principal's user when
 *   there is one, else the body field `accountField` (e.g. the login email, trimmed
 *   and lowercased).
 * A limit whose subject a request lacks (no principal, no email) is skipped.
 */
export type LimitSubject = "ip" | "principal" | "org" | "account";

/**
 * Where a limit's counter lives:
 * - `api`: one counter per subject across every route whose policy lists this limit;
 * - `policy`: one per subject across the routes of this policy;
 * - `route`: one per subject and route (method + path pattern).
 */
export type LimitScope = "api" | "policy" | "route";

/** One limit: `tokens` requests per `window`, per subject. */
export interface LimitRule {
  /** Its item name in `RateLimit-Policy` / `RateLimit`; unique within a policy, `[a-z0-9-]`. */
  readonly name: string;
  readonly subject: LimitSubject;
  readonly scope: LimitScope;
  readonly tokens: number;
  readonly window: Window;
  /**
   * Past the limit: `refuse` (429, the default), or `challenge`: a request from an
   * address that signed in to this account recently goes on, and, when Turnstile is
   * configured, so does one with a solved challenge; otherwise 403 `captcha_required`
   * (or 429 without Turnstile). So an attacker hammering an account cannot lock its
   * owner out (challenge.ts).
   */
  readonly onExceeded?: "refuse" | "challenge";
}

/** What a policy does when Redis cannot answer in time: `config` follows RATE_LIMIT_FAIL_POLICY. */
export type UnavailablePolicy = "open" | "closed" | "config";

/** A named set of limits for a group of routes. */
export interface RateLimitPolicy {
  /** Appears in keys and logs, `[a-z0-9-]`. */
  readonly name: string;
  readonly limits: readonly LimitRule[];
  readonly onUnavailable: UnavailablePolicy;
  /** Body field naming the account for `account` limits of anonymous requests; default `email`. */
  readonly accountField?: string;
  /** Cookie naming the account when the body does not (the browser's refresh cookie). */
  readonly accountCookie?: string;
  /**
   * The account is the value's tag, before its first `.` (MFA tokens carry their
   * account's keyed tag), so every token of one account shares the counters.
   */
  readonly accountTagged?: boolean;
}

/** API-wide: per client address, all routes together. */
const IP: LimitRule = { name: "ip", subject: "ip", scope: "api", tokens: 1200, window: "1 m" };
/** API-wide: per user or API key, inside its organization. */
const PRINCIPAL: LimitRule = { name: "user", subject: "principal", scope: "api", tokens: 600, window: "1 m" };
/** API-wide: per organization, all its users and keys together. */
const ORG: LimitRule = { name: "org", subject: "org", scope: "api", tokens: 6000, window: "1 m" };

/** How a credential preset names its account and what happens past the account limit. */
interface PresetAccount {
  readonly field?: string;
  readonly cookie?: string;
  readonly onExceeded?: "refuse" | "challenge";
}

/** A credential preset: the API-wide IP limit plus a strict per-IP and per-account pair. */
function credentialPreset(name: string, ip: [number, Window], account: [number, Window], options: PresetAccount = {}): RateLimitPolicy {
  return {
    name,
    onUnavailable: "closed",
    accountField: options.field ?? "email",
    ...(options.cookie === undefined ? {} : { accountCookie: options.cookie }),
    limits: [
      IP,
      { name: `${name}-ip`, subject: "ip", scope: "policy", tokens: ip[0], window: ip[1] },
      {
        name: `${name}-account`,
        subject: "account",
        scope: "policy",
        tokens: account[0],
        window: account[1],
        ...(options.onExceeded === undefined ? {} : { onExceeded: options.onExceeded }),
      },
    ],
  };
}

/** The browser's refresh-token cookie (P8): names the session for the `token` preset. */
export const REFRESH_COOKIE = "__Host-rampart-refresh";

/**
 * The table. The auth routes take these presets:
 * `POST /v1/auth/login` and `POST /v1/auth/password` → `login`;
 * `POST /v1/auth/signup` → `signup`;
 * `POST /v1/auth/password-reset/request`, `/password-reset/confirm`, `/verify-email` → `password-reset`;
 * `POST /v1/auth/mfa/verify`, `/mfa/totp/activate` → `mfa`;
 * `POST /v1/auth/token/refresh` → `token`.
 */
export const RATE_LIMIT_POLICIES = {
  /** Every route that names no policy. */
  default: { name: "default", onUnavailable: "config", limits: [IP, PRINCIPAL, ORG] },
  /** No limit, no Redis: platform routes only (see the header comment). */
  exempt: { name: "exempt", onUnavailable: "open", limits: [] },
  /** 20 attempts per IP and 10 per account in 15 minutes; past the account's, a challenge (no lock-out). */
  login: credentialPreset("login", [20, "15 m"], [10, "15 m"], { onExceeded: "challenge" }),
  /** 10 sign-ups per IP and 3 per email address an hour. */
  signup: credentialPreset("signup", [10, "1 h"], [3, "1 h"]),
  /** 10 per IP and 5 per account an hour (reset request and confirm, email verification). */
  "password-reset": credentialPreset("password-reset", [10, "1 h"], [5, "1 h"]),
  /**
   * 20 per IP in 15 minutes; per account (the signed-in user, or the account tag of the
   * pending `mfa_token`, whichever login it came from) 5 codes in 5 minutes and 30 in a day,
   * so knowing the password buys at most 30 guesses at a 6-digit code a day.
   */
  mfa: {
    ...credentialPreset("mfa", [20, "15 m"], [5, "5 m"], { field: "mfa_token" }),
    accountTagged: true,
    limits: [
      ...credentialPreset("mfa", [20, "15 m"], [5, "5 m"], { field: "mfa_token" }).limits,
      { name: "mfa-account-day", subject: "account", scope: "policy", tokens: 30, window: "24 h" },
    ],
  },
  /** 60 refreshes per IP and 30 per session (or refresh token) in 15 minutes. */
  token: credentialPreset("token", [60, "15 m"], [30, "15 m"], { field: "refresh_token", cookie: REFRESH_COOKIE }),
  /**
   * Sending invitations (`POST /v1/orgs/{org}/invitations`): each one emails an address the
   * caller chooses, so besides the API-wide limits an organization sends at most 100 an hour,
   * and none while the limits cannot be checked (an outage must not turn it into a mailer).
   */
  invitations: {
    name: "invitations",
    onUnavailable: "closed",
    limits: [IP, PRINCIPAL, ORG, { name: "invitations-org", subject: "org", scope: "policy", tokens: 100, window: "1 h" }],
  },
  /**
   * Signed webhooks (`POST /webhooks/stripe`): no limit and no Redis. Stripe delivers in
   * bursts from a few addresses (a plan change fans out into several events, retries
   * pile up after an outage), and a 429 would only make it retry later; every request
   * is refused before any I/O unless its signature verifies (a WebCrypto HMAC in the
   * isolate), so an unsigned flood costs no database or Redis round trip.
   */
  webhook: { name: "webhook", onUnavailable: "open", limits: [] },
} as const satisfies Record<string, RateLimitPolicy>;

/** The name of a policy in the table. */
export type RateLimitPolicyName = keyof typeof RATE_LIMIT_POLICIES;

/** The policy of routes that name none. */
export const DEFAULT_POLICY: RateLimitPolicyName = "default";

/** Resolves a route's `rateLimit` option: a table name, or a policy object (tests' probe routes). */
export function resolvePolicy(option: RateLimitPolicyName | RateLimitPolicy | undefined): RateLimitPolicy {
  if (option === undefined) return RATE_LIMIT_POLICIES[DEFAULT_POLICY];
  return typeof option === "string" ? RATE_LIMIT_POLICIES[option] : option;
}
