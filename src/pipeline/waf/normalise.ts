/**
 * P3 normalisation: every inspected value is decoded the ways an attacker can
 * hide it (percent-encoding up to three times, `%uXXXX`, overlong UTF-8, HTML
 * entities, JavaScript escapes), NUL bytes removed and lower-cased, once per
 * value, so rules are written against one plain form. Each pass is a single
 * left-to-right scan: linear in the value's length.
 */

const MAX_PASSES = 3;
const HEX = /^[0-9a-f]$/i;
const ENTITY = /&(?:#x([0-9a-f]{1,6})|#(\d{1,7})|([a-z]{2,8}));?/gi;
const JS_ESCAPE = /\\(?:u\{?([0-9a-f]{4})\}?|x([0-9a-f]{2}))/gi;
const NAMED: Readonly<Record<string, string>> = {
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  amp: "&",
  colon: ":",
  lpar: "(",
  rpar: ")",
  tab: "\t",
  newline: "\n",
  sol: "/",
  bsol: "\\",
  lowbar: "_",
  semi: ";",
  equals: "=",
  excl: "!",
  grave: "`",
  lbrace: "{",
  rbrace: "}",
  nbsp: " ",
};

const hexAt = (s: string, i: number): number => {
  const a = s[i];
  const b = s[i + 1];
  return a !== undefined && b !== undefined && HEX.test(a) && HEX.test(b) ? parseInt(a + b, 16) : -1;
};

/**
 * Decodes UTF-8 bytes leniently: overlong forms (`%c0%ae` for `.`) decode to the
 * character they spell, as a lenient server would, so traversal hidden that way
 * is seen; invalid bytes become U+FFFD.
 */
function utf8(bytes: readonly number[]): string {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] ?? 0;
    const c1 = bytes[i + 1] ?? 0;
    const c2 = bytes[i + 2] ?? 0;
    const c3 = bytes[i + 3] ?? 0;
    const cont = (x: number): boolean => (x & 0xc0) === 0x80;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i += 1;
    } else if ((b & 0xe0) === 0xc0 && i + 1 < bytes.length && cont(c1)) {
      out += String.fromCharCode(((b & 0x1f) << 6) | (c1 & 0x3f));
      i += 2;
    } else if ((b & 0xf0) === 0xe0 && i + 2 < bytes.length && cont(c1) && cont(c2)) {
      out += String.fromCharCode(((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f));
      i += 3;
    } else if ((b & 0xf8) === 0xf0 && i + 3 < bytes.length && cont(c1) && cont(c2) && cont(c3)) {
      out += String.fromCodePoint(Math.min(0x10ffff, ((b & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f)));
      i += 4;
    } else {
      out += "\ufffd";
      i += 1;
    }
  }
  return out;
}

/** One percent-decoding pass (`%XX` runs as UTF-8, `%uXXXX`, optionally `+` as space). */
export function percentDecodeOnce(s: string, plusAsSpace: boolean): string {
  let out = "";
  let bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] ?? "";
    if (ch === "%") {
      const byte = hexAt(s, i + 1);
      if (byte >= 0) {
        bytes.push(byte);
        i += 2;
        continue;
      }
      if ((s[i + 1] === "u" || s[i + 1] === "U") && hexAt(s, i + 2) >= 0 && hexAt(s, i + 4) >= 0) {
        if (bytes.length > 0) {
          out += utf8(bytes);
          bytes = [];
        }
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
        i += 5;
        continue;
      }
    }
    if (bytes.length > 0) {
      out += utf8(bytes);
      bytes = [];
    }
    out += plusAsSpace && ch === "+" ? " " : ch;
  }
  if (bytes.length > 0) out += utf8(bytes);
  return out;
}

/**
 * The one normal form rules see. `plusAsSpace` for query and form values;
 * `keepNul` for a credential's value, where a NUL is the attack itself (elsewhere
 * it is removed, so that it cannot split a keyword a rule looks for).
 *
 * @example
 * ```ts
 * normalise("%252e%252e%2fetc", false); // → "../etc"
 * ```
 */
export function normalise(raw: string, plusAsSpace: boolean, keepNul = false): string {
  // Most values hold nothing to decode: one scan for the characters any step below
  // acts on (`%`, `+` as space, `&`, `\\`, NUL, non-ASCII, upper case); without
  // them every step is the identity, and the value is returned as it is.
  let i = 0;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 || c === 38 || c === 92 || c === 0 || c >= 128 || (c >= 65 && c <= 90) || (c === 43 && plusAsSpace)) break;
  }
  if (i === raw.length) return raw;
  let v = raw;
  for (let pass = 0; pass < MAX_PASSES && v.includes("%"); pass++) {
    const next = percentDecodeOnce(v, plusAsSpace && pass === 0);
    if (next === v) break;
    v = next;
  }
  if (plusAsSpace && !raw.includes("%")) v = v.replaceAll("+", " ");
  if (v.includes("&"))
    v = v.replace(ENTITY, (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      if (hex !== undefined) return String.fromCodePoint(Math.min(0x10ffff, parseInt(hex, 16)));
      if (dec !== undefined) return String.fromCodePoint(Math.min(0x10ffff, parseInt(dec, 10)));
      return NAMED[(name ?? "").toLowerCase()] ?? whole;
    });
  if (v.includes("\\"))
    v = v.replace(JS_ESCAPE, (_w, u: string | undefined, x: string | undefined) => String.fromCharCode(parseInt(u ?? x ?? "0", 16)));
  if (!keepNul && v.includes("\0")) v = v.replaceAll("\0", "");
  // Compatibility forms (full-width `／`, circled `①`, `ⓛ`) fold to ASCII under NFKC,
  // as some back ends and URL parsers fold them; only non-ASCII text can hold them.
  if (/[\u0080-\uffff]/.test(v)) v = v.normalize("NFKC");
  return v.toLowerCase();
}

/** Escaped, truncated text for a log line: never more than `max` characters of the payload. */
export function excerpt(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).slice(1, -1);
}
