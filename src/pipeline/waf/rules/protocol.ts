/**
 * Request rules (protocol enforcement): framing and encoding that a well-behaved
 * client never sends. Each looks at the method, the raw target, the headers or
 * the raw body once; all are string scans without backtracking.
 */
import type { RequestRule } from "../types";

const ALLOWED_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
// Body types a JSON API (or a form post to it) may send; the route then narrows further (415).
const ALLOWED_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/related",
  "text/xml",
  "application/xml",
  "application/soap+xml",
]);
const ALLOWED_CHARSETS: ReadonlySet<string> = new Set(["utf-8", "utf8", "iso-8859-1", "iso-8859-15", "windows-1252", "us-ascii"]);
// Headers only a proxy, WebDAV or an exploit sends to an API.
const RESTRICTED_HEADERS: ReadonlySet<string> = new Set([
  "proxy",
  "lock-token",
  "content-range",
  "if",
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
  "x-middleware-subrequest",
  "request-range",
  "translate",
]);
const INVALID_PERCENT = /%(?![0-9a-f]{2}|u[0-9a-f]{4})/i;
const OVERLONG = /%c[01]%[89ab][0-9a-f]|%e0%[89][0-9a-f]%[89ab][0-9a-f]|%f0%8[0-9a-f]%/i;
const UNICODE_ESCAPE = /%u[0-9a-f]{4}/i;
// Control characters are exactly what these two look for.
// eslint-disable-next-line no-control-regex
const NUL = /%00|\u0000/;
// eslint-disable-next-line no-control-regex
const CONTROL = /%(?:0[1-8bcef]|1[0-9a-f]|7f)|[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f]/i;
const RESTRICTED_EXTENSION =
  /\.(?:asa|asax|ascx|backup|bak|bat|cdx|cer|cfg|cmd|com|config|conf|cs|csproj|csr|dat|db|dbf|dll|dos|htr|htw|ida|idc|idq|inc|ini|key|licx|lnk|log|mdb|old|pass|pdb|pol|printer|pwd|rdb|resources|resx|sql|swp|sys|vb|vbs|vbproj|vsdisco|webinfo|xsd|xsx|sqlite|sqlite3|kdbx|pem|p12|pfx|jks|tar|tgz|gz|zip|7z|rar|war|ear|orig|save|swo|tmp|temp|dist|yml|yaml|toml|env)$/;
const RANGE = /^bytes=(?:\d{0,19}-\d{0,19})(?:,\s{0,3}\d{0,19}-\d{0,19}){0,4}$/;

// An editor's backup copy (`index.php~`).
const BACKUP_COPY = /\.\w{1,8}~(?:$|\/)/;

const isNumber = (v: string): boolean => /^\d{1,19}$/.test(v);
// Prefilters: INVALID_PERCENT, OVERLONG and UNICODE_ESCAPE match only text with a `%`,
// NUL only text with a `%` or a NUL, the extension rule only a path with a `.` (every
// alternative starts with one). `includes` is a scan without a regex call; most
// targets hold none of them, so these rules cost next to nothing on ordinary requests.
const withPercent = (pattern: RegExp, text: string): boolean => text.includes("%") && pattern.test(text);
const hasNulByte = (text: string): boolean => (text.includes("%") || text.includes("\u0000")) && NUL.test(text);
// Header predicates made once, not per request (an arrow in a rule is a new closure each call).
const hasNul = (h: readonly [string, string]): boolean => h[1].includes("\u0000");
const isRestricted = (h: readonly [string, string]): boolean => RESTRICTED_HEADERS.has(h[0]);

export const protocolRules: readonly RequestRule[] = [
  // method not allowed
  { id: 101, group: "protocol", paranoia: 1, score: 5, check: (r) => (ALLOWED_METHODS.has(r.method) ? undefined : "method") },
  // missing or empty Host
  { id: 102, group: "protocol", paranoia: 1, score: 5, check: (_r, f) => (f.header("host") ? undefined : "header.host") },
  // Content-Length not a number
  {
    id: 103,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      const v = f.header("content-length");
      return v === undefined || isNumber(v) ? undefined : "header.content-length";
    },
  },
  // both Content-Length and Transfer-Encoding (smuggling)
  {
    id: 104,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) =>
      f.header("content-length") !== undefined && f.header("transfer-encoding") !== undefined ? "header.transfer-encoding" : undefined,
  },
  // Transfer-Encoding other than chunked
  {
    id: 105,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      const v = f.header("transfer-encoding");
      return v === undefined || v.trim().toLowerCase() === "chunked" ? undefined : "header.transfer-encoding";
    },
  },
  // GET or HEAD with a body
  {
    id: 106,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r, f) =>
      (r.method === "GET" || r.method === "HEAD") &&
      ((r.body ?? "") !== "" || (f.header("content-length") ?? "0") !== "0" || f.header("transfer-encoding") !== undefined)
        ? "body"
        : undefined,
  },
  // POST, PUT or PATCH without Content-Length or Transfer-Encoding
  {
    id: 122,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r, f) =>
      (r.method === "POST" || r.method === "PUT" || r.method === "PATCH") &&
      f.header("content-length") === undefined &&
      f.header("transfer-encoding") === undefined
        ? "header.content-length"
        : undefined,
  },
  // body without Content-Type
  {
    id: 107,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r, f) => ((r.body ?? "") !== "" && f.contentType === undefined ? "header.content-type" : undefined),
  },
  // Content-Type not allowed
  {
    id: 108,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      if (f.contentType === undefined) return undefined;
      const essence = (f.contentType.split(";", 1)[0] ?? "").trim().toLowerCase();
      return ALLOWED_TYPES.has(essence) ? undefined : "header.content-type";
    },
  },
  // charset not allowed or several charsets
  {
    id: 109,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      const matches = f.contentType?.toLowerCase().match(/charset\s{0,3}=\s{0,3}["']?[^"';\s,]{0,40}/g);
      if (!matches) return undefined;
      if (matches.length > 1) return "header.content-type";
      const charset = matches[0].replace(/^charset\s{0,3}=\s{0,3}["']?/, "");
      return ALLOWED_CHARSETS.has(charset) ? undefined : "header.content-type";
    },
  },
  // Content-Type with a second type or a boundary outside multipart
  {
    id: 110,
    group: "protocol_attack",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      const v = f.contentType?.toLowerCase();
      if (v === undefined) return undefined;
      const essence = (v.split(";", 1)[0] ?? "").trim();
      const params = v.slice(essence.length);
      if (
        essence.includes(",") ||
        /[\w-]\/[\w.+-]/.test(
          params.replace(/boundary\s{0,3}=\s{0,3}"?[\w'()+,./:=?-]{1,70}"?/g, (b) => (essence.startsWith("multipart/") ? "" : b)),
        )
      )
        return "header.content-type";
      return undefined;
    },
  },
  // invalid percent-encoding
  {
    id: 111,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r, f) =>
      withPercent(INVALID_PERCENT, f.query)
        ? "query"
        : f.contentType !== undefined && /x-www-form-urlencoded/i.test(f.contentType) && withPercent(INVALID_PERCENT, r.body ?? "")
          ? "body"
          : undefined,
  },
  // overlong UTF-8 or %u encoding
  {
    id: 112,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r) =>
      withPercent(OVERLONG, r.target) || withPercent(OVERLONG, r.body ?? "")
        ? "target"
        : withPercent(UNICODE_ESCAPE, r.target)
          ? "target"
          : undefined,
  },
  // NUL byte
  {
    id: 113,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r) => (hasNulByte(r.target) ? "target" : hasNulByte(r.body ?? "") ? "body" : r.headers.some(hasNul) ? "headers" : undefined),
  },
  // control characters in the target
  { id: 114, group: "protocol", paranoia: 2, score: 5, check: (r) => (CONTROL.test(r.target) ? "target" : undefined) },
  // restricted file extension
  {
    id: 115,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      const p = f.normalisedPath;
      return p.includes(".") && (RESTRICTED_EXTENSION.test(p) || BACKUP_COPY.test(p)) ? "path" : undefined;
    },
  },
  // restricted header
  {
    id: 116,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r) => {
      const h = r.headers.find(isRestricted);
      return h ? `header.${h[0]}` : undefined;
    },
  },
  // Range with many or malformed parts
  {
    id: 117,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      const v = f.header("range");
      return v === undefined || RANGE.test(v.trim().toLowerCase()) ? undefined : "header.range";
    },
  },
  // too many arguments or an overlong argument name
  {
    id: 118,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (_r, f) => {
      if (f.query.length === 0) return undefined;
      const parts = f.query.split("&");
      return parts.length > 255 || parts.some((p) => p.indexOf("=") > 100) ? "query" : undefined;
    },
  },
  // multipart part with a dangerous name, charset or transfer encoding
  {
    id: 119,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r, f) => {
      if (!f.contentType?.toLowerCase().startsWith("multipart/") || r.body === undefined) return undefined;
      const b = r.body.toLowerCase();
      return /(?:name|filename)\s{0,3}=\s{0,3}"[^"\n]{0,200}[=;\\'`][^"\n]{0,200}"|content-transfer-encoding|charset\s{0,3}=\s{0,3}["']?(?!utf-8|us-ascii|iso-8859-1)[\w-]|name\s{0,3}=\s{0,3}"_charset_"/.test(
        b,
      )
        ? "body"
        : undefined;
    },
  },
  // non-ASCII or invalid bytes in the path
  { id: 120, group: "protocol", paranoia: 2, score: 5, check: (_r, f) => (/[^\x21-\x7e]/.test(f.path) ? "path" : undefined) },
  // Host is an IP address
  {
    id: 121,
    group: "protocol",
    paranoia: 2,
    score: 5,
    check: (_r, f) =>
      /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i.test(f.header("host") ?? "") ? "header.host" : undefined,
  },
];
