/**
 * A verdict at a trust boundary: either the value, or a typed reason it was refused.
 * Stages that decide (transport check, config parse, later WAF and token checks)
 * return a `Result` instead of throwing, so every outcome is handled explicitly.
 *
 * @example
 * ```ts
 * const verdict = checkTransport(url, cf, policy);
 * if (!verdict.ok) return refuse(verdict.error);
 * ```
 */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/** A successful verdict. */
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });

/** The successful verdict with no value: one shared object, as hot paths return it per request. */
export const PASS: Result<void, never> = Object.freeze({ ok: true, value: undefined });

/** A refused verdict. */
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
