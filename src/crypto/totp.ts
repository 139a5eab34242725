/**
 * TOTP (RFC 6238, P7) with otpauth: SHA-1, 6 digits, 30-second steps, as every
 * authenticator app expects; 160-bit secrets. A code is accepted for the current
 * step and one step either side (clock drift), and the caller learns WHICH step it
 * matched, so a step used once is refused afterwards (the database keeps the last).
 * otpauth loads with the first TOTP operation, not with the worker.
 */
import type * as OTPAuth from "otpauth";

/** Seconds per step. */
export const TOTP_PERIOD = 30;
const DIGITS = 6;

let library: Promise<typeof OTPAuth> | undefined;
const otpauth = (): Promise<typeof OTPAuth> => (library ??= import("otpauth"));

async function totp(secretBase32: string, label = "", issuer = "Rampart"): Promise<OTPAuth.TOTP> {
  const { Secret, TOTP } = await otpauth();
  return new TOTP({ issuer, label, algorithm: "SHA1", digits: DIGITS, period: TOTP_PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/** A new 160-bit secret, base32. */
export async function newTotpSecret(): Promise<string> {
  const { Secret } = await otpauth();
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://totp/…` URL an authenticator app scans for `secret`. */
export async function totpUrl(secretBase32: string, accountLabel: string, issuer: string): Promise<string> {
  return (await totp(secretBase32, accountLabel, issuer)).toString();
}

/** The shape of a TOTP code as typed: six digits. */
export const TOTP_CODE = /^\d{6}$/;

/**
 * The time step `code` is valid for (current ±1), or `undefined`. Constant work
 * per call: otpauth computes the three candidates and compares them in constant time.
 *
 * @example
 * ```ts
 * const step = await totpStep(secret, "123456");
 * if (step === undefined || step <= lastStep) refuse();
 * ```
 */
export async function totpStep(secretBase32: string, code: string, nowMs = Date.now()): Promise<number | undefined> {
  if (!TOTP_CODE.test(code)) return undefined;
  const delta = (await totp(secretBase32)).validate({ token: code, timestamp: nowMs, window: 1 });
  return delta === null ? undefined : Math.floor(nowMs / 1000 / TOTP_PERIOD) + delta;
}
