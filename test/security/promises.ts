/**
 * The twenty promises of Rampart's public security page, one line each, word for word as
 * in test/security/README.md ("The twenty promises"). `npm run promises`
 * (test/tools/promises-report.ts) reads them to write PROMISES-REPORT.md from a test run:
 * a promise is proven when passing tests name it both ways (what it does, what it refuses).
 * Plain data: typechecked with the workerd tests and with the Node tools alike.
 */

export type PromiseId = `P${number}`;

export interface SecurityPromise {
  readonly id: PromiseId;
  /** The short name, as the page's bold heading. */
  readonly name: string;
  /** The section of the page it belongs to. */
  readonly area: "Transport and edge" | "Identity and access" | "Data" | "Operations";
  /** The promise itself, one line. */
  readonly text: string;
}

const AREAS: readonly (readonly [SecurityPromise["area"], number])[] = [
  ["Transport and edge", 4],
  ["Identity and access", 10],
  ["Data", 15],
  ["Operations", 20],
];

const areaOf = (n: number): SecurityPromise["area"] => (AREAS.find(([, last]) => n <= last) ?? AREAS[AREAS.length - 1]!)[0];

const LINES: readonly Omit<SecurityPromise, "area">[] = [
  {
    id: "P1",
    name: "HTTPS only",
    text: "Plain-HTTP requests are never served: GET/HEAD are redirected (308) to https, others get 400 problem+json. Every response carries `Strict-Transport-Security: max-age=63072000; includeSubDomains; preload`. Requests negotiated below the configured minimum TLS version (default TLSv1.3, read from `request.cf.tlsVersion` when present) are refused with 426. *Platform:* TLS 1.3 and certificates.",
  },
  {
    id: "P2",
    name: "Secure headers",
    text: "Every response, errors included: CSP (API: `default-src 'none'; frame-ancestors 'none'`), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `Cross-Origin-Resource-Policy`, `Permissions-Policy`; no `X-Powered-By`/server banners.",
  },
  {
    id: "P3",
    name: "Deny by default + WAF",
    text: "Unknown routes 404, wrong methods 405, bodies over the route's limit 413, wrong content types 415. A WAF stage blocks known attack patterns (SQLi, XSS, traversal, command/code injection, SSRF targets, protocol abuse, scanners) with anomaly scoring and paranoia levels, before any handler, database or rate-limit call. Blocks are 403 problem+json with the request id only (the matched rule ids go to the security event and the log, never to the client, who would use them to walk around a rule); a log-only mode exists. Ordinary prose passes in any field; whatever exceeds an inspection limit is refused, not skipped.",
  },
  {
    id: "P4",
    name: "Rate limits",
    text: "Per IP, per user (or API key) and per endpoint, in Upstash Redis; stricter on login, signup, password reset, MFA and token endpoints (credential stuffing, brute force per account and per IP). 429 with `Retry-After` and `RateLimit-*` headers. If Redis is unreachable, auth endpoints fail closed and the rest follow a configured policy.",
  },
  {
    id: "P5",
    name: "Passwords",
    text: 'Minimum 8 characters, maximum at least 64, no composition rules; rejected if found in the Have I Been Pwned range API (k-anonymity, padded responses) or in a bundled common-password list when HIBP cannot be reached. Stored only as slow salted hashes (bcrypt, cost ≥ 10, or argon2id), re-hashed on login when the configured algorithm or cost changes ("rotation"). Nobody, operators included, can read a password.',
  },
  {
    id: "P6",
    name: "Email verification",
    text: "No session is issued for an unverified email. Verification and reset tokens are single-use, short-lived and stored hashed.",
  },
  {
    id: "P7",
    name: "MFA",
    text: "TOTP (RFC 6238) for every user, with recovery codes; a used code cannot be replayed; sessions carry their assurance level (`aal1`/`aal2`, `amr`). Super administrators cannot use any admin route without `aal2`. Organizations can require MFA for their members.",
  },
  {
    id: "P8",
    name: "Sessions",
    text: "Short-lived access JWT (≤ 15 min, asymmetric signature, `kid`, JWKS published) and an opaque refresh token (browser: `__Host-` HttpOnly Secure SameSite cookie; mobile: body). Refresh rotates the token; reuse of a rotated token revokes the whole session. A session expires after 7 days without activity and at an absolute maximum. Sessions are listed and revocable in real time (a revoked session's access token stops working at once, not at expiry). A password change or reset revokes every other session.",
  },
  {
    id: "P9",
    name: "RBAC, least privilege",
    text: "Organization roles owner, admin, member, auditor, viewer, with a documented permission matrix enforced in the API *and* by database policies; platform super administrators are separate, need MFA, and their actions are audited. API keys are per organization, scoped, shown once, stored hashed, revocable.",
  },
  {
    id: "P10",
    name: "Secrets stored safely",
    text: "Refresh tokens, API keys, verification tokens: stored as SHA-256 (or HMAC) digests only. Integration credentials (bank OAuth tokens): AES-256-GCM envelope encryption with versioned keys; keys rotate without downtime and old ciphertexts are re-encrypted.",
  },
  {
    id: "P11",
    name: "Tenant isolation at the database",
    text: "Every tenant table has Row-Level Security, forced, under a database role without BYPASSRLS. The request's user and organization reach Postgres as transaction-local session variables; policies check membership, so even an application bug (a query with no org filter, a wrong id) cannot read, create, change or delete another organization's rows. The same holds for API keys.",
  },
  {
    id: "P12",
    name: "Tenant keys everywhere",
    text: "Cache and rate-limit keys, R2 object keys and queued jobs carry the organization id; no shared key can leak one tenant's data to another.",
  },
  {
    id: "P13",
    name: "Audit log",
    text: "Every INSERT, UPDATE and DELETE on risks, vendors, incidents, policies, trainings, evidence, controls and assessments is captured by a Postgres trigger with actor, organization, time and before/after row content. The log is append-only: no role the application or an org admin uses can update, delete or truncate it, and each entry is hash-chained to the previous one so that tampering is detectable by a verify endpoint.",
  },
  {
    id: "P14",
    name: "Evidence files",
    text: "Stored in R2 under the organization's prefix; reachable only through short-lived (≤ 5 min) signed URLs bound to one object and one organization; expired, tampered or cross-tenant URLs get 403. Upload limits on size and content type; a SHA-256 checksum is recorded.",
  },
  {
    id: "P15",
    name: "Backups",
    text: "*Platform:* Neon point-in-time recovery. The app adds a daily encrypted per-organization export to a separate bucket with 30-day retention and a restore check that proves an export can be read back.",
  },
  {
    id: "P16",
    name: "Security events and alerts",
    text: "Logins (success, failure), MFA, password and session changes, role and API-key changes, admin actions and blocked requests are logged as structured security events (no passwords, tokens or secrets in any log). Unusual failed-login volumes or usage spikes raise alerts (email and a security event).",
  },
  {
    id: "P17",
    name: "Incident deadlines (NIS2 Art. 23)",
    text: "For a significant incident: early warning due 24 h after awareness, incident notification 72 h, final report one month after the notification; customers notified within 48 h. The API computes and exposes each deadline and its state; a scheduled job reminds before and flags after each deadline.",
  },
  {
    id: "P18",
    name: "Webhooks",
    text: "Stripe events are accepted only with a valid `Stripe-Signature` (HMAC-SHA256, 5-minute tolerance, several secrets during rotation) and processed once (idempotent by event id). The bank OAuth2 callback uses authorization code + PKCE with a single-use, expiring state bound to the user's session.",
  },
  {
    id: "P19",
    name: "Responsible disclosure",
    text: "`/.well-known/security.txt` (RFC 9116) with contact, expiry, policy and preferred languages, configured per deployment.",
  },
  {
    id: "P20",
    name: "Supply chain",
    text: "Dependencies pinned by lockfile; CI fails on known high/critical advisories in production dependencies (when the audit service is reachable) and on type errors and lint errors.",
  },
];

export const PROMISES: readonly SecurityPromise[] = LINES.map((p, i) => ({ ...p, area: areaOf(i + 1) }));
