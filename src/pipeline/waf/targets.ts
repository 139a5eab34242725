/**
 * P3 inspection targets: the parts of a request the value rules read. The path,
 * each query argument (name and value), every header a client controls (all but
 * credentials and framing, below), each cookie, and the body: JSON keys and
 * string values walked, form fields decoded, raw text otherwise. A field whose
 * name says password, secret, token or key becomes a `secret` target: read by
 * the rules that matter in a credential, never logged. The engine walks the path
 * and the headers itself (no target object unless a rule matches); the helpers
 * here build the field targets of query, cookies and body, and report the first
 * inspection limit a body goes past instead of skipping what lies beyond it.
 */
import { normalise } from "./normalise";
import type { InspectionLimit, Target } from "./types";

/** Past these the engine cannot inspect a request completely: it is refused (413), not waved through. */
export const INSPECTION_LIMITS = {
  /** JSON nesting (objects and arrays). */
  depth: 32,
  /** Inspected values of one body (JSON strings and keys, form fields, multipart parts, XML attributes). */
  values: 4096,
  /**
   * Characters of one value or name, decoded: the body's inspection cap, so a body value is
   * never cut; it bounds what a query string, a cookie or a header value may carry.
   */
  length: 64 * 1024,
  /**
   * Rule work of one request: one unit per value rule run on a value, plus one per KiB
   * of that value (two on a long value), plus, on a long value, one per occurrence of a
   * detector's work characters past one in 64 (`workPer`: separators for the shell
   * rules, quotes, brackets and operators for the SQL tokenizer). Measured (README
   * "WAF"): Rampart's traffic ≤ 300, CRS's benign cases ≤ 1,100, one 64 KiB value of
   * prose ~8,100, the densest ordinary body we could write (64 KiB of prose in ~700
   * fields) ~9,600, which costs the isolate about what the worst adversarial body does;
   * a body built to make every rule run on every value, or a detector stop at every
   * character, reaches the budget and is refused with 413 before it costs more.
   */
  work: 12_000,
} as const;

const SIMPLE_KEY = /^[a-z][a-z0-9]{0,30}(?:_[a-z0-9]{1,30}){0,5}$/i;
// Simple keys that rules still look for: pollution, SQL catalogs, Java internals.
const RISKY_KEYS: ReadonlySet<string> = new Set([
  "constructor",
  "prototype",
  "information_schema",
  "sysobjects",
  "tempdb",
  "msdb",
  "java",
  "runtime",
  "processbuilder",
  "classloader",
  "child_process",
]);
// A credential may contain any character, is only hashed or compared, and must never reach
// a log line: such a field is a `secret` target (rules for the classes that matter there).
const SECRET_FIELD = /passw(?:or)?d|passphrase|secret|token|api_?key|private_?key|credential|recovery_?code/i;

/** True when a field named `name` holds a credential (a `secret` target). */
export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** A secret field's value: normalised like any value, but a NUL stays (in a credential it is an attack, not noise). */
function secretTarget(name: string, field: string, raw: string, plus: boolean): Target {
  return { name, kind: "secret", field, value: normalise(raw, plus, true) };
}

/**
 * Query, form or cookie pairs: each name as a target (a cookie's under `cookie`:
 * a browser sends whatever names a site set, which say nothing about the request),
 * each value under its field. Returns `values` when there are more pairs than inspected.
 */
export function addPairs(
  out: Target[],
  text: string,
  separator: string,
  kind: "query" | "body" | "cookie",
  prefix: string,
): InspectionLimit | undefined {
  const parts = text.split(separator);
  if (parts.length > INSPECTION_LIMITS.values) return "values";
  const plus = kind !== "cookie";
  for (const part of parts) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = (eq < 0 ? part : part.slice(0, eq)).trim();
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    const name = normalise(rawName, plus);
    if (name !== "") out.push({ name: `${prefix}-name`, kind: kind === "cookie" ? "cookie" : "name", field: name, value: name });
    if (rawValue === "") continue;
    const target = `${prefix}.${name.slice(0, 64)}`;
    out.push(
      kind !== "cookie" && isSecretField(name)
        ? secretTarget(target, name, rawValue, plus)
        : { name: target, kind, field: name, value: normalise(rawValue, plus) },
    );
  }
  return undefined;
}

/** Walks parsed JSON; returns the first limit it went past (and stops there). */
function walkJson(out: Target[], value: unknown, path: string, depth: number, secret: boolean): InspectionLimit | undefined {
  if (out.length >= INSPECTION_LIMITS.values) return "values";
  if (depth > INSPECTION_LIMITS.depth) return "depth";
  if (typeof value === "string") {
    out.push(
      secret
        ? secretTarget(`body.${path}`, path, value, false)
        : { name: `body.${path}`, kind: "body", field: path, value: normalise(value, false) },
    );
  } else if (Array.isArray(value)) {
    // Array indexes are not part of the field path: an exclusion of `tags` covers every tag.
    for (const item of value) {
      const limit = walkJson(out, item, path, depth + 1, secret);
      if (limit !== undefined) return limit;
    }
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const field = path === "" ? key : `${path}.${key}`;
      // The key with its path: `constructor.prototype.x` is pollution, each word alone is not.
      // A plain snake/camel-case key (`due_date`, `ownerId`) matches no rule unless it is one of
      // the few words a rule looks for; skipping the rest keeps a JSON body's cost per value.
      if (!SIMPLE_KEY.test(key) || RISKY_KEYS.has(key.toLowerCase()))
        out.push({ name: "body-key", kind: "name", field, value: normalise(field, false) });
      const limit = walkJson(out, item, field, depth + 1, isSecretField(key));
      if (limit !== undefined) return limit;
    }
  }
  return undefined;
}

/** The media type's essence, lower case: `application/json`. */
export function essenceOf(contentType: string | undefined): string {
  return (contentType?.split(";", 1)[0] ?? "").trim().toLowerCase();
}

/**
 * The body's targets by media type: JSON walked, forms and multipart split, XML
 * text, raw text otherwise. Returns the first inspection limit the body goes past.
 */
export function addBody(out: Target[], body: string, contentType: string | undefined): InspectionLimit | undefined {
  const essence = essenceOf(contentType);
  if (essence === "application/json" || essence.endsWith("+json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      // Not JSON after all: the route's JSON stage answers 400; meanwhile the
      // text is still inspected as raw text, so malformed JSON hides nothing.
      out.push({ name: "body", kind: "body", field: "", value: normalise(body, false) });
      return undefined;
    }
    return walkJson(out, parsed, "", 0, false);
  }
  // No type: what a form post without a declared type is (CRS's runner does the same).
  if (essence === "application/x-www-form-urlencoded" || essence === "") return addPairs(out, body, "&", "body", "body");
  if (essence.startsWith("multipart/")) return addMultipart(out, body, contentType ?? "");
  if (essence.endsWith("xml")) return addXml(out, body);
  out.push({ name: "body", kind: "body", field: "", value: normalise(body, false) });
  return undefined;
}

const BOUNDARY = /boundary\s{0,3}=\s{0,3}"?([^";,\s]{1,70})/i;
const PART_NAME = /\bname\s{0,3}=\s{0,3}"([^"]{0,200})"/i;

/** Multipart: each part's value under its name; the part headers are protocol rules' business. */
function addMultipart(out: Target[], body: string, contentType: string): InspectionLimit | undefined {
  const boundary = BOUNDARY.exec(contentType)?.[1];
  if (boundary === undefined) {
    out.push({ name: "body", kind: "body", field: "", value: normalise(body, false) });
    return undefined;
  }
  const parts = body.split(`--${boundary}`);
  if (parts.length > INSPECTION_LIMITS.values) return "values";
  for (const part of parts) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = part.slice(0, split);
    const value = part
      .slice(split)
      .replace(/^\r?\n\r?\n/, "")
      .replace(/\r?\n$/, "");
    const name = normalise(PART_NAME.exec(head)?.[1] ?? "", false);
    if (name !== "") out.push({ name: "body-name", kind: "name", field: name, value: name });
    if (value === "") continue;
    const target = `body.${name.slice(0, 64)}`;
    out.push(
      isSecretField(name)
        ? secretTarget(target, name, value, false)
        : { name: target, kind: "body", field: name, value: normalise(value, false) },
    );
  }
  return undefined;
}

/** Quoted attribute values of one tag; each quote is searched once (linear, unlike a regex per `=`). */
function addAttributes(out: Target[], tag: string): InspectionLimit | undefined {
  let i = tag.indexOf("=");
  while (i >= 0) {
    let j = i + 1;
    while (tag[j] === " " || tag[j] === "\t" || tag[j] === "\n" || tag[j] === "\r") j++;
    const quote = tag[j];
    if (quote === '"' || quote === "'") {
      const end = tag.indexOf(quote, j + 1);
      const value = tag.slice(j + 1, end < 0 ? tag.length : end);
      if (value !== "") {
        if (out.length >= INSPECTION_LIMITS.values) return "values";
        out.push({ name: "body.xml-attribute", kind: "body", field: "", value: normalise(value, false) });
      }
      if (end < 0) return undefined;
      j = end + 1;
    }
    i = tag.indexOf("=", j);
  }
  return undefined;
}

/**
 * XML: text and attribute values, as an XML parser hands them to the application;
 * element and attribute names are markup, not data. One linear scan.
 */
function addXml(out: Target[], body: string): InspectionLimit | undefined {
  let text = "";
  let i = 0;
  while (i < body.length) {
    const open = body.indexOf("<", i);
    const chunk = open < 0 ? body.slice(i) : body.slice(i, open);
    if (chunk.trim() !== "") text += `${chunk} `;
    if (open < 0) break;
    const close = body.indexOf(">", open);
    const tag = close < 0 ? body.slice(open) : body.slice(open, close);
    const limit = addAttributes(out, tag);
    if (limit !== undefined) return limit;
    i = close < 0 ? body.length : close + 1;
  }
  if (text !== "") out.push({ name: "body.xml-text", kind: "body", field: "", value: normalise(text, false) });
  return undefined;
}

/**
 * True when a header carries client text the value rules read. Not inspected as header
 * values: credentials (never inspected, never logged; Cookie is split into cookies by the
 * engine instead) and framing, whose grammar the request rules enforce (103–105) and which
 * the runtime re-frames anyway. Every other header a client sends is client text,
 * negotiation headers included: an attack there must not pass uninspected because of the
 * header's name. Host is inspected: it is client text too, the runtime already routed on
 * it, and a hostname matches no rule. A switch, not a Set: see headerTrait in engine.ts.
 */
export function isInspectedHeader(name: string): boolean {
  switch (name) {
    case "authorization":
    case "proxy-authorization":
    case "stripe-signature":
    case "cookie":
    case "content-length":
    case "transfer-encoding":
    case "connection":
      return false;
    default:
      return true;
  }
}
