/**
 * The one table of error codes (like supabase's errorcode.go): each stable
 * snake_case code maps to its HTTP status, a short title and a generic detail.
 * Wire text stays generic; the rich reason goes to the log, never to the client.
 * Later issues add codes here (waf_blocked, rate_limited, invalid_credentials, ...).
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Status, title and default detail of one error code. */
export interface ErrorSpec {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  readonly detail: string;
}

/** Every error code the API can answer with. */
export const ERROR_CODES = {
  bad_request: { status: 400, title: "Bad request", detail: "The request could not be understood." },
  https_required: { status: 400, title: "HTTPS required", detail: "This API is only served over HTTPS; the request was not processed." },
  invalid_json: { status: 400, title: "Invalid JSON", detail: "The request body is not valid JSON." },
  body_not_allowed: { status: 400, title: "Body not allowed", detail: "This method carries no body; send the request without one." },
  inspection_limit_exceeded: {
    status: 413,
    title: "Too complex to inspect",
    detail: "The request exceeds what the firewall inspects (nesting depth, number of values or size); send a smaller or flatter one.",
  },
  request_timeout: { status: 408, title: "Request timeout", detail: "The request body did not arrive in time." },
  validation_failed: { status: 422, title: "Validation failed", detail: "One or more fields are invalid; see errors." },
  authentication_required: {
    status: 401,
    title: "Authentication required",
    detail: "This route needs credentials: send an access token (or API key) as Authorization: Bearer.",
  },
  invalid_token: {
    status: 401,
    title: "Invalid token",
    detail: "The access token is invalid, expired or revoked; refresh it or sign in again.",
  },
  invalid_credentials: { status: 401, title: "Invalid credentials", detail: "The email address or the password is wrong." },
  invalid_refresh_token: {
    status: 401,
    title: "Invalid refresh token",
    detail: "The refresh token is invalid, expired or was already used; sign in again.",
  },
  invalid_mfa_token: {
    status: 401,
    title: "Invalid MFA token",
    detail: "The MFA token is invalid, expired or was already used; sign in again.",
  },
  invalid_mfa_code: { status: 401, title: "Invalid code", detail: "The code is wrong, expired or was already used." },
  email_not_verified: {
    status: 403,
    title: "Email not verified",
    detail: "Verify your email address with the link we sent before signing in.",
  },
  mfa_required: { status: 403, title: "MFA required", detail: "This action needs a session verified with a second factor (aal2)." },
  forbidden: { status: 403, title: "Forbidden", detail: "You are not allowed to do this." },
  organization_suspended: {
    status: 403,
    title: "Organization suspended",
    detail: "This organization is suspended by the platform's operators; contact support.",
  },
  origin_not_allowed: {
    status: 403,
    title: "Origin not allowed",
    detail: "Requests with credentials are accepted only from the configured origins.",
  },
  captcha_required: {
    status: 403,
    title: "Challenge required",
    detail: "Solve the challenge and send its token as turnstile_token (too many attempts, or sign-up protection).",
  },
  captcha_failed: { status: 403, title: "Challenge failed", detail: "The challenge token was not accepted; solve a new challenge." },
  invalid_email_token: { status: 400, title: "Invalid link", detail: "The link is invalid, has expired or was already used." },
  invalid_cursor: {
    status: 400,
    title: "Invalid cursor",
    detail: "The cursor is not one this list returned (or was altered); start again without it.",
  },
  conflict: { status: 409, title: "Conflict", detail: "The resource changed meanwhile; reload it and try again." },
  already_exists: { status: 409, title: "Already exists", detail: "A resource with these unique values already exists." },
  last_owner: {
    status: 409,
    title: "Last owner",
    detail: "An organization must keep an owner: transfer ownership before removing or demoting the last one.",
  },
  already_member: { status: 409, title: "Already a member", detail: "This person is already a member of the organization." },
  invalid_invitation: {
    status: 400,
    title: "Invalid invitation",
    detail: "The invitation link is invalid, has expired, was revoked or was already used; ask for a new invitation.",
  },
  invitation_email_mismatch: {
    status: 403,
    title: "Invitation for another address",
    detail: "This invitation was sent to another email address; sign in with the account of the address it was sent to.",
  },
  precondition_failed: {
    status: 412,
    title: "Precondition failed",
    detail: "The record changed since the version named in If-Match; nothing was written. Read it again and retry.",
  },
  constraint_violated: {
    status: 422,
    title: "Value not allowed",
    detail: "A value breaks a rule the database enforces (a range, an allowed value, an order of dates); nothing was written.",
  },
  invalid_reference: { status: 422, title: "Invalid reference", detail: "A referenced resource does not exist in this organization." },
  confirmation_mismatch: {
    status: 422,
    title: "Confirmation mismatch",
    detail: "The confirmation does not match the organization's name; nothing was deleted.",
  },
  mfa_already_enabled: {
    status: 409,
    title: "MFA already enabled",
    detail: "TOTP is already enabled; disable it first to enrol a new authenticator.",
  },
  mfa_not_enrolled: { status: 409, title: "MFA not enrolled", detail: "Start an enrolment first (POST /v1/auth/mfa/totp/enroll)." },
  mfa_not_enabled: { status: 409, title: "MFA not enabled", detail: "TOTP is not enabled for this account." },
  breached_password: {
    status: 422,
    title: "Breached password",
    detail: "This password appears in known data breaches or common-password lists; choose another.",
  },
  waf_blocked: {
    status: 403,
    title: "Request blocked",
    detail: "The request matched the web application firewall's rules; quote the request id if this is a mistake.",
  },
  not_found: { status: 404, title: "Not found", detail: "No resource exists at this path." },
  method_not_allowed: {
    status: 405,
    title: "Method not allowed",
    detail: "This path does not support the request method; see the Allow header.",
  },
  payload_too_large: { status: 413, title: "Payload too large", detail: "The request body exceeds the limit of this route." },
  unsupported_media_type: {
    status: 415,
    title: "Unsupported media type",
    detail: "The request body must be sent with a content type this route accepts.",
  },
  tls_version_too_low: {
    status: 426,
    title: "TLS version too low",
    detail: "The connection used a TLS version below the minimum this API accepts.",
  },
  rate_limited: {
    status: 429,
    title: "Too many requests",
    detail: "A rate limit of this endpoint was reached; retry after the time in Retry-After.",
  },
  internal_error: { status: 500, title: "Internal error", detail: "An unexpected error occurred. Quote the request id when reporting it." },
  not_ready: { status: 503, title: "Not ready", detail: "A dependency of this service is unavailable." },
  database_unavailable: {
    status: 503,
    title: "Database unavailable",
    detail:
      "The database did not answer in time. A request's changes are one transaction, applied whole or not at all: check before repeating a write.",
  },
  auth_unavailable: {
    status: 503,
    title: "Authentication unavailable",
    detail: "Sessions cannot be checked right now; retry after the time in Retry-After.",
  },
  rate_limit_unavailable: {
    status: 503,
    title: "Rate limiting unavailable",
    detail: "This endpoint cannot be served while its rate limits cannot be checked; retry after the time in Retry-After.",
  },
  policy_not_approved: {
    status: 409,
    title: "Policy not approved",
    detail: "Only an approved policy can be acknowledged; this one is a draft or retired. Nothing was written.",
  },
  // Evidence files (P14).
  length_required: {
    status: 411,
    title: "Length required",
    detail: "This route streams the body: send it with a Content-Length (no chunked transfer encoding).",
  },
  signed_url_invalid: {
    status: 403,
    title: "Link invalid or expired",
    detail: "This link is invalid, was altered, belongs to another file or has expired; ask for a new one.",
  },
  file_too_large: { status: 413, title: "File too large", detail: "The file is larger than this organization's limit per file." },
  storage_quota_exceeded: {
    status: 413,
    title: "Storage quota exceeded",
    detail: "This organization's evidence files would exceed its storage limit; delete old versions or files first.",
  },
  media_type_not_allowed: {
    status: 415,
    title: "Media type not allowed",
    detail: "Evidence files must have one of the allowed media types, and the upload must be sent with the type declared for it.",
  },
  file_type_mismatch: {
    status: 415,
    title: "Content does not match its type",
    detail: "The file's first bytes are not those of its declared media type; nothing was stored. Declare the right type and upload again.",
  },
  size_mismatch: {
    status: 422,
    title: "Size mismatch",
    detail: "The upload's length differs from the size declared for it; nothing was stored. Ask for a new upload URL.",
  },
  checksum_mismatch: {
    status: 422,
    title: "Checksum mismatch",
    detail: "The uploaded bytes' SHA-256 differs from the one declared; nothing was stored. Ask for a new upload URL.",
  },
  file_not_available: {
    status: 409,
    title: "File not available",
    detail: "This evidence record has no uploaded file (or not that version) yet: upload one, then ask for a download URL.",
  },
  range_not_satisfiable: {
    status: 416,
    title: "Range not satisfiable",
    detail: "The requested byte range lies outside the file; see Content-Range for its size.",
  },
  invalid_signature: {
    status: 400,
    title: "Invalid signature",
    detail: "The Stripe-Signature header does not sign this body with a current secret, or its timestamp is more than 5 minutes away.",
  },
  invalid_oauth_state: {
    status: 400,
    title: "Invalid authorization state",
    detail: "This authorization is unknown, expired, already used or was started in another session; start connecting again.",
  },
  bank_not_configured: { status: 503, title: "Bank not configured", detail: "This deployment has no bank integration configured." },
  bank_not_connected: { status: 409, title: "Bank not connected", detail: "The organization has no bank connection; connect it first." },
  bank_connection_broken: {
    status: 409,
    title: "Bank connection broken",
    detail: "The bank refused to renew the connection's access; an owner or admin must connect it again.",
  },
  bank_unavailable: { status: 502, title: "Bank unavailable", detail: "The bank did not answer as expected; try again later." },
  // Backups (P15).
  backup_not_verified: {
    status: 409,
    title: "Backup not verified",
    detail: "This backup has not passed its restore check; only a verified backup can be restored. Run the check first.",
  },
  backup_invalid: {
    status: 409,
    title: "Backup invalid",
    detail: "This backup's object failed verification while it was being restored; nothing was created. Its check now says why.",
  },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code, e.g. `not_found`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Base of every problem `type` URI: `type` = base + code. The URI identifies the
 * problem kind and is stable across deployments; it is not fetched by clients
 * (RFC 9457 §3.1.1 allows non-resolvable type URIs).
 */
export const PROBLEM_TYPE_BASE = "https://rampart.dev/problems/";

/** One field-level validation error, as listed in a `validation_failed` problem. */
export interface FieldError {
  /** Where the field is: `body`, `query`, `path`, `header` or `cookie`. */
  readonly in: string;
  /** Dotted path inside that part, e.g. `members.0.email`; empty for the whole part. */
  readonly path: string;
  readonly message: string;
  /** The validator's issue code, e.g. `invalid_type`, `too_small`. */
  readonly code: string;
}

/** What an {@link AppError} may add to its problem: all of it is safe to show a client. */
export interface AppErrorOptions {
  /** A specific, client-safe detail replacing the code's generic one. */
  readonly detail?: string;
  readonly errors?: readonly FieldError[];
  /** RFC 9457 extension members, e.g. `{ checks: {...} }`. Never internal state. */
  readonly extensions?: Readonly<Record<string, unknown>>;
  /** Response headers the problem needs (`Allow`, `Upgrade`, `Retry-After`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The internal cause, for the log only. */
  readonly cause?: unknown;
}

/**
 * An expected, client-facing failure. Throw it anywhere in the pipeline; the
 * error stage turns it into `application/problem+json` without logging it as a bug.
 *
 * @example
 * ```ts
 * throw new AppError("payload_too_large", { detail: "The limit is 65536 bytes." });
 * ```
 */
export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly options: AppErrorOptions;

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    super(code, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.options = options;
  }
}

/** Maps a bare HTTP status (from a library's HTTPException) to the closest code. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 422:
      return "validation_failed";
    default:
      return status >= 400 && status < 500 ? "bad_request" : "internal_error";
  }
}
