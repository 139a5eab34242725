/**
 * Opaque secrets handed to clients (refresh tokens, email-link tokens, MFA tokens,
 * recovery codes) and the keyed digests stored instead of them (P10). A token is
 * 256 random bits; its digest is HMAC-SHA-256 under TOKEN_HASH_SECRET with the
 * token's purpose as domain, so a database dump neither reveals a token nor lets
 * anyone test guesses offline, and a digest of one kind never matches another.
 */
import { base64url, randomBytes } from "../lib/encoding";
import { hmac } from "./hmac";

/** What a token is for: the digest's domain. */
export type TokenPurpose = "refresh" | "email" | "mfa" | "recovery";

/** Prefix of refresh tokens, so a leaked one is recognisable. */
export const REFRESH_TOKEN_PREFIX = "rt_";

/** A fresh token: 256 random bits, base64url. */
export function randomToken(prefix = ""): string {
  return prefix + base64url(randomBytes(32));
}

/** The stored digest of `token` (base64url, 43 characters). */
export async function tokenDigest(secret: string, purpose: TokenPurpose, token: string): Promise<string> {
  return base64url(await hmac(secret, `digest:${purpose}`, token));
}

/**
 * The refresh token that replaces `token` at rotation. Derived, not random, so a
 * retry of a just-rotated token (a lost response) is answered with the very same
 * successor without storing it anywhere; without TOKEN_HASH_SECRET nobody can
 * compute it, and it carries 256 bits like a random token.
 */
export async function refreshSuccessor(secret: string, token: string): Promise<string> {
  return REFRESH_TOKEN_PREFIX + base64url(await hmac(secret, "refresh-successor", token));
}

/** Shape of the refresh and email-link tokens this module issues (prefix + 43 base64url characters). */
export const TOKEN_SHAPE = /^(?:rt_)?[\w-]{43}$/;

/** Shape of an MFA token: the account's tag, a dot, 256 random bits. */
export const MFA_TOKEN_SHAPE = /^[\w-]{22}\.[\w-]{43}$/;

/**
 * An MFA token: `<tag>.<random>`, where the tag is a keyed hash of the user id
 * (128 bits under IDENTIFIER_HASH_SECRET, the rate limits' key). Every token of one
 * account shares the tag, so the `mfa` rate-limit preset counts code guesses per
 * account across logins; the tag reveals nothing without the secret.
 */
export async function newMfaToken(identifierSecret: string, userId: string): Promise<string> {
  const tag = base64url((await hmac(identifierSecret, "mfa-account", userId)).slice(0, 16));
  return `${tag}.${randomToken()}`;
}

const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_CODE = /^[a-hjkmnp-z2-9]{15}$/;

/**
 * A recovery code: 15 characters from a 31-letter alphabet without look-alikes
 * (74 bits), shown as three groups of five (`abcde-fghjk-mnpqr`).
 */
export function recoveryCode(): string {
  // Rejection sampling: bytes at or above 248 (8 × 31) would bias the first letters.
  const limit = 256 - (256 % RECOVERY_ALPHABET.length);
  let code = "";
  while (code.length < 15) {
    for (const byte of randomBytes(32)) {
      if (byte < limit && code.length < 15) code += RECOVERY_ALPHABET.charAt(byte % RECOVERY_ALPHABET.length);
    }
  }
  return `${code.slice(0, 5)}-${code.slice(5, 10)}-${code.slice(10)}`;
}

/** A recovery code as typed (any case, spaces or dashes) in its canonical form, or `undefined`. */
export function normaliseRecoveryCode(input: string): string | undefined {
  const compact = input.toLowerCase().replace(/[\s-]/g, "");
  if (!RECOVERY_CODE.test(compact)) return undefined;
  return `${compact.slice(0, 5)}-${compact.slice(5, 10)}-${compact.slice(10)}`;
}
