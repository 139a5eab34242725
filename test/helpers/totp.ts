/**
 * What an authenticator app shows: the TOTP code of a secret at a time (SHA-1, 6
 * digits, 30-second steps, as the worker expects), computed with otpauth directly
 * so tests can produce codes synchronously.
 */
import { Secret, TOTP } from "otpauth";

/** Seconds per step (the worker's too). */
export const TOTP_PERIOD = 30;

/** The code of `secretBase32` at `nowMs`. */
export function totpCode(secretBase32: string, nowMs = Date.now()): string {
  return new TOTP({ algorithm: "SHA1", digits: 6, period: TOTP_PERIOD, secret: Secret.fromBase32(secretBase32) }).generate({
    timestamp: nowMs,
  });
}
