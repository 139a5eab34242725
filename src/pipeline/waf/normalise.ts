/**
 * P3 normalisation: every inspected value is decoded the ways an attacker can
 * hide it (percent-encoding up to three times, `%uXXXX`, overlong UTF-8, HTML
 * entities, JavaScript escapes), NUL bytes removed and lower-cased, once per
 * value, so rules are written against one plain form. Each pass is a single
 * left-to-right scan: linear in the value's length.
 */

const MAX_PASSES = 3;
// `\u0061`, `\u{61}` (one to six digits) and `\x61`: JavaScript string and identifier escapes.
const JS_ESCAPE = /\\(?:u([0-9a-f]{4})|u\{([0-9a-f]{1,6})\}|x([0-9a-f]{2}))/gi;
// Named references an attacker spells ASCII with (HTML5 names, looked up lower-cased).
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
  underbar: "_",
  semi: ";",
  equals: "=",
  excl: "!",
  grave: "`",
  diacriticalgrave: "`",
  lbrace: "{",
  rbrace: "}",
  lcub: "{",
  rcub: "}",
  lsqb: "[",
  rsqb: "]",
  lbrack: "[",
  rbrack: "]",
  period: ".",
  comma: ",",
  plus: "+",
  dollar: "$",
  percnt: "%",
  num: "#",
  ast: "*",
  midast: "*",
  quest: "?",
  commat: "@",
  verbar: "|",
  vert: "|",
  verticalline: "|",
  hat: "^",
  nbsp: " ",
};
// Names a browser decodes without `;` even when letters follow (`&ltscript`): the legacy ones that spell markup.
const LEGACY_PREFIXES = ["quot", "amp", "lt", "gt"] as const;
// Longest name worth reading: no name above is longer; a longer run is text, not a reference.
const MAX_NAME = 16;

/** The value of the hex digit `c` (a character code), -1 for none. */
const hexValue = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/** The byte the two hex digits at `i` spell, -1 when they are not two hex digits. */
const hexAt = (s: string, i: number): number => {
  const a = hexValue(s.charCodeAt(i));
  const b = hexValue(s.charCodeAt(i + 1));
  return a < 0 || b < 0 ? -1 : a * 16 + b;
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

/**
 * One percent-decoding pass (`%XX` runs as UTF-8, `%uXXXX`, optionally `+` as space).
 * The text between escapes is copied a run at a time, not a character at a time: a
 * value at the inspection cap with one `%` in it is decoded with one copy.
 */
export function percentDecodeOnce(s: string, plusAsSpace: boolean): string {
  let out = "";
  let bytes: number[] = [];
  // Where the run of characters copied as they are starts; pending `bytes` come before it.
  let run = 0;
  const flush = (to: number): void => {
    if (bytes.length > 0) {
      out += utf8(bytes);
      bytes = [];
    }
    if (run < to) out += s.slice(run, to);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37) {
      const byte = hexAt(s, i + 1);
      if (byte >= 0) {
        // Bytes next to each other decode together (a UTF-8 sequence): only a run between them flushes them.
        if (run < i) flush(i);
        bytes.push(byte);
        i += 2;
        run = i + 1;
        continue;
      }
      const u = s.charCodeAt(i + 1);
      if ((u === 117 || u === 85) && hexAt(s, i + 2) >= 0 && hexAt(s, i + 4) >= 0) {
        flush(i);
        out += String.fromCharCode(parseInt(s.slice(i + 2, i + 6), 16));
        i += 5;
        run = i + 1;
      }
      // A `%` that starts no escape is copied as it is, with its run.
      continue;
    }
    if (plusAsSpace && c === 43) {
      flush(i);
      out += " ";
      run = i + 1;
    }
  }
  flush(s.length);
  return out;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHexDigit = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isAlphanumeric = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** The character a numeric reference names; U+FFFD for none (0, a surrogate, past U+10FFFF), as a browser reads it. */
function codePointText(digits: string, radix: 10 | 16): string {
  const significant = digits.replace(/^0+/, "");
  // More than seven significant digits is past U+10FFFF in either base.
  if (significant.length > 7) return "\ufffd";
  const code = significant === "" ? 0 : parseInt(significant, radix);
  return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? "\ufffd" : String.fromCodePoint(code);
}

/**
 * The reference starting at `at` (an `&`), decoded, and where it ends; `undefined`
 * when the text there is no reference. Numeric references take any number of
 * leading zeros and an optional `;` (`&#0000106`, `&#x6A;`); a name is looked up
 * with `;` or as the whole letter run, else its longest legacy prefix (`&ltimg`).
 */
function referenceAt(v: string, at: number): { text: string; end: number } | undefined {
  let i = at + 1;
  if (v.charCodeAt(i) === 35) {
    i++;
    const hex = v[i] === "x" || v[i] === "X";
    if (hex) i++;
    const start = i;
    while (i < v.length && (hex ? isHexDigit(v.charCodeAt(i)) : isDigit(v.charCodeAt(i)))) i++;
    if (i === start) return undefined;
    const text = codePointText(v.slice(start, i), hex ? 16 : 10);
    return { text, end: v.charCodeAt(i) === 59 ? i + 1 : i };
  }
  const start = i;
  while (i < v.length && i - start < MAX_NAME && isAlphanumeric(v.charCodeAt(i))) i++;
  if (i === start) return undefined;
  const name = v.slice(start, i).toLowerCase();
  const whole = NAMED[name];
  if (whole !== undefined) return { text: whole, end: v.charCodeAt(i) === 59 ? i + 1 : i };
  for (const legacy of LEGACY_PREFIXES) if (name.startsWith(legacy)) return { text: NAMED[legacy] ?? "", end: start + legacy.length };
  return undefined;
}

/** Decodes HTML character references in one left-to-right pass (what a browser decodes in text and attributes). */
function decodeEntities(v: string): string {
  let out = "";
  let copied = 0;
  for (let at = v.indexOf("&"); at >= 0; at = v.indexOf("&", at + 1)) {
    const ref = referenceAt(v, at);
    if (ref === undefined) continue;
    out += v.slice(copied, at) + ref.text;
    copied = ref.end;
    at = ref.end - 1;
  }
  return copied === 0 ? v : out + v.slice(copied);
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

// Three or more whitespace characters in a row (space, tab, LF, VT, FF, CR); one class, so the scan is linear.
const WHITESPACE_RUN = /[\t-\r ]{3,}/g;

/** What a whitespace run folds into: its line break if it holds one (`\r\n` when both), else its first character. */
function foldedRun(run: string): string {
  const cr = run.includes("\r");
  const lf = run.includes("\n");
  return cr && lf ? "\r\n" : cr ? "\r" : lf ? "\n" : (run[0] ?? " ");
}

/**
 * Folds each run of three or more whitespace characters into one separator: SQL,
 * shells, HTML and JavaScript read any run as one, so a rule's bounded gap
 * (`\s{0,5}`) cannot be outrun by padding. A run with a line break keeps it
 * (a newline separates shell commands and header lines).
 */
function foldWhitespace(v: string): string {
  return v.replace(WHITESPACE_RUN, foldedRun);
}

/** True when `raw` holds anything a step of `normalise` changes; most values hold none and are returned as they are. */
function needsWork(raw: string, plusAsSpace: boolean): boolean {
  let spaces = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 37 || c === 38 || c === 92 || c === 0 || c >= 128 || (c >= 65 && c <= 90) || (c === 43 && plusAsSpace)) return true;
    spaces = isSpace(c) ? spaces + 1 : 0;
    if (spaces === 3) return true;
  }
  return false;
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
  // acts on (`%`, `+` as space, `&`, `\\`, NUL, non-ASCII, upper case, a whitespace
  // run); without them every step is the identity, and the value is returned as it is.
  if (!needsWork(raw, plusAsSpace)) return raw;
  let v = raw;
  for (let pass = 0; pass < MAX_PASSES && v.includes("%"); pass++) {
    const next = percentDecodeOnce(v, plusAsSpace && pass === 0);
    if (next === v) break;
    v = next;
  }
  if (plusAsSpace && !raw.includes("%")) v = v.replaceAll("+", " ");
  if (v.includes("&")) v = decodeEntities(v);
  if (v.includes("\\"))
    v = v.replace(JS_ESCAPE, (_w, u: string | undefined, braced: string | undefined, x: string | undefined) =>
      codePointText(u ?? braced ?? x ?? "0", 16),
    );
  if (!keepNul && v.includes("\0")) v = v.replaceAll("\0", "");
  // Compatibility forms (full-width `／`, circled `①`, `ⓛ`) fold to ASCII under NFKC,
  // as some back ends and URL parsers fold them; only non-ASCII text can hold them.
  // NFKC leaves the ideographic full stop (U+3002, which U+FF61 folds to) as it is, but
  // a URL parser reads it as `.` in a host name (UTS 46): `127。0。0。1` is loopback.
  if (/[\u0080-\uffff]/.test(v)) v = v.normalize("NFKC").replaceAll("\u3002", ".");
  v = foldWhitespace(v);
  return v.toLowerCase();
}

/** Escaped, truncated text for a log line: never more than `max` characters of the payload. */
export function excerpt(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).slice(1, -1);
}
