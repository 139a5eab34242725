/**
 * XSS by grammar (rules 901 and 904): markup and script are attacks where they
 * would run, not where a sentence names them.
 * - An element: a script-capable tag that opens with an attribute (`<img
 *   src=x onerror=…>`, `<svg/onload=…>`) or is closed by its end tag later in
 *   the value (`<script>alert(1)</script>`, `<b>x</b>`). "A <script> tag was
 *   found", "<img> and <a> tags" open nothing.
 * - A DOM sink in an expression: a dialog or `eval` called with a code-looking
 *   argument (`alert(1)`, `eval(atob(…))`, not "eval() is used" or
 *   "eval(userInput)"), `document.cookie` read into a call, a concatenation or
 *   an assignment, or as the whole value; not "(document.cookie)" in a sentence.
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
// Where a tag's inside ends: the next angle bracket.
const TAG_END = /[<>]/;
const ATTRIBUTE_SEPARATOR = /[\s/]+/;
// A dialog or eval call: a template literal, an entity-encoded parenthesis, or an argument list (bounded).
const CALL = /\b(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript)\s{0,5}(\x60|&lpar;|\([^)]{0,60})/g;
// A DOM object's sensitive property (what stands around it is read apart: see `around`).
const DOM =
  /\b(?:document|window|location)\s{0,5}\.\s{0,5}(?:cookie|writeln|write|location|domain|body|createelement|name|open|href|hash|replace|assign|queryselectorall|queryselector|getelementby[a-z]{1,20}|forms|images|scripts|all)\b/g;
// Sinks that are code wherever they stand: HTML properties, CSS script URLs and expressions, SVG links.
const SINKS =
  /\.innerhtml|\.outerhtml|\.srcdoc|\burl\s{0,5}\(\s{0,5}['"]?\s{0,5}(?:javascript|vbscript|data)|\bsrcdoc\s{0,5}=|\bformaction\s{0,5}=|xlink:href|\bstyle\s{0,5}=[^>]{0,200}(?:expression\s{0,5}\(|behavior\s{0,5}:|-moz-binding|url\s{0,5}\()|@import|\bexpression\(/;
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

/** Patterns of this file, for the ReDoS check. */
export const MARKUP_PATTERNS: readonly RegExp[] = [OPEN_TAG, CLOSE_TAG, CALL, DOM, SINKS, CODE_ARGUMENT];

/** True when a tag's inside (after its name) sets an attribute: `src=x`, `/onload=`, `dsfds href / =`. */
function setsAttribute(after: string): boolean {
  const cut = after.slice(0, 200);
  const end = cut.search(TAG_END);
  const inside = end < 0 ? cut : cut.slice(0, end);
  const eq = inside.indexOf("=");
  if (eq < 0) return false;
  const names = inside
    .slice(0, eq)
    .split(ATTRIBUTE_SEPARATOR)
    .filter((w) => w !== "");
  // One or two words before `=`: a tag's attributes; more is a sentence that happens to hold a `=`.
  return names.length >= 1 && names.length <= 2;
}

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
    if (!HTML_TAGS.has(tag)) continue;
    if (closed?.has(tag) === true || setsAttribute(value.slice(OPEN_TAG.lastIndex))) return true;
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
 * True when `value` reaches a DOM sink or runs a dialog/eval with code.
 *
 * @example
 * ```ts
 * domSink("alert(document.cookie)"); // true
 * domSink("eval() is used in the report builder"); // false
 * ```
 */
export function domSink(value: string): boolean {
  return codeCall(value) || domExpression(value) || SINKS.test(value);
}

/** Every plain value `domSink` can accept matches this (rule 904's plain gate). */
export const PLAIN_DOM_SINK = /\b(?:document|window|location)\s{0,5}\.|\.innerhtml|\.outerhtml|\.srcdoc|@import/;
