/**
 * XSS by grammar (rules 901 and 904): markup and script are attacks where they
 * would run, not where a sentence names them.
 * - An element: a script-capable tag that opens with an attribute (`<img
 *   src=x onerror=…>`, `<svg/onload=…>`) or is closed by its end tag later in
 *   the value (`<script>alert(1)</script>`, `<b>x</b>`). "A <script> tag was
 *   found", "<img> and <a> tags" open nothing.
 *   An event handler attribute (`on…=`) runs in any element, a custom one too.
 * - A DOM sink in an expression: a dialog or `eval` called with a code-looking
 *   argument (`alert(1)`, `eval(atob(…))`, not "eval() is used" or
 *   "eval(userInput)"), `document.cookie` read into a call, a concatenation or
 *   an assignment, or as the whole value; not "(document.cookie)" in a sentence.
 *   A global reached by a computed name and called (`top['al'+'ert'](1)`).
 * - A script URL whose scheme is broken by what a URL parser removes (tab, CR,
 *   LF inside it, control characters before it: `java\tscript:`, which entities
 *   such as `&Tab;` or `&#x09;` spell): the browser runs it as `javascript:`.
 * Each is a few linear scans.
 */
import { wholeToken } from "./context";

// Tags that run script, load content, or restyle a page (a fragment of HTML is an attack on a JSON API).
const HTML_TAGS: ReadonlySet<string> = new Set(
  "script|iframe|frame|frameset|object|embed|applet|svg|math|base|link|meta|style|form|isindex|template|xss|img|image|video|audio|source|body|html|marquee|details|dialog|input|button|select|textarea|keygen|a|x|animate|set|use|foreignobject|handler|listener|xmp|plaintext|noscript|portal|bgsound|layer|ilayer|vmlframe|import|div|span|table|td|p|h1|b|i|u".split(
    "|",
  ),
);

const OPEN_TAG = /<\s{0,5}(?:[a-z]{1,10}:)?([a-z][a-z0-9]{0,20})(?![a-z0-9])/g;
const CLOSE_TAG = /<\s{0,5}\/\s{0,5}(?:[a-z]{1,10}:)?([a-z][a-z0-9]{0,20})/g;
const ATTRIBUTE_SEPARATOR = /[\s/]+/;
// A dialog or eval call: a template literal, an entity-encoded parenthesis, or an argument list (bounded).
const CALL = /\b(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript)\s{0,5}(\x60|&lpar;|\([^)]{0,60})/g;
// A DOM object's sensitive property (what stands around it is read apart: see `around`).
const DOM =
  /\b(?:document|window|location)\s{0,5}\.\s{0,5}(?:cookie|writeln|write|location|domain|body|createelement|name|open|href|hash|replace|assign|queryselectorall|queryselector|getelementby[a-z]{1,20}|forms|images|scripts|all)\b/g;
// Sinks that are code wherever they stand: HTML properties, CSS script URLs and expressions, SVG links,
// a window alias called through a computed name (`self[atob(…)](1)`: how a filter on `alert(` is dodged).
const SINKS =
  /\b(?:top|self|window|parent|frames|globalthis|opener)\s{0,5}\[[^\]]{1,80}\]\s{0,5}[(`]|\.innerhtml|\.outerhtml|\.srcdoc|\burl\s{0,5}\(\s{0,5}['"]?\s{0,5}(?:javascript|vbscript|data)|\bsrcdoc\s{0,5}=|\bformaction\s{0,5}=|xlink:href|\bstyle\s{0,5}=[^>]{0,200}(?:expression\s{0,5}\(|behavior\s{0,5}:|-moz-binding|url\s{0,5}\()|@import|\bexpression\(/;
// Arguments that are code: a literal, a list, a group, a unary or an expression.
const CODE_ARGUMENT = /^[\d'"\x60[{(!~+\-/$]|[(.+=,;[]/;
// Globals an argument may name that carry attacker-controlled text or reach the page.
const DOM_GLOBALS: ReadonlySet<string> = new Set([
  "name",
  "location",
  "document",
  "window",
  "top",
  "self",
  "parent",
  "this",
  "origin",
  "opener",
]);

// An attribute name right before `=` that is an event handler: script in any element.
const EVENT_HANDLER = /(?:^|[\s/])on[a-z]{3,40}$/;
// A scheme's run before its `:`: letters, and the tabs and line breaks a URL parser strips.
const SCHEME_MIN = 4;
const SCHEME_MAX = 60;
const isSchemeChar = (c: number): boolean => (c >= 97 && c <= 122) || c === 9 || c === 10 || c === 13;
// How many control characters or spaces before a scheme are read past (the URL parser drops them all).
const MAX_LEADING_NOISE = 20;
// Where a URL stands: the value's start, or after `=`, a quote or `(`.
const URL_START = /[=("'\x60]/;
// What a `data:` URL must declare to be a page or a script.
const ACTIVE_DATA = /^\s{0,5}(?:text\/html|image\/svg|application\/(?:x-)?(?:javascript|ecmascript|xhtml))/;
const SCRIPT_SCHEMES: ReadonlySet<string> = new Set(["javascript", "vbscript", "livescript"]);

/** Patterns of this file, for the ReDoS check. */
export const MARKUP_PATTERNS: readonly RegExp[] = [
  OPEN_TAG,
  CLOSE_TAG,
  CALL,
  DOM,
  SINKS,
  CODE_ARGUMENT,
  EVENT_HANDLER,
  URL_START,
  ACTIVE_DATA,
];

/**
 * What a tag's inside (the 200 characters after its name at `from`, up to the next angle
 * bracket) holds before its first `=`: undefined when it holds no `=`. Read in place: a
 * long value of tags without one (`<a <a <a`) copies nothing.
 */
function beforeAttribute(value: string, from: number): string | undefined {
  const limit = Math.min(value.length, from + 200);
  for (let k = from; k < limit; k++) {
    const c = value.charCodeAt(k);
    // An angle bracket ends the inside first: no `=` in it.
    if (c === 60 || c === 62) return undefined;
    if (c === 61) return value.slice(from, k).trimEnd();
  }
  return undefined;
}

/** One or two words before `=`: a tag's attributes; more is a sentence that happens to hold a `=`. */
const setsAttribute = (before: string): boolean => {
  const names = before.split(ATTRIBUTE_SEPARATOR).filter((w) => w !== "");
  return names.length >= 1 && names.length <= 2;
};

/**
 * True when `value` holds a script-capable element: a tag with an attribute, or one closed later.
 *
 * @example
 * ```ts
 * htmlElement("<img src=x onerror=alert(1)>"); // true
 * htmlElement("a <script> tag was found in the comment field"); // false
 * ```
 */
export function htmlElement(value: string): boolean {
  let closed: Set<string> | undefined;
  if (value.includes("/")) {
    CLOSE_TAG.lastIndex = 0;
    for (let m = CLOSE_TAG.exec(value); m !== null; m = CLOSE_TAG.exec(value)) (closed ??= new Set()).add(m[1] ?? "");
  }
  OPEN_TAG.lastIndex = 0;
  for (let m = OPEN_TAG.exec(value); m !== null; m = OPEN_TAG.exec(value)) {
    const tag = m[1] ?? "";
    const known = HTML_TAGS.has(tag);
    if (known && closed?.has(tag) === true) return true;
    const before = beforeAttribute(value, OPEN_TAG.lastIndex);
    if (before === undefined) continue;
    // A handler runs in any element (custom ones too), however many words stand before it
    // (`<input readonly disabled autofocus onfocus=`); other attributes only matter on the tags above.
    if (EVENT_HANDLER.test(before) || (known && setsAttribute(before))) return true;
  }
  return false;
}

/** True when a URL can start at `at`: the value's start or after `=`, a quote or `(`, past control characters and spaces. */
function urlStartsAt(value: string, at: number): boolean {
  let i = at;
  for (let n = 0; n < MAX_LEADING_NOISE && i > 0 && value.charCodeAt(i - 1) <= 32; n++) i--;
  const before = value[i - 1];
  return before === undefined || URL_START.test(before);
}

/**
 * True when a URL at a URL's place has a script scheme only once the URL parser
 * has removed tabs and line breaks from it (`jav\tascript:`, `\x01javascript:`), or
 * is a `data:` page spelt that way. A clean `javascript:` is rule 903's.
 */
function brokenScriptUrl(value: string): boolean {
  // From each `:` back over the scheme's letters (and what the parser strips), at most
  // SCHEME_MAX: a scan from every position forward would read up to that far at each one.
  for (let colon = value.indexOf(":"); colon >= 0; colon = value.indexOf(":", colon + 1)) {
    let start = colon;
    while (start > 0 && colon - start < SCHEME_MAX && isSchemeChar(value.charCodeAt(start - 1))) start--;
    if (colon - start < SCHEME_MIN || !urlStartsAt(value, start)) continue;
    const run = value.slice(start, colon);
    const scheme = run.replace(/[\t\n\r]/g, "");
    const leadingNoise = start > 0 && value.charCodeAt(start - 1) <= 32;
    // A clean scheme at a URL's start is rule 903's; here only what the URL parser has to clean up.
    if (scheme === run && !leadingNoise) continue;
    if (SCRIPT_SCHEMES.has(scheme)) return true;
    const rest = value.slice(colon + 1, colon + 61).replace(/[\t\n\r]/g, "");
    if (scheme === "data" && ACTIVE_DATA.test(rest)) return true;
  }
  return false;
}

/** A dialog or eval call with a code-looking argument. */
function codeCall(value: string): boolean {
  CALL.lastIndex = 0;
  for (let m = CALL.exec(value); m !== null; m = CALL.exec(value)) {
    const opener = m[1] ?? "";
    if (!opener.startsWith("(")) return true;
    const argument = opener.slice(1).trim();
    if (argument !== "" && (CODE_ARGUMENT.test(argument) || DOM_GLOBALS.has(argument))) return true;
  }
  return false;
}

const isSpaceAt = (value: string, i: number): boolean => {
  const c = value.charCodeAt(i);
  return c === 32 || (c >= 9 && c <= 13);
};

/** Where up to five whitespace characters from `from` end, going `step` (-1 back, 1 forward). */
function skipSpace(value: string, from: number, step: -1 | 1): number {
  let i = from;
  for (let n = 0; n < 5 && isSpaceAt(value, step < 0 ? i - 1 : i); n++) i += step;
  return i;
}

/** Where up to two non-whitespace characters from `from` end, going `step` (the context a DOM property stands in). */
function nonSpaceRun(value: string, from: number, step: -1 | 1): number {
  let i = from;
  for (let n = 0; n < 2; n++) {
    const at = step < 0 ? i - 1 : i;
    if (at < 0 || at >= value.length || isSpaceAt(value, at)) break;
    i += step;
  }
  return i;
}

/** A DOM property in an expression: a call's argument, concatenated, assigned, called or dereferenced; or the whole value. */
function domExpression(value: string): boolean {
  DOM.lastIndex = 0;
  for (let m = DOM.exec(value); m !== null; m = DOM.exec(value)) {
    const start = skipSpace(value, m.index, -1);
    const end = skipSpace(value, m.index + m[0].length, 1);
    const before = value.slice(nonSpaceRun(value, start, -1), start);
    const after = value.slice(end, nonSpaceRun(value, end, 1));
    const last = before[before.length - 1];
    // `f(document.x`: a `(` right after a name; "JavaScript (document.cookie)" has a space there, so `(` is alone.
    if (last === "(" && before.length === 2) return true;
    if (last === "+" || last === "=" || last === "," || last === "[") return true;
    const next = after[0];
    if ((next === "=" && after[1] !== "=") || next === "+" || next === "[") return true;
    if ((next === "(" && after[1] !== ")" && after[1] !== undefined) || (next === "." && /[a-z]/.test(after[1] ?? ""))) return true;
    if (wholeToken(value) === value.slice(start - before.length, end + after.length).trim()) return true;
  }
  return false;
}

/**
 * True when `value` reaches a DOM sink, runs a dialog/eval with code, or is a
 * script URL spelt with what a URL parser strips.
 *
 * @example
 * ```ts
 * domSink("alert(document.cookie)"); // true
 * domSink("eval() is used in the report builder"); // false
 * ```
 */
export function domSink(value: string): boolean {
  return codeCall(value) || domExpression(value) || SINKS.test(value) || brokenScriptUrl(value);
}

/** Every plain value `domSink` can accept matches this (rule 904's plain gate). */
export const PLAIN_DOM_SINK = /\b(?:document|window|location)\s{0,5}\.|\.innerhtml|\.outerhtml|\.srcdoc|@import/;
