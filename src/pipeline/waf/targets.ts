/**
 * P3 inspection targets: the parts of a request the value rules read. The path,
 * each query argument (name and value), the headers that carry client text (all
 * but a short list of framing and credential headers), each cookie, and the body:
 * JSON keys and string values walked, form fields decoded, raw text otherwise.
 * Authorization is never inspected or logged: it holds credentials, not input.
 * The engine walks the path and the headers itself (no target object unless a
 * rule matches); the helpers here build the field targets of query, cookies and body.
 */
import { normalise } from "./normalise";
import type { Target } from "./types";

// Headers that are framing, negotiation or credentials: protocol rules look at
// some of them; value rules do not (their grammar is fixed, their values secret).
const SKIPPED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "accept",
  "accept-encoding",
  "accept-language",
  "content-length",
  "connection",
  "keep-alive",
  "cache-control",
  "pragma",
  "priority",
  "if-none-match",
  "if-modified-since",
  "upgrade-insecure-requests",
  "te",
  "stripe-signature",
  "x-request-id",
  "cookie",
  "cf-ray",
  "cf-connecting-ip",
  "cf-ipcountry",
  "cf-visitor",
  "cdn-loop",
  "content-type",
  "host",
  "x-real-ip",
  "sec-fetch-site",
  "sec-fetch-mode",
  "sec-fetch-dest",
  "sec-fetch-user",
]);
const MAX_JSON_VALUES = 4096;
const SIMPLE_KEY = /^[a-z][a-z0-9]{0,30}(?:_[a-z0-9]{1,30}){0,5}$/i;
// Simple keys that rules still look for: pollution, session ids, SQL catalogs.
const RISKY_KEYS: ReadonlySet<string> = new Set([
  "constructor",
  "prototype",
  "jsessionid",
  "phpsessid",
  "sessionid",
  "session_id",
  "sid",
  "cfid",
  "cftoken",
  "aspsessionid",
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
// A password may contain any character, is only ever hashed, and must never reach
// a log line (the WAF's event quotes what matched): such fields are not inspected.
const SECRET_FIELD = /passw(?:or)?d|passphrase|secret/i;
const MAX_DEPTH = 32;

/** Query, form or cookie pairs: each name as a `name` target, each value under its field. */
export function addPairs(out: Target[], text: string, separator: string, kind: "query" | "body" | "cookie", prefix: string): void {
  for (const part of text.split(separator)) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawName = (eq < 0 ? part : part.slice(0, eq)).trim();
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    const plus = kind !== "cookie";
    const name = normalise(rawName, plus);
    if (name !== "") out.push({ name: `${prefix}-name`, kind: "name", field: name, value: name });
    if (rawValue === "" || (kind === "body" && SECRET_FIELD.test(name))) continue;
    out.push({ name: `${prefix}.${name.slice(0, 64)}`, kind, field: name, value: normalise(rawValue, plus) });
  }
}

function walkJson(out: Target[], value: unknown, path: string, depth: number): void {
  if (out.length >= MAX_JSON_VALUES || depth > MAX_DEPTH) return;
  if (typeof value === "string") {
    out.push({ name: `body.${path}`, kind: "body", field: path, value: normalise(value, false) });
  } else if (Array.isArray(value)) {
    // Array indexes are not part of the field path: an exclusion of `tags` covers every tag.
    for (const item of value) walkJson(out, item, path, depth + 1);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const field = path === "" ? key : `${path}.${key}`;
      if (SECRET_FIELD.test(key) && typeof item === "string") continue;
      // The key with its path: `constructor.prototype.x` is pollution, each word alone is not.
      // A plain snake/camel-case key (`due_date`, `ownerId`) matches no rule unless it is one of
      // the few words a rule looks for; skipping the rest keeps a JSON body's cost per value.
      if (!SIMPLE_KEY.test(key) || RISKY_KEYS.has(key.toLowerCase()))
        out.push({ name: "body-key", kind: "name", field, value: normalise(field, false) });
      walkJson(out, item, field, depth + 1);
    }
  }
}

/** The media type's essence, lower case: `application/json`. */
export function essenceOf(contentType: string | undefined): string {
  return (contentType?.split(";", 1)[0] ?? "").trim().toLowerCase();
}

/** The body's targets by media type: JSON walked, forms and multipart split, XML text, raw text otherwise. */
export function addBody(out: Target[], body: string, contentType: string | undefined): void {
  const essence = essenceOf(contentType);
  if (essence === "application/json" || essence.endsWith("+json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      // Not JSON after all: the route's JSON stage answers 400; meanwhile the
      // text is still inspected as raw text, so malformed JSON hides nothing.
      out.push({ name: "body", kind: "body", field: "", value: normalise(body, false) });
      return;
    }
    walkJson(out, parsed, "", 0);
    return;
  }
  // No type: what a form post without a declared type is (CRS's runner does the same).
  if (essence === "application/x-www-form-urlencoded" || essence === "") {
    addPairs(out, body, "&", "body", "body");
    return;
  }
  if (essence.startsWith("multipart/")) {
    addMultipart(out, body, contentType ?? "");
    return;
  }
  if (essence.endsWith("xml")) {
    addXml(out, body);
    return;
  }
  out.push({ name: "body", kind: "body", field: "", value: normalise(body, false) });
}

const BOUNDARY = /boundary\s{0,3}=\s{0,3}"?([^";,\s]{1,70})/i;
const PART_NAME = /\bname\s{0,3}=\s{0,3}"([^"]{0,200})"/i;

/** Multipart: each part's value under its name; the part headers are protocol rules' business. */
function addMultipart(out: Target[], body: string, contentType: string): void {
  const boundary = BOUNDARY.exec(contentType)?.[1];
  if (boundary === undefined) {
    out.push({ name: "body", kind: "body", field: "", value: normalise(body, false) });
    return;
  }
  for (const part of body.split(`--${boundary}`)) {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const head = part.slice(0, split);
    const value = part
      .slice(split)
      .replace(/^\r?\n\r?\n/, "")
      .replace(/\r?\n$/, "");
    const name = normalise(PART_NAME.exec(head)?.[1] ?? "", false);
    if (name !== "") out.push({ name: "body-name", kind: "name", field: name, value: name });
    if (value !== "") out.push({ name: `body.${name.slice(0, 64)}`, kind: "body", field: name, value: normalise(value, false) });
  }
}

/** Quoted attribute values of one tag; each quote is searched once (linear, unlike a regex per `=`). */
function addAttributes(out: Target[], tag: string): void {
  let i = tag.indexOf("=");
  while (i >= 0) {
    let j = i + 1;
    while (tag[j] === " " || tag[j] === "\t" || tag[j] === "\n" || tag[j] === "\r") j++;
    const quote = tag[j];
    if (quote === '"' || quote === "'") {
      const end = tag.indexOf(quote, j + 1);
      const value = tag.slice(j + 1, end < 0 ? tag.length : end);
      if (value !== "") out.push({ name: "body.xml-attribute", kind: "body", field: "", value: normalise(value, false) });
      if (end < 0) return;
      j = end + 1;
    }
    i = tag.indexOf("=", j);
  }
}

/**
 * XML: text and attribute values, as an XML parser hands them to the application;
 * element and attribute names are markup, not data. One linear scan.
 */
function addXml(out: Target[], body: string): void {
  let text = "";
  let i = 0;
  while (i < body.length) {
    const open = body.indexOf("<", i);
    const chunk = open < 0 ? body.slice(i) : body.slice(i, open);
    if (chunk.trim() !== "") text += `${chunk} `;
    if (open < 0) break;
    const close = body.indexOf(">", open);
    const tag = close < 0 ? body.slice(open) : body.slice(open, close);
    addAttributes(out, tag);
    i = close < 0 ? body.length : close + 1;
  }
  if (text !== "") out.push({ name: "body.xml-text", kind: "body", field: "", value: normalise(text, false) });
}

/** True when a header carries client text the value rules read (cookies are split into pairs instead). */
export function isInspectedHeader(name: string): boolean {
  return !SKIPPED_HEADERS.has(name);
}
