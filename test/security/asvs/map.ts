/**
 * OWASP ASVS 5.0.0, levels 1 and 2, mapped to Rampart: one entry per requirement of
 * asvs-5.0.0.csv with L ≤ 2, keyed by its id.
 * - `met`: `tests` names the tests that prove it (an exact title or a title prefix; a promise tag's
 *   "(refuses)" is ignored when matching; `file:<path>` for every test of a file). `npm run asvs` fails
 *   unless each ran in the vitest run and passed. `config` says what configuration adds to them.
 * - `n/a`: why the requirement does not apply to this API.
 * - `not_met`: what is missing. Partly met counts as not met; the text says which part is there.
 * Rampart is a JSON API on Cloudflare Workers: no HTML rendered (except the vendored Swagger UI at
 * /docs), no server-side session cookie (only the refresh cookie), no XML, LDAP, GraphQL, WebSocket,
 * WebRTC, templates or archives; it is an OAuth 2.0 client of one bank, not an authorization server.
 */
export type Evidence =
  { status: "met"; tests: readonly string[]; config?: string } | { status: "n/a"; reason: string } | { status: "not_met"; missing: string };
export type AsvsMap = Readonly<Record<string, Evidence>>;

const met = (tests: readonly string[], config?: string): Evidence =>
  config === undefined ? { status: "met", tests } : { status: "met", tests, config };
const na = (reason: string): Evidence => ({ status: "n/a", reason });
const notMet = (missing: string): Evidence => ({ status: "not_met", missing });

// Titles used by several requirements.
const T = {
  validation422: "P3: a validation failure gets 422 listing every invalid field, and never reaches the handler",
  invalidJson: "P3: invalid JSON gets 400 invalid_json without the parser's message",
  noContentType: "P3: a body without any Content-Type gets 415",
  bodyLimit: "P3: a body over the route's limit with Content-Length gets 413 and never reaches the handler",
  wrongType: "P9: risks — a value of the wrong type in any writable field",
  unknownField: "P17: bad input (unknown kind, a future time, an oversized reference, an unknown field) is 422 and writes nothing",
  datesOrder: "P9: dates in the wrong order are refused by the database: 422 constraint_violated, nothing written",
  nul: "P9: a NUL character is refused before it reaches the database",
  storedAsWritten: "P3: findings may quote an attack (the free-text WAF exclusion) and are stored as written",
  excludedField: "P3: the excluded field may quote SQL and HTML",
  rollback: "P11: a statement that fails rolls back the whole request (nothing half-written)",
  secureHeaders: "P2: a 200 response (a success) carries HSTS, CSP and every secure header, and no banner",
  secureHeaders500: "P2: a 500 response (an uncaught error) carries HSTS, CSP and every secure header, and no banner",
  apiCsp: "P2: the API CSP forbids loading anything and being framed",
  docsCsp: "P2: the /docs page has its own CSP",
  hsts: "P1: every https response carries HSTS with two years, subdomains and preload",
  tls12: "P1: a request negotiated with TLS 1.2 gets 426 with an Upgrade header",
  plainPost: "P1: a plain-http POST gets 400 problem+json and is not served",
  noDevOriginInProd: "P1: LOCAL_DEV_ORIGIN is refused in production, so production cannot be opened to plain http",
  refreshCookie:
    "P8: a browser login from an allowed origin gets the refresh token only as a __Host- HttpOnly Secure SameSite=Strict cookie",
  cookieInBrowser: "P8: login from the allowed origin gives the access token in the body and the refresh token only in an HttpOnly",
  badOrigin: "P8: the refresh cookie sent from a disallowed origin is refused with 403 origin_not_allowed",
  corsRefused: "P8: an origin not in CORS_ORIGINS is refused",
  forgedNone: "P8: an access token with alg none and an empty signature is refused with 401 invalid_token",
  forgedHs256: "P8: an access token signed HS256 with the public key's bytes as the HMAC secret is refused with 401 invalid_token",
  forgedUnknownKey: "P8: an access token signed by an unknown key that presents the real kid is refused with 401 invalid_token",
  forgedKid: "P8: an access token whose kid names no configured key is refused with 401 invalid_token",
  forgedIss: "P8: an access token from another issuer is refused with 401 invalid_token",
  forgedAud: "P8: an access token for another audience is refused with 401 invalid_token",
  forgedExp: "P8: an access token that has expired is refused with 401 invalid_token",
  forgedNbf: "P8: an access token whose nbf is in the future is refused with 401 invalid_token",
  forgedSub: "P8: an access token whose sub was changed after signing is refused with 401 invalid_token",
  forgedAal: "P8: an access token whose aal was raised to aal2 after signing is refused with 401 invalid_token",
  forgedTyp: "P8: an access token whose typ is JWT instead of at+jwt is refused with 401 invalid_token",
  tokenClaims: "P8: its claims name the issuer, audience, user, session, assurance level and a lifetime of at most 15 minutes",
  tokenSigned: "P8: a login's access token is an at+jwt signed with the configured key and algorithm, published in the JWKS",
  noSymmetricKey: "P8: configuration refuses an access-token lifetime above 15 minutes and a symmetric signing key",
  keyRotation: "P8: after rotation old tokens verify until the old key is removed, new tokens use the new key, the JWKS lists both",
  idle: "P8: a session idle past its timeout cannot be refreshed",
  absolute: "P8: a session past its absolute maximum cannot be refreshed, however active",
  logout: "P8: after logout the session's access token fails on the very next request, and its refresh token too",
  pwChangeRevokes: "P8: a password change revokes every other session at once; the current one keeps working",
  resetRevokes: "P8: a password reset through the emailed link revokes every session at once",
  revokeOther: "P8: revoking another of one's sessions stops its access token at once; the current one keeps working",
  sessionsList: "P8: the list shows each live session newest first",
  redisDownClosed: "P8: with Redis unreachable an authenticated request fails closed with 503",
  undeclaredAuth: "P8: the app refuses to build with a route that declares no authentication",
  openapiSecurity: "P8: every route's OpenAPI security says what it declared; protected routes document 401",
  mfaRequired: "P7: with TOTP on, login answers mfa_required with a single-use mfa_token and opens no session",
  totpOnceLogin: "P7: a time step used at one login cannot be used by a second login",
  totpOnceActivation: "P7: the time step used at activation cannot be used again at login",
  totpWindow: "P7: a code from two steps away (±60 s) is refused",
  recoveryOnce: "P7: a recovery code works once and gives an aal2 session with amr rcode",
  recoveryDistinct: "P7: activation returns ten distinct recovery codes, stored only as digests",
  mfaTokenBound: "P7: one user's mfa_token cannot be completed with another user's TOTP or recovery code",
  mfaGuesses: "P7: code guesses are limited per account across logins",
  adminAal1: "P7: an admin route refuses a super administrator's aal1 token with 403 mfa_required",
  orgRequiresMfa: "P7: once required, members' password-only sessions get 403 mfa_required on every route, reads included",
  totpRemoveAal1: "P7: removing TOTP with an aal1 session is refused with 403 mfa_required and TOTP stays on",
  pwChangeAal1: "P7: changing the password with an aal1 session while TOTP is on is refused with 403 mfa_required",
  roleTable: "P11: the database enforces the README's role table",
  noOrgFilter: "P11: a query with no org filter returns only the current org's rows, for every tenant table",
  otherOrgRows: "P11: reading, updating and deleting another org's rows by id touches 0 rows",
  outsider404: "P9: someone who is not a member gets 404 on every route, as if the organization did not exist",
  rolesPerResource: "P9: risks — every role reads; only owners, admins and members create, change and delete",
  rolesEvidence: "P9: evidence — every role reads; only owners, admins and members create, change and delete",
  keyScopes: "P14: an evidence:read key downloads but cannot upload; an evidence:write key uploads",
  adminOwnerRole: "P9: an admin cannot grant the owner role, nor change an owner (403, nothing changed)",
  appRoleOwnsNothing: "P11: the app role cannot alter, drop, truncate or create tables, and owns nothing",
  appRoleNoHashes: "P11: the app role cannot read password hashes, token or key digests directly",
  loginPerAccount: "P4: one account attacked from many IPs is capped at the account limit (credential stuffing)",
  loginPerIp: "P4: one IP trying many accounts is capped at the per-IP limit (brute force)",
  authPresets: "P4: the production auth presets fail closed and limit per IP and per account, tighter than the default",
  rateLimited: "P4: the request over the limit gets 429 rate_limited with Retry-After",
  refusedLoginNoHash: "P4: a refused login costs no password hash and no database round trip (the handler never runs)",
  wafBudget: "P3: a body built to make every rule run on every value is refused at the budget, not judged to the end",
  wafAfterBudget: "P3: an attack placed after the budget is spent is still refused (413), never waved through",
  wafLogged: "P3: a block is logged once as security.waf_blocked, truncated and escaped, without credentials",
  wafInvalidSetting: "P3: an invalid WAF setting is a configuration error, not a silent default",
  framing: "P3: a disallowed method and conflicting framing headers are refused",
  ssrf: "P3: a URL to an internal address in any spelling is refused where the server could fetch it (query, JSON, cookie)",
  prototype: "P3: NoSQL operators as JSON keys, query names or JSON in a value, `$where` break-outs, and prototype paths, are refused",
  sqli: "P3: SQL injection (tautologies without `=`",
  repeatedParams: "P3: an attack in any one of repeated query parameters is blocked",
  breachedChange: "P5: a breached new password is refused at password change, and the old password keeps working",
  bundledList: "P5: when the range API is unreachable, the bundled list decides",
  hibpPrefix: "P5: the range API is asked with only the first 5 hex characters of the SHA-1 and Add-Padding: true",
  bcrypt: "P5: the stored hash is Rampart's bcrypt-sha256 form at a cost of at least 10 and never holds the password",
  rehash: "P5: when BCRYPT_COST is raised, the next login re-hashes at the new cost",
  noTruncation: "P5: two 100-character passwords sharing their first 80 characters are different passwords (no 72-byte truncation)",
  refreshDigest: "P10: sessions.refresh_token_digest is 43 base64url characters, an HMAC under TOKEN_HASH_SECRET",
  sealedCopied: "P10: a sealed token copied to another organization's row, or to another column, does not decrypt",
  dataKeyRotation: "P10: a new data key rotates in without downtime",
  envelope: "P10: the bank's tokens are stored only sealed (envelope, per-secret data key), never in clear anywhere in the database",
  keysRandom: "P10: keys are random (no two of a thousand alike) and use the whole alphabet",
  digestPerKind: "P12: identifiers are HMAC-SHA-256 keyed hashes: stable under one secret, different under another, separated by kind",
  redisKeys: "P12: per-tenant limit keys carry the organization id, and no key holds a raw IP, email, user id or API key id",
  auditTamper: "P13: tampering with one entry (as the owner, trigger disabled) is reported at that sequence number",
  auditImmutable: "P13: the app role cannot UPDATE, DELETE or TRUNCATE audit rows, whatever its role in the org",
  auditTrigger: "P13: a grant slip would still fail: the trigger refuses UPDATE, DELETE and TRUNCATE even for the owner",
  gcmFlip: "P15: a flipped byte: checksum_mismatch (the row's SHA-256), and with the row fixed to match, decrypt_failed (GCM)",
  segmentsSwapped: "P15: two segments swapped: decrypt_failed",
  download: "P14: the download is an attachment with its RFC 6266 name, its stored type, nosniff, a CSP that runs nothing and no caching",
  disposition: "Content-Disposition: attachment, an ASCII fallback and the exact name as RFC 8187 UTF-8",
  magicBytes: "P14: first bytes that are not the declared type (HTML declared as a PDF): 415 file_type_mismatch",
  magicUnits: "binary types by their magic bytes",
  mediaAllowList: "P14: a media type off the allow-list (HTML, SVG): 415, no version, no record created with it",
  fileTooLarge: "P14: a file over the plan's limit per file (default 25 MB): 413 file_too_large",
  storageQuota: "P14: an organization over its plan's storage (free: 1 GiB, app.plan_limits): 413 storage_quota_exceeded",
  objectKey: "P12: the object key is orgs/<org>/evidence/<record>/<version>: the organization's prefix, never the file's name",
  signedTamper: "P14: any character of the URL's ids or query changed, one at a time: 403, and a security event each",
  signedExpiry: "P14: an issued URL expires at most 5 minutes after it was issued",
  uncaught500: "answers an uncaught error with 500 carrying only the request id, and logs it once as one JSON line",
  missingSecret: "refuses a config with a missing secret rather than running half-configured",
  loopbackOnly: "allows plain http and ws only to loopback service URLs",
  noAssets: "serves no asset outside the docs routes, though the worker runs first for every path",
  logLine: "writes one JSON line with level, event and time",
  redacts: "redacts values under credential-like keys at any depth",
  noSecretInLogs: "P16: no log line of the flow contains a password, token, recovery code, the TOTP secret or the raw client IP",
  loginEvents: "P16: a login with a wrong password is stored as login_failed, reason wrong_password, with its actor",
  loginOk: "P16: a successful login is stored as login_succeeded with its actor",
  mfaEvents: "P16: a TOTP login is stored as mfa_verified (method totp); wrong and replayed codes as mfa_failed",
  viewerWrite: "P16: a viewer's write attempt is stored once, as the org's event its auditor lists with code forbidden",
  rateLimitedEvent: "P16: a 429 on an organization's route is stored as rate_limited; the accepted request before it is not",
  wafEvent: "P16: the WAF's 403 on a real org's path is stored (never the payload)",
  severity: "P16: every security log line is marked security_event with the vocabulary's severity",
  utc: "P9: an incident keeps its NIS2 and GDPR facts; instants are answered in UTC",
  dbDown: "a database that stops answering ends the request with 503 database_unavailable, and nothing is written",
  readyzNoDriverText: "answers 503 not_ready naming the database when it is down, without the driver's error text",
  pkce: "P18: connect sends the browser to the bank with PKCE (S256) and a state bound by a cookie; the callback stores the connection",
  stateOtherSession: "P18: a state taken to another session or browser is refused, and burnt for everyone",
  stateReplay: "P18: a replayed callback is 400 invalid_oauth_state and changes nothing",
  mixUp: "P18: a mismatched or missing issuer (mix-up) ends in an error redirect, nothing exchanged or stored",
  bankNoToken: "P18: the bank's status, check and disconnect: never a token, revoked at the bank, again 204",
  bankError: "P18: an error from the bank ends in an error redirect, nothing exchanged or stored",
  sameEventOnce: "P18: the same event delivered five times at once is applied exactly once",
  sameTotpOnce: "P7: the same TOTP code sent at once to two pending logins opens one session",
  resetOnceConcurrent: "P6: the same reset link used twice at once sets one password",
  verifyLifetime: "P6: a verification link lives 24 hours, and an expired one is 400 and leaves the address unverified",
  invalidAddress: "P6: resend with an invalid address is 422 validation_failed, never a 500",
  openapiErrors: "documents the problem+json error responses, with validation errors where a route validates",
  openapiAll: "is an OpenAPI 3.1 document listing every registered route",
  export: "P15: the export holds no secrets: no password hash, TOTP secret, API key digest, sealed token or invitation token",
  invitationsNoDigest: "P9: owners and admins list pending invitations (never a digest); others get 403",
  pseudonym: "P16: the organization's own events are listed, newest first, with a per-org source instead of the address hash",
} as const;

const PLATFORM = "Cloudflare's edge terminates TLS for the Worker";

export const ASVS_MAP: AsvsMap = {
  // V1 Encoding and Sanitization
  "V1.1.1": met(
    [T.storedAsWritten, "P3: a chunked body is inspected and handed on intact"],
    "The runtime decodes the URL once and the body is parsed once (JSON.parse) before zod validation; the WAF's repeated decoding is for inspection only and never hands decoded data on.",
  ),
  "V1.1.2": met(
    [T.storedAsWritten, T.excludedField],
    "Values are stored as sent and encoded at the last step: SQL parameters by the driver, JSON by the serializer, HTML of emails escaped where the body is built.",
  ),
  "V1.2.1": met([T.disposition, "cannot be given a raw CRLF at all: the runtime refuses to build such a header"]),
  "V1.2.2": met(
    [T.pkce, T.signedTamper],
    "URLs are built with URL/URLSearchParams; ids in paths are UUIDs; no user-supplied URL is ever emitted as a link.",
  ),
  "V1.2.3": met([T.storedAsWritten, T.excludedField], "JSON is only produced by the serializer (c.json), never by concatenation."),
  "V1.2.4": met(
    [T.storedAsWritten, T.sqli, "P9: `q` is matched literally (% and _ are not wildcards) and an org id finds exactly that org"],
    "Every query goes through drizzle or tagged SQL templates with bound parameters; LIKE patterns are escaped.",
  ),
  "V1.2.5": na("No operating-system command is ever run: a Worker has no shell or process API."),
  "V1.2.6": na("No LDAP is used."),
  "V1.2.7": na("No XML or XPath is processed."),
  "V1.2.8": na("No LaTeX is processed."),
  "V1.2.9": na("No regular expression is built from untrusted input (the few built at run time interpolate constants only)."),
  "V1.3.1": na("No HTML input is accepted for rendering; evidence files of type HTML are refused (see V1.3.4) and nothing is rendered."),
  "V1.3.2": met(
    ["returns the schema unchanged from z.compile, as zod does without code generation", T.docsCsp],
    "workerd forbids eval() and new Function(); zod runs without code generation; the /docs CSP has no unsafe-eval.",
  ),
  "V1.3.3": met([T.nul, "P11: bad input is 422 (unknown result, oversized or NUL notes, unknown field, no result) and writes nothing"]),
  "V1.3.4": met([T.mediaAllowList]),
  "V1.3.5": na("User text (Markdown included) is stored and returned as JSON strings; Rampart renders no Markdown, CSS, XSL or BBCode."),
  "V1.3.6": met(
    [T.ssrf, T.loopbackOnly],
    "Outbound calls go only to URLs from configuration (database, Redis, bank, HIBP, Stripe, Resend, Turnstile); no request parameter names a URL the server fetches.",
  ),
  "V1.3.7": na("No template engine: emails are built from fixed strings with HTML-escaped values."),
  "V1.3.8": na("No JNDI (not a Java application)."),
  "V1.3.9": met(
    [T.redisKeys, T.digestPerKind],
    "The cache is Redis (Upstash REST, JSON-encoded commands); keys carry ids and keyed hashes, never raw input.",
  ),
  "V1.3.10": na("JavaScript has no format-string interpreter; logs are JSON lines built from objects."),
  "V1.3.11": met(
    [T.invalidAddress, "P6: a reset request with an invalid address is 422 validation_failed, never a 500"],
    "Mail goes through Resend's JSON API (no SMTP); addresses are validated before use.",
  ),
  "V1.4.1": na("Memory-safe runtime (JavaScript in workerd); no native code of Rampart's own."),
  "V1.4.2": met(
    ["P11: limit is 1–200 (default 50); an unknown sort or filter value is 422", T.fileTooLarge, T.wrongType],
    "Numbers are validated by zod with integer and range bounds before use.",
  ),
  "V1.4.3": na("Memory-safe, garbage-collected runtime; no manual memory management."),
  "V1.5.1": na("No XML parser is used anywhere."),
  "V1.5.2": met(
    [T.invalidJson, T.prototype, T.unknownField],
    "The only deserialization is JSON.parse into plain data, then strict zod schemas; no class instantiation from input.",
  ),

  // V2 Validation and Business Logic
  "V2.1.1": met([T.openapiErrors, T.openapiAll], "Each route's schema (types, formats, lengths, ranges) is published in /openapi.json."),
  "V2.1.2": met([T.datesOrder, T.unknownField], "README (Compliance records, NIS2 deadlines) documents the cross-field rules."),
  "V2.1.3": met(
    [T.authPresets, T.storageQuota],
    "README 'Rate limits' (per IP, user, key, organization) and the plan limits (files, storage) document the limits.",
  ),
  "V2.2.1": met([T.validation422, T.wrongType, T.unknownField]),
  "V2.2.2": met([T.validation422, T.rolesPerResource]),
  "V2.2.3": met([T.datesOrder, "P9: an owner who is not a member of the organization is 422 invalid_reference"]),
  "V2.3.1": met([
    T.mfaRequired,
    "P6: the right password on an unverified address is 403 email_not_verified and starts no session",
    T.stateReplay,
  ]),
  "V2.3.2": met([T.storageQuota, "P14: an organization over the deployment's ceiling (EVIDENCE_MAX_ORG_BYTES)", T.rateLimited]),
  "V2.3.3": met([T.rollback, "P9: the owner at aal2 hands over: the member becomes owner and the caller admin, in one transaction"]),
  "V2.3.4": met([
    T.sameTotpOnce,
    T.sameEventOnce,
    T.resetOnceConcurrent,
    "P13: 200 concurrent writes to one org leave consecutive sequence numbers",
  ]),
  "V2.4.1": met([T.rateLimited, "P4: a user's limit holds across IPs", "P4: an API key's limit holds across IPs", T.wafBudget]),

  // V3 Web Frontend Security
  "V3.2.1": met([T.download, T.apiCsp, T.secureHeaders, T.secureHeaders500]),
  "V3.2.2": na(
    "Rampart renders no content in a browser; the only page is the vendored Swagger UI, which loads the OpenAPI document as data.",
  ),
  "V3.3.1": met([T.refreshCookie, T.cookieInBrowser]),
  "V3.3.2": met([T.refreshCookie, T.badOrigin]),
  "V3.3.3": met([T.refreshCookie]),
  "V3.3.4": met([T.refreshCookie, T.cookieInBrowser]),
  "V3.4.1": met([T.hsts, T.secureHeaders, T.secureHeaders500]),
  "V3.4.2": met([
    T.corsRefused,
    "P14: a preflight from the configured origin may PUT to a signed URL with its Content-Type; another origin gets no grant",
  ]),
  "V3.4.3": met([T.apiCsp, T.docsCsp, "renders the routes with the chosen CSP, no CSP violation, and no request leaving the origin"]),
  "V3.4.4": met([T.secureHeaders, T.secureHeaders500, T.download]),
  "V3.4.5": met([T.secureHeaders, T.secureHeaders500]),
  "V3.4.6": met([T.apiCsp, T.docsCsp]),
  "V3.5.1": met(
    [T.badOrigin, "P8: a login from a disallowed origin is refused with 403 origin_not_allowed and sets no cookie"],
    "Every API route authenticates with an Authorization header, which browsers never attach on their own; the cookie routes (refresh, logout) check Origin.",
  ),
  "V3.5.2": met(
    [T.noContentType, "accepts the media type case-insensitively, with a UTF-8 charset"],
    "Bodies must be application/json (415 otherwise), which a form cannot send without a preflight.",
  ),
  "V3.5.3": met(
    ["P3: a known path with a wrong method gets 405 with Allow listing the path's methods", T.stateOtherSession],
    "State changes are POST/PATCH/PUT/DELETE; the one GET that changes state is the OAuth callback, bound to a single-use state and the browser's cookie.",
  ),
  "V3.5.4": met(
    [T.cookieInBrowser],
    "The API has its own hostname; the browser app is another origin, admitted only through CORS_ORIGINS.",
  ),
  "V3.5.5": na("No postMessage: Rampart ships no browser code of its own."),
  "V3.7.1": na("No client-side technology of Rampart's own (no plugins); the vendored Swagger UI is pinned in package.json."),
  "V3.7.2": met(
    [T.pkce, T.bankError, "P1: a plain-http GET is redirected with 308 to the same URL over https"],
    "Redirects go only to the same URL over https, the configured bank, or the configured app origin.",
  ),

  // V4 API and Web Service
  "V4.1.1": met(
    ["P3: an unknown route gets 404 problem+json", "P19: /.well-known/security.txt serves Contact", T.download],
    "JSON is application/json (UTF-8 by RFC 8259), errors application/problem+json, text and scripts carry charset=utf-8.",
  ),
  "V4.1.2": notMet(
    "Plain-http POSTs are refused (400), but a plain-http GET or HEAD is redirected (308) on every path, API paths included; ASVS wants only browser-facing endpoints to redirect.",
  ),
  "V4.1.3": notMet(
    "The client address is read only from CF-Connecting-IP, which Cloudflare sets; no test shows that a client-sent X-Forwarded-For or X-Real-IP is ignored.",
  ),
  "V4.2.1": met([
    T.framing,
    "P3: a Content-Length or Transfer-Encoding header alone on a GET is refused too",
    "P3: a streamed body without Content-Length gets 413",
  ]),
  "V4.3.1": na("No GraphQL or query language is exposed; list routes take fixed filters and a limit of 1–200."),
  "V4.3.2": na("No GraphQL."),
  "V4.4.1": met(
    [T.loopbackOnly],
    "Rampart serves no WebSocket; its one WebSocket client (the Postgres driver) must use wss:// outside loopback.",
  ),
  "V4.4.2": na("No WebSocket is served."),
  "V4.4.3": na("No WebSocket is served."),
  "V4.4.4": na("No WebSocket is served."),

  // V5 File Handling
  "V5.1.1": met(
    [T.mediaAllowList, T.fileTooLarge],
    "README 'Evidence files' lists the media types, the per-file and storage limits, and how downloads are served.",
  ),
  "V5.2.1": met([T.fileTooLarge, T.storageQuota, T.bodyLimit]),
  "V5.2.2": notMet(
    "The content is checked against the declared media type (magic bytes, UTF-8 text), but the file name's extension is not checked against that type.",
  ),
  "V5.2.3": na("Uploaded files (archives included) are stored and served as opaque bytes; Rampart never unpacks one."),
  "V5.3.1": met(
    [T.download, "P14: a file over the WAF's 64 KiB inspection cap, full of attack text, streams through"],
    "Files live in R2 and are only ever streamed back as attachments, never executed.",
  ),
  "V5.3.2": met([T.objectKey]),
  "V5.4.1": met([T.download, T.disposition]),
  "V5.4.2": met([T.disposition]),
  "V5.4.3": notMet("Uploaded evidence is not scanned by an antivirus."),

  // V6 Authentication
  "V6.1.1": met(
    [T.authPresets, T.loginPerAccount],
    "README 'Rate limits' documents the login, sign-up, reset and MFA presets and Turnstile.",
  ),
  "V6.1.2": notMet("No list of context-specific words (product, organization names) is documented for passwords."),
  "V6.1.3": met(
    [T.openapiSecurity, T.undeclaredAuth],
    "README 'Identity' documents the pathways: password (+ TOTP or recovery code), refresh token, API key.",
  ),
  "V6.2.1": met(["P5: a new password of 7 characters is refused", "P5: a new password of exactly 8 characters is accepted"]),
  "V6.2.2": met([T.pwChangeRevokes]),
  "V6.2.3": met(["P16: a wrong current password at a password change is stored as login_failed"]),
  "V6.2.4": met([T.bundledList, "P5: when the range API does not answer within HIBP_TIMEOUT_MS"]),
  "V6.2.5": met(["P5: there is no composition rule"]),
  "V6.2.6": na("Rampart has no user interface; password fields are the client's."),
  "V6.2.7": na("Rampart has no user interface; nothing blocks paste or password managers."),
  "V6.2.8": met(
    [T.noTruncation, "P5: a long login password (1024 characters) is checked like any other"],
    "No truncation or case change; the only change is Unicode NFKC normalisation (as NIST SP 800-63B recommends).",
  ),
  "V6.2.9": met(["P5: a new password of 128 characters is accepted and one of 129 is refused"]),
  "V6.2.10": notMet("Passwords never expire (there is no expiry in the schema), but no test pins that absence."),
  "V6.2.11": notMet("No context-specific word list is applied (see V6.1.2)."),
  "V6.2.12": met([
    "P5: a breached password written in full-width",
    T.breachedChange,
    "P6: a breached new password is 422 breached_password",
  ]),
  "V6.3.1": met([T.loginPerAccount, T.loginPerIp, "P4: past 10 attempts on one account", T.refusedLoginNoHash]),
  "V6.3.2": met(
    [
      "P7: the worker's role cannot grant super-administrator rights, by function or by column",
      "P7: refuses an unverified or unknown address and changes nothing",
    ],
    "No account is seeded by migrations; super administrators are made only by the owner's script for an existing verified user.",
  ),
  "V6.3.3": notMet(
    "MFA is optional per user: required only for super administrators and in organizations that turn it on (P7); a password alone opens an aal1 session otherwise.",
  ),
  "V6.3.4": met([T.undeclaredAuth, T.openapiSecurity]),
  "V6.4.1": met([
    T.verifyLifetime,
    "P6: a reset link lives one hour, sets the password once",
    "P10: an expired link gets the same answer and writes nothing",
  ]),
  "V6.4.2": na("There are no password hints or secret questions."),
  "V6.4.3": met([T.resetRevokes, T.mfaRequired], "A reset opens no session; the next login with TOTP on still asks for the second factor."),
  "V6.4.4": notMet(
    "A lost second factor can be replaced only with a recovery code; there is no identity-proofing process for losing both.",
  ),
  "V6.5.1": met([T.totpOnceLogin, T.totpOnceActivation, T.recoveryOnce]),
  "V6.5.2": notMet(
    "Recovery codes carry about 74 bits (15 characters of a 31-letter alphabet) and are stored as HMAC-SHA-256 digests under TOKEN_HASH_SECRET, not with a salted password-hashing function.",
  ),
  "V6.5.3": met(
    [T.recoveryDistinct, "P7: enrolment returns a base32 secret"],
    "TOTP secrets and recovery codes come from crypto.getRandomValues.",
  ),
  "V6.5.4": met([T.recoveryDistinct, T.totpWindow], "TOTP codes have 6 digits; recovery codes about 74 bits."),
  "V6.5.5": met([T.totpWindow, "P7: an expired mfa_token is refused with 401 invalid_mfa_token"]),
  "V6.6.1": na("No SMS or phone OTP."),
  "V6.6.2": na("No out-of-band authenticator (SMS, push, emailed code) signs anyone in."),
  "V6.6.3": na("No code-based out-of-band authenticator."),
  "V6.8.1": na("No external identity provider: Rampart authenticates its users itself."),
  "V6.8.2": na("No identity-provider assertions are consumed (Rampart's own tokens: V9)."),
  "V6.8.3": na("No SAML."),
  "V6.8.4": na("No external identity provider."),

  // V7 Session Management
  "V7.1.1": met(
    [T.idle, T.absolute],
    "README 'Identity' states the access-token lifetime (≤ 15 min), the idle and absolute refresh limits and why.",
  ),
  "V7.1.2": notMet("Any number of concurrent sessions per account is allowed, and no limit or policy on them is documented."),
  "V7.1.3": na("No federated identity or SSO."),
  "V7.2.1": met([T.tokenSigned, T.forgedSub, T.forgedUnknownKey]),
  "V7.2.2": met([T.tokenClaims, "P8: a native client gets the refresh token in the body, and refreshing rotates it"]),
  "V7.2.3": met(
    [T.refreshDigest, "P10: no column of any table holds any secret the client received"],
    "Refresh tokens are 256 random bits from crypto.getRandomValues.",
  ),
  "V7.2.4": met([
    "P7: the current step's code turns the mfa_token into an aal2 session",
    "P8: a native client gets the refresh token in the body, and refreshing rotates it",
  ]),
  "V7.3.1": met([T.idle]),
  "V7.3.2": met([T.absolute]),
  "V7.4.1": met([T.logout, "P8: logout from the allowed origin clears the cookie"]),
  "V7.4.2": notMet(
    "There is no account disabling or deletion yet, so nothing terminates a disabled account's sessions (removal from an organization and suspension do cut access: P9).",
  ),
  "V7.4.3": met(
    [T.pwChangeRevokes, T.resetRevokes, T.revokeOther],
    "A password change revokes the other sessions by itself; after a TOTP change the user can revoke them.",
  ),
  "V7.4.4": na("No pages: logout is POST /v1/auth/logout, documented for clients."),
  "V7.4.5": notMet("Platform administrators cannot terminate a user's sessions or all sessions (no admin route for it)."),
  "V7.5.1": notMet(
    "A password change needs the current password (and aal2 with TOTP on), but removing TOTP needs only an aal2 session, not a fresh re-authentication; there is no e-mail change route yet.",
  ),
  "V7.5.2": notMet("Users list and revoke their sessions (P8), but revoking does not ask for a factor again."),
  "V7.6.1": na("No relying party / identity provider sessions."),
  "V7.6.2": na("No federated session creation; a session starts only from an explicit login."),

  // V8 Authorization
  "V8.1.1": met(
    [T.roleTable, T.rolesPerResource, T.rolesEvidence],
    "README 'Organizations' has the role × action table; API key scopes are documented per route.",
  ),
  "V8.1.2": met(
    [T.adminOwnerRole, T.invitationsNoDigest],
    "Field-level rules (owner role kept by owners, digests never returned, admin-only fields) are documented in README.",
  ),
  "V8.2.1": met([T.rolesPerResource, "P7: an admin route refuses a non-administrator's aal2 token with 403 forbidden", T.undeclaredAuth]),
  "V8.2.2": met([T.outsider404, T.otherOrgRows, "P11: A's member naming B's records"]),
  "V8.2.3": met([
    T.adminOwnerRole,
    T.unknownField,
    "P9: an admin's update of an owner matches nothing, and promoting anyone to owner is refused",
  ]),
  "V8.3.1": met([T.roleTable, "P9: with the API's check bypassed, the database refuses a member's settings change on its own"]),
  "V8.4.1": met([
    T.noOrgFilter,
    T.otherOrgRows,
    "P11: inserting a row with another org's id fails (42501), for every compliance table",
    "P12: the same user in two organizations has two counters",
  ]),

  // V9 Self-contained Tokens
  "V9.1.1": met([T.forgedSub, T.forgedAal, T.forgedUnknownKey, T.tokenSigned]),
  "V9.1.2": met(
    [T.forgedNone, T.forgedHs256, T.noSymmetricKey],
    "Only the configured asymmetric algorithm (EdDSA) verifies; none and HS256 are among the refused forgeries.",
  ),
  "V9.1.3": met(
    [T.forgedKid, T.forgedUnknownKey, T.keyRotation],
    "Keys come only from configuration (the JWKS Rampart publishes is its own); a token cannot name where its key lives.",
  ),
  "V9.2.1": met([T.forgedExp, T.forgedNbf, T.tokenClaims]),
  "V9.2.2": met([T.tokenSigned, T.forgedTyp], "Access tokens carry typ at+jwt, which verification requires."),
  "V9.2.3": met([T.tokenClaims, T.forgedAud, T.forgedIss]),
  "V9.2.4": met([T.tokenClaims], "The signing key issues only access tokens for Rampart's API audience."),

  // V10 OAuth and OIDC (Rampart: OAuth 2.0 client of one bank; resource server for its own tokens)
  "V10.1.1": met([T.bankNoToken, T.envelope, T.refreshCookie]),
  "V10.1.2": met([T.stateOtherSession, "P18: a session revoked between connect and callback cannot finish the connection"]),
  "V10.2.1": met([T.pkce, T.stateReplay, T.stateOtherSession]),
  "V10.2.2": met([T.mixUp]),
  "V10.3.1": met([T.tokenClaims, T.forgedAud]),
  "V10.3.2": na(
    "Rampart's tokens are first-party: authorization comes from membership and roles in the database, not from delegated scopes in the token.",
  ),
  "V10.3.3": met([T.tokenClaims], "The user is the token's sub (a UUID never reassigned), issued by Rampart itself."),
  "V10.3.4": met([T.adminAal1, T.orgRequiresMfa, T.totpRemoveAal1]),
  "V10.4.1": na("Rampart is not an authorization server."),
  "V10.4.2": na("Rampart is not an authorization server."),
  "V10.4.3": na("Rampart is not an authorization server."),
  "V10.4.4": na("Rampart is not an authorization server."),
  "V10.4.5": na("Rampart is not an authorization server (its own refresh tokens: V7, rotation with reuse detection)."),
  "V10.4.6": na("Rampart is not an authorization server (as a client it sends PKCE: V10.2.1)."),
  "V10.4.7": na("Rampart is not an authorization server."),
  "V10.4.8": na("Rampart is not an authorization server (its own refresh tokens have an absolute expiry: V7.3.2)."),
  "V10.4.9": na("Rampart is not an authorization server."),
  "V10.4.10": na("Rampart is not an authorization server."),
  "V10.4.11": na("Rampart is not an authorization server."),
  "V10.5.1": na("Not an OpenID Connect relying party: the bank flow is OAuth 2.0 without ID tokens."),
  "V10.5.2": na("Not an OpenID Connect relying party."),
  "V10.5.3": notMet(
    "The bank's metadata is discovered and oauth4webapi compares its issuer with BANK_ISSUER, but no test serves metadata naming another issuer.",
  ),
  "V10.5.4": na("Not an OpenID Connect relying party."),
  "V10.5.5": na("No OIDC back-channel logout."),
  "V10.6.1": na("Rampart is not an OpenID Provider."),
  "V10.6.2": na("Rampart is not an OpenID Provider."),
  "V10.7.1": na("Rampart is not an authorization server (consent is the bank's)."),
  "V10.7.2": na("Rampart is not an authorization server."),
  "V10.7.3": na("Rampart is not an authorization server; users disconnect the bank with DELETE …/integrations/bank."),

  // V11 Cryptography
  "V11.1.1": notMet(
    "Rotation runbooks exist (README 'Key rotation', data keys, Stripe secret), but no key-management policy with cryptoperiods and destruction (NIST SP 800-57).",
  ),
  "V11.1.2": notMet("No cryptographic inventory (keys, algorithms, where used) is kept as a document."),
  "V11.2.1": met([T.tokenSigned, T.envelope, T.bcrypt], "WebCrypto (BoringSSL in workerd), jose and bcryptjs; no home-made primitive."),
  "V11.2.2": met([T.keyRotation, T.dataKeyRotation, T.rehash, "P14: key rotation: URLs of the previous key verify until they expire"]),
  "V11.2.3": met(
    [T.noSymmetricKey, T.refreshDigest, "refuses short secrets, repeated or malformed key ids, without echoing the secret"],
    "Ed25519, AES-256-GCM, HMAC-SHA-256 with 256-bit secrets.",
  ),
  "V11.3.1": met([T.gcmFlip, T.sealedCopied], "AES-GCM only; no ECB, no RSA padding."),
  "V11.3.2": met([T.envelope, T.gcmFlip]),
  "V11.3.3": met([T.sealedCopied, T.gcmFlip, T.segmentsSwapped]),
  "V11.4.1": met(
    [T.refreshDigest, T.auditTamper],
    "SHA-256 and HMAC-SHA-256 throughout; SHA-1 only as the HIBP range API's lookup key, CRC-32 only as the API key's typo checksum.",
  ),
  "V11.4.2": met([T.bcrypt, T.rehash, "P5: a BCRYPT_COST below 10 is refused by config validation"]),
  "V11.4.3": met([
    T.auditTamper,
    "P14: a record created with its file, uploaded and downloaded: the bytes and their SHA-256 come back unchanged",
  ]),
  "V11.4.4": na("No key is derived from a password."),
  "V11.5.1": met(
    [T.keysRandom, T.refreshDigest],
    "Every token, key and code comes from crypto.getRandomValues with ≥ 128 bits, except TOTP codes and recovery codes (V6.5).",
  ),
  "V11.6.1": met([T.tokenSigned, T.noSymmetricKey], "Ed25519 (EdDSA) signatures; keys generated with WebCrypto."),

  // V12 Secure Communication
  "V12.1.1": met(
    [T.tls12, "P1: a request negotiated with TLS 1.3 is served", "P1: MIN_TLS_VERSION lowers the minimum"],
    `${PLATFORM}; the Worker refuses below MIN_TLS_VERSION (default 1.3).`,
  ),
  "V12.1.2": notMet(`${PLATFORM} with its default cipher suites; the zone's cipher setting is neither in the repository nor tested.`),
  "V12.1.3": na("No mTLS client certificates."),
  "V12.2.1": met(["P1: a plain-http GET is redirected with 308", T.plainPost, T.noDevOriginInProd, T.hsts]),
  "V12.2.2": notMet(`${PLATFORM} with a Cloudflare-issued public certificate; nothing in the repository configures or checks it.`),
  "V12.3.1": met(
    [T.loopbackOnly],
    "Database, Redis, R2 and every third party are reached over https/wss; config validation allows http/ws only to loopback.",
  ),
  "V12.3.2": met(
    [T.loopbackOnly],
    "The Workers runtime's fetch and WebSocket always validate server certificates (there is no switch to turn it off).",
  ),
  "V12.3.3": met([T.loopbackOnly]),
  "V12.3.4": na("No internal certificates: every service reached is a public endpoint with a public certificate."),

  // V13 Configuration
  "V13.1.1": met(
    [T.loopbackOnly, "parses the test deployment"],
    "README 'Configuration' lists every external service and its variable; no user-supplied location is called.",
  ),
  "V13.2.1": met(
    [T.missingSecret, T.appRoleOwnsNothing],
    "Every backend link authenticates with its own credential: Postgres as the rampart_app role, Upstash with its token, R2 by binding, third parties with their API keys; the Worker refuses to start without them.",
  ),
  "V13.2.2": met([T.appRoleOwnsNothing, "P11: the app role cannot SET ROLE or SESSION AUTHORIZATION to the owner", T.appRoleNoHashes]),
  "V13.2.3": met([T.missingSecret], "Every credential is a deployment secret; none has a default outside the local stand-ins."),
  "V13.2.4": met([T.loopbackOnly, T.ssrf], "The application calls only the service URLs in its configuration."),
  "V13.2.5": notMet(
    "No egress restriction at the platform: a Worker could fetch any host; only the application-level list of V13.2.4 holds.",
  ),
  "V13.3.1": met(
    [T.missingSecret, "never puts a value in the issues it reports"],
    "Secrets are Workers secrets (encrypted, set with wrangler secret put), never in wrangler.toml or the repository.",
  ),
  "V13.3.2": met(
    [T.digestPerKind, "P10: api_keys.key_digest is an HMAC under API_KEY_HASH_SECRET"],
    "One secret per purpose (tokens, API keys, identifiers, data keys, URL signing, webhooks).",
  ),
  "V13.4.1": met(
    [T.noAssets, "does not serve ..%2fpackage.json: the WAF refuses the traversal before the router"],
    "The deployed bundle holds the built Worker and the Swagger UI assets only.",
  ),
  "V13.4.2": met([T.noDevOriginInProd, T.uncaught500]),
  "V13.4.3": met([T.noAssets, "does not serve %2e%2e: the runtime resolves it to /docs/, which only redirects to the page"]),
  "V13.4.4": met(
    [T.framing, "P3: a known path with a wrong method gets 405"],
    "Only registered methods are routed; unknown methods are refused by the WAF.",
  ),
  "V13.4.5": met(
    [T.readyzNoDriverText, "P4: the platform routes are exempt"],
    "/openapi.json, /docs, /healthz and /readyz are public by design and say nothing internal.",
  ),

  // V14 Data Protection
  "V14.1.1": notMet(
    "Secrets and personal data are listed per feature (P10, P16) but not classified into protection levels in one document.",
  ),
  "V14.1.2": notMet("No protection requirements per protection level (follows V14.1.1)."),
  "V14.2.1": met(
    [T.signedExpiry, "P8: a request without Authorization gets 401 authentication_required with a Bearer challenge"],
    "Credentials travel in Authorization or the refresh cookie; the only secrets in URLs are evidence signed URLs (one object, one method, ≤ 5 minutes) and the OAuth code and state.",
  ),
  "V14.2.2": notMet(
    "Answers are not cached by the Worker, but ordinary authenticated JSON answers carry no Cache-Control: no-store (only errors, API key creation, bank routes and downloads do).",
  ),
  "V14.2.3": met([T.hibpPrefix, T.noSecretInLogs], "No trackers; the breach check sends 5 hex characters of a SHA-1 with padding."),
  "V14.2.4": notMet(
    "Encryption, redaction and access controls exist (P10, P16), but without V14.1's documented levels they cannot be shown to match them.",
  ),
  "V14.3.1": met(
    ["P8: logout from the allowed origin clears the cookie"],
    "The only client storage Rampart sets is the refresh cookie, cleared at logout.",
  ),
  "V14.3.2": notMet("Cache-Control: no-store is not sent on every answer with sensitive data (see V14.2.2)."),
  "V14.3.3": met([T.cookieInBrowser], "Rampart stores only the HttpOnly refresh cookie in the browser."),

  // V15 Secure Coding and Architecture
  "V15.1.1": notMet("No documented remediation time frames for vulnerable components (supply chain, P20, is not built)."),
  "V15.1.2": notMet("No SBOM is produced (P20)."),
  "V15.1.3": met(
    [T.wafBudget, T.refusedLoginNoHash],
    "README documents the costly parts (bcrypt, the WAF budget, uploads, exports) and their limits.",
  ),
  "V15.2.1": notMet(
    "CI fails on high or critical advisories of production dependencies (.ci/audit), but there are no time frames to meet (V15.1.1).",
  ),
  "V15.2.2": met([T.wafBudget, T.wafAfterBudget, T.refusedLoginNoHash, T.rateLimited, "P3: a body that stalls is 408 request_timeout"]),
  "V15.2.3": met([T.noAssets, T.noDevOriginInProd], "Test-only modules (probe routes) are not in the deployed bundle."),
  "V15.3.1": met([T.invitationsNoDigest, T.export, T.pseudonym]),
  "V15.3.2": notMet(
    "The HIBP and Turnstile calls, the database driver's fetch and the Resend and Upstash SDKs keep fetch's default redirect: follow; only the bank's OAuth client (oauth4webapi) refuses redirects.",
  ),
  "V15.3.3": met(
    [T.unknownField, "P9: a reason that is missing, blank, over 500 characters or with extra fields is 422"],
    "Request schemas are strict objects of the writable fields only.",
  ),
  "V15.3.4": notMet(
    "Same as V4.1.3: CF-Connecting-IP is used for limits and logs, but no test shows a client-sent X-Forwarded-For is ignored.",
  ),
  "V15.3.5": met([T.wrongType, T.validation422], "Strict TypeScript and zod schemas at every boundary."),
  "V15.3.6": met([T.prototype], "Parsed JSON goes through zod, which builds new objects of known keys."),
  "V15.3.7": met([T.repeatedParams, T.validation422], "Parameters are read from one declared source each (path, query or JSON body)."),

  // V16 Security Logging and Error Handling
  "V16.1.1": notMet(
    "Events and log lines are documented (src/lib/security-events.ts, README 'Alerts'), but not where logs are stored, who reads them and for how long.",
  ),
  "V16.2.1": met([T.logLine, T.severity, T.loginEvents]),
  "V16.2.2": met([T.logLine, T.utc], "Timestamps are ISO 8601 UTC from the platform clock."),
  "V16.2.3": notMet("Follows V16.1.1: no log inventory to compare destinations with."),
  "V16.2.4": met([T.logLine, T.severity]),
  "V16.2.5": met([T.redacts, "scrubs credentials embedded in free text", T.noSecretInLogs]),
  "V16.3.1": met([T.loginOk, T.loginEvents, T.mfaEvents, "P16: a login with an unknown address is stored as login_failed"]),
  "V16.3.2": met([T.viewerWrite, "P16: refused attempts on admin routes are stored as admin_access_refused"]),
  "V16.3.3": met([T.wafLogged, T.wafEvent, T.rateLimitedEvent]),
  "V16.3.4": met([T.uncaught500, "P4: consuming an organization's limit never holds the answer"]),
  "V16.4.1": met([T.wafLogged, T.logLine]),
  "V16.4.2": met([T.auditImmutable, T.auditTrigger, T.auditTamper]),
  "V16.4.3": notMet(
    "Log lines go to the platform's Workers logs; no shipping to a separate system (Logpush, SIEM) is configured in the repository.",
  ),
  "V16.5.1": met([T.uncaught500, T.invalidJson, T.readyzNoDriverText, "P3: a block is 403 problem+json with the request id only"]),
  "V16.5.2": met([T.bundledList, T.dbDown, "P18: a bank that does not answer is 502 bank_unavailable"]),
  "V16.5.3": met([T.redisDownClosed, T.wafInvalidSetting, T.wafAfterBudget, T.rollback]),

  // V17 WebRTC
  "V17.1.1": na("No WebRTC."),
  "V17.2.1": na("No WebRTC."),
  "V17.2.2": na("No WebRTC."),
  "V17.2.3": na("No WebRTC."),
  "V17.2.4": na("No WebRTC."),
  "V17.3.1": na("No WebRTC."),
  "V17.3.2": na("No WebRTC."),
};
