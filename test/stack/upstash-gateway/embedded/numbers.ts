/**
 * Number parsing and formatting with Redis' own rules, so the embedded store
 * accepts and prints exactly what Redis does (string2ll, strtod, %.17g, …).
 */

/** Bounds of Redis' 64-bit integers. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** Redis' string2ll: optional '-', no '+', no spaces, no leading zeros, 64-bit range. */
export function parseInt64(bytes: Buffer): bigint | null {
  const text = bytes.toString("latin1");
  if (!/^(0|-?[1-9]\d*)$/.test(text) || text.length > 20) return null;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

/** An integer argument used as a count or index; JS-safe range suffices for those. */
export function parseSafeInt(bytes: Buffer): number | null {
  const value = parseInt64(bytes);
  if (value === null || value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(value);
}

/** Redis' strtold-based float parsing: decimal or exponent forms, inf/-inf, never NaN or spaces. */
export function parseDouble(bytes: Buffer): number | null {
  const text = bytes.toString("latin1");
  const lower = text.toLowerCase();
  if (/^[+]?inf(inity)?$/.test(lower)) return Infinity;
  if (/^-inf(inity)?$/.test(lower)) return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return null;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

/** C's `%.<precision>g`. */
export function formatG(x: number, precision: number): string {
  if (Number.isNaN(x)) return x < 0 ? "-nan" : "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa = "0", exp = "0"] = x.toExponential(precision - 1).split("e");
  const exponent = Number(exp);
  const trim = (s: string): string => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
  if (exponent < -4 || exponent >= precision) {
    return `${trim(mantissa)}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return trim(x.toFixed(Math.max(0, precision - 1 - exponent)));
}

/** Sorted-set scores as Redis 7.0 prints them (%.17g; inf / -inf). */
export const formatScore = (x: number): string => formatG(x, 17);

/**
 * INCRBYFLOAT / HINCRBYFLOAT results. Redis computes in long double and prints
 * `%.17Lf` without trailing zeros, so 0.1 + 0.2 reads "0.3"; rounding the double to
 * 15 significant digits reproduces that for the values apps use.
 */
export function formatIncrFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) >= 1e15) return BigInt(x).toString();
  const rounded = Number(x.toPrecision(15));
  const fixed = rounded.toFixed(Math.max(0, 15 - Math.floor(Math.log10(Math.abs(rounded) || 1)) - 1));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}
