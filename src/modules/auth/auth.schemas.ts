/**
 * Request and response schemas of the auth routes (zod → validation, types and the
 * OpenAPI document). Limits are generous for what people type and tight for what
 * machines send: every string has a maximum, so oversized fields are a 422.
 */
import { z } from "@hono/zod-openapi";

/** Loose shape check, after normalisation (trim, NFKC, lower case); deliverability is the verification email's job. */
const EMAIL = /^[^\s@]{1,64}@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** The login identity of an address: NFKC, trimmed, lower-cased. */
export function normaliseEmail(value: string): string {
  return value.normalize("NFKC").trim().toLowerCase();
}

/** Characters as people count them (code points), not UTF-16 units. */
function length(value: string): number {
  let count = 0;
  // for…of walks code points: a surrogate pair counts once.
  for (const _ of value) count++;
  return count;
}

export const EmailSchema = z
  .string()
  .max(320)
  .refine((v) => EMAIL.test(normaliseEmail(v)), { message: "must be an email address" })
  .openapi({ format: "email", example: "ada@example.org" });

/**
 * A new password (P5): 8 to 128 characters, no composition rules. Counted, checked
 * against breaches and hashed in its NFKC form (what `hashPassword` stores), so a
 * breached password in full-width letters, or combining marks that fold into fewer
 * characters, are judged as what they become.
 */
export const NewPasswordSchema = z
  .string()
  .max(512)
  .transform((v) => v.normalize("NFKC"))
  .refine((v) => length(v) >= 8, { message: "must be at least 8 characters" })
  .refine((v) => length(v) <= 128, { message: "must be at most 128 characters" })
  .openapi({ type: "string", minLength: 8, maxLength: 128, example: "correct horse battery staple", format: "password" });

/** A password being checked: anything up to a bound (imported accounts may have long ones). */
export const PasswordSchema = z.string().min(1).max(1024).openapi({ format: "password", example: "correct horse battery staple" });

export const NameSchema = z.string().trim().min(1).max(100).openapi({ example: "Ada Lovelace" });

/** An opaque token from a link or an earlier answer. */
export const TokenSchema = z.string().min(1).max(512);

const turnstile = z.string().max(2048).optional().openapi({ description: "A Turnstile token, where a challenge is required." });

export const SignupBody = z
  .object({ email: EmailSchema, password: NewPasswordSchema, name: NameSchema, turnstile_token: turnstile })
  .openapi("SignupRequest");
export const EmailBody = z.object({ email: EmailSchema }).openapi("EmailRequest");
export const TokenBody = z.object({ token: TokenSchema }).openapi("TokenRequest");
export const LoginBody = z.object({ email: EmailSchema, password: PasswordSchema, turnstile_token: turnstile }).openapi("LoginRequest");
export const MfaVerifyBody = z
  .object({
    mfa_token: TokenSchema,
    code: z.string().min(1).max(64).openapi({ description: "A 6-digit TOTP code, or a recovery code.", example: "123456" }),
  })
  .openapi("MfaVerifyRequest");
export const RefreshBody = z
  .object({ refresh_token: TokenSchema.optional().openapi({ description: "Native and mobile clients (no Origin header) only." }) })
  .openapi("RefreshRequest");
export const PasswordChangeBody = z
  .object({ current_password: PasswordSchema, new_password: NewPasswordSchema })
  .openapi("PasswordChangeRequest");
export const ResetConfirmBody = z.object({ token: TokenSchema, new_password: NewPasswordSchema }).openapi("PasswordResetConfirmRequest");
export const TotpCodeBody = z.object({ code: z.string().min(1).max(16).openapi({ example: "123456" }) }).openapi("TotpCodeRequest");
export const SessionParams = z.object({ id: z.uuid().openapi({ param: { name: "id", in: "path" } }) });

/** A session's tokens. Browsers (an allowed Origin) get the refresh token only as the `__Host-rampart-refresh` cookie. */
export const SessionTokens = z
  .object({
    access_token: z.string().openapi({ example: "eyJhbGciOiJFZERTQSIsImtpZCI6Ii4uLiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2ln" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int().openapi({ example: 900 }),
    refresh_token: z
      .string()
      .optional()
      .openapi({ description: "Only for clients that sent no Origin header.", example: "rt_3v9Jq0c1G8dYw2m5XbTQe7Lr4Kp6Na1Zs8Hf0Ub2Wk4" }),
    session_id: z.uuid().openapi({ example: "6f1c2b9e-3d4a-4f5b-8c7d-9e0a1b2c3d4e" }),
  })
  .openapi("SessionTokens");

export const MfaChallenge = z
  .object({
    mfa_required: z.literal(true),
    mfa_token: z.string().openapi({ example: "Vt3k9QmZ0aLx1bR7cW2yHg.4Jf8Ks2Lp0Qw6Er1Ty9Ui3Op5As7Df2Gh4Jk6Lz8Xc" }),
    expires_in: z.number().int().openapi({ example: 300 }),
  })
  .openapi("MfaChallenge");

/** The same answer whatever happened (known or unknown address). */
export const Accepted = z.object({ status: z.literal("accepted") }).openapi("Accepted");
export const Verified = z.object({ status: z.literal("verified") }).openapi("EmailVerified");

export const SessionSummary = z
  .object({
    id: z.uuid(),
    created_at: z.string().openapi({ example: "2026-11-30T08:00:00.000Z" }),
    last_seen_at: z.string().openapi({ example: "2026-11-30T09:12:00.000Z" }),
    expires_at: z.string().openapi({ example: "2026-12-07T09:12:00.000Z" }),
    aal: z.enum(["aal1", "aal2"]),
    ip: z.string().nullable().openapi({ description: "The address truncated to /24 (IPv4) or /48 (IPv6).", example: "203.0.113.0/24" }),
    user_agent: z.string().nullable().openapi({ example: "Firefox on Linux" }),
    current: z.boolean(),
  })
  .openapi("Session");
export const SessionList = z.object({ data: z.array(SessionSummary) }).openapi("SessionList");

export const TotpEnrollment = z
  .object({
    secret: z.string().openapi({ description: "Base32; show it once for manual entry.", example: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" }),
    otpauth_url: z.string().openapi({
      example:
        "otpauth://totp/Rampart:ada%40example.org?issuer=Rampart&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30",
    }),
  })
  .openapi("TotpEnrollment");
export const RecoveryCodes = z
  .object({
    recovery_codes: z
      .array(z.string())
      .openapi({ description: "Ten single-use codes, shown once.", example: ["k7m2p-qx9ha-3trwe", "b4nzc-8jdsu-yv6fm"] }),
  })
  .openapi("RecoveryCodes");

export const Me = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    email_verified: z.boolean(),
    mfa_enabled: z.boolean(),
    super_admin: z.boolean(),
    aal: z.enum(["aal1", "aal2"]),
    amr: z.array(z.string()),
    memberships: z.array(z.object({ org_id: z.uuid(), name: z.string(), role: z.enum(["owner", "admin", "member", "auditor", "viewer"]) })),
  })
  .openapi("Me");
