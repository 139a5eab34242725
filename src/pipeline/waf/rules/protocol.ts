/**
 * Request rules (protocol enforcement): framing and encoding that a well-behaved
 * client never sends. Each looks at the method, the raw target, the headers or
 * the raw body once; all are string scans without backtracking.
 */
import type { RequestRule, WafRequest } from "../types";

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
// Headers only a proxy, WebDAV or an exploit sends to an API; Content-Encoding too: a
// compressed request body is one the WAF cannot read, so what it hides would pass
// uninspected. A switch, not a Set: every request's every header name is a new string,
// which a Set lookup would first intern (see headerTrait in engine.ts).
function isRestrictedName(name: string): boolean {
  switch (name) {
    case "proxy":
    case "content-encoding":
    case "lock-token":
    case "content-range":
    case "if":
    case "x-http-method-override":
    case "x-http-method":
    case "x-method-override":
    case "x-middleware-subrequest":
    case "request-range":
    case "translate":
      return true;
    default:
      return false;
  }
}
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
// One byte range of a Range header (RFC 9110 §14.1.2): `first-last`, `first-`, or `-suffix`.
const BYTE_RANGE = /^(\d{0,15})-(\d{0,15})$/;
// More ranges than any media player or download manager asks for: a many-ranges amplification.
const MAX_RANGES = 5;
// RFC 9110 §5.1 field-name: a token (§5.6.2 tchar; the runtime hands names over in lower
// case), at most 100 characters. A table, not a regex: names are short, and a regex call
// costs more than walking one.
const FIELD_NAME_MAX = 100;
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
function isFieldName(name: string): boolean {
  const length = name.length;
  if (length === 0 || length > FIELD_NAME_MAX) return false;
  for (let i = 0; i < length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 128 || TCHAR[code] !== 1) return false;
  }
  return true;
}
// Field values may hold visible ASCII, obs-text, space and tab; any other control character is a smuggling or injection tool.
// eslint-disable-next-line no-control-regex
const FIELD_VALUE_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// Media type grammar (RFC 9110 §8.3.1): type/subtype, then `; name=value` parameters (token or quoted string).
const MEDIA_TYPE =
  /^[!#$%&'*+.^_`|~0-9a-z-]{1,127}\/[!#$%&'*+.^_`|~0-9a-z-]{1,127}(?:[ \t]{0,5};[ \t]{0,5}(?:[!#$%&'*+.^_`|~0-9a-z-]{1,127}=(?:[!#$%&'*+.^_`|~0-9a-z-]{1,200}|"[^"\\]{0,200}"))?){0,10}[ \t]{0,5}$/i;
// A percent-encoded percent sign before two hex digits: a value encoded twice, to slip past a single decode.
const DOUBLE_ENCODED = /%25[0-9a-f]{2}/i;

/**
 * True when a Range header value is one a client uses in good faith: `bytes=` with at most
 * MAX_RANGES ranges, each ascending, none overlapping another (RFC 9110 §14.2 lets a server
 * refuse those: they cost it more than they give the client).
 */
function isSaneRange(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (!v.startsWith("bytes=")) return false;
  const parts = v.slice(6).split(",");
  if (parts.length > MAX_RANGES) return false;
  const spans: [number, number][] = [];
  let suffixes = 0;
  for (const part of parts) {
    const m = BYTE_RANGE.exec(part.trim());
    if (m === null) return false;
    const first = m[1] ?? "";
    const last = m[2] ?? "";
    if (first === "" && last === "") return false;
    if (first === "") {
      suffixes++;
      continue;
    }
    const from = Number(first);
    const to = last === "" ? Number.MAX_SAFE_INTEGER : Number(last);
    if (to < from) return false;
    spans.push([from, to]);
  }
  if (suffixes > 1) return false;
  spans.sort((a, b) => a[0] - b[0]);
  return spans.every((span, i) => i === 0 || span[0] > (spans[i - 1]?.[1] ?? -1));
}

/** The request target's form (RFC 9112 §3.2): what is wrong with it, or `undefined`. */
function targetShapeProblem(request: WafRequest, host: string | undefined): string | undefined {
  const target = request.target;
  if (target.includes("#")) return "target.fragment";
  if (target === "*") return request.method === "OPTIONS" ? undefined : "target.asterisk";
  if (target.startsWith("/")) {
    // A backslash before the query, if any.
    const backslash = target.indexOf("\\");
    const query = target.indexOf("?");
    return backslash >= 0 && (query < 0 || backslash < query) ? "target.backslash" : undefined;
  }
  const absolute = /^https?:\/\/([^/?#@]{1,255})/i.exec(target);
  if (absolute === null) return "target.form";
  // Absolute form is only for proxies; to this server it must name the host it is addressed to.
  return (absolute[1] ?? "").toLowerCase() === (host ?? "").trim().toLowerCase() ? undefined : "target.host";
}

// An editor's backup copy (`index.php~`).
const BACKUP_COPY = /\.\w{1,8}~(?:$|\/)/;

const isNumber = (v: string): boolean => /^\d{1,19}$/.test(v);
// Prefilters: INVALID_PERCENT, OVERLONG and UNICODE_ESCAPE match only text with a `%`,
// NUL only text with a `%` or a NUL, the extension rule only a path with a `.` (every
// alternative starts with one). `includes` is a scan without a regex call; most
// targets hold none of them, so these rules cost next to nothing on ordinary requests.
const withPercent = (pattern: RegExp, text: string): boolean => text.includes("%") && pattern.test(text);
const hasNulByte = (text: string): boolean => (text.includes("%") || text.includes("\u0000")) && NUL.test(text);
// In a JSON body `%00` is three characters of a string (a generated password may hold them): JSON
// spells a NUL as the escape `\u0000`, which the parser turns into one. Any other body may be
// percent-decoded by what reads it (a form, an XML attribute a server URL-decodes): `%00` counts.
const isJson = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^\s*application\/(?:[\w.-]{1,60}\+)?json\b/i.test(contentType);
const bodyHasNul = (body: string | undefined, contentType: string | undefined): boolean =>
  body !== undefined && (isJson(contentType) ? body.includes("\u0000") || body.includes("\\u0000") : hasNulByte(body));
type Header = WafRequest["headers"][number];
// Header predicates made once, not per request (an arrow in a rule is a new closure each call).
const hasNul = (h: Header): boolean => h[1].includes("\u0000");
const isRestricted = (h: Header): boolean => isRestrictedName(h[0]);
const isMalformedField = (h: Header): boolean => !isFieldName(h[0]) || FIELD_VALUE_CONTROL.test(h[1]);
/** The first of `headers` that `test` holds for. An indexed loop: every request runs these over every header. */
function firstHeader(headers: WafRequest["headers"], test: (h: Header) => boolean): Header | undefined {
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i];
    if (header !== undefined && test(header)) return header;
  }
  return undefined;
}

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
    when: ["content-length"],
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
    when: ["content-length"],
    check: (_r, f) =>
      f.header("content-length") !== undefined && f.header("transfer-encoding") !== undefined ? "header.transfer-encoding" : undefined,
  },
  // Transfer-Encoding other than chunked
  {
    id: 105,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["transfer-encoding"],
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
    when: ["body", "content-length", "transfer-encoding"],
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
    when: ["body"],
    check: (r, f) => ((r.body ?? "") !== "" && f.contentType === undefined ? "header.content-type" : undefined),
  },
  // Content-Type not allowed
  {
    id: 108,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["content-type"],
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
    when: ["content-type"],
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
    when: ["content-type"],
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
    when: ["percent", "body"],
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
    when: ["percent", "body"],
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
    check: (r, f) =>
      hasNulByte(r.target) ? "target" : bodyHasNul(r.body, f.contentType) ? "body" : firstHeader(r.headers, hasNul) ? "headers" : undefined,
  },
  // control characters in the target
  { id: 114, group: "protocol", paranoia: 2, score: 5, check: (r) => (CONTROL.test(r.target) ? "target" : undefined) },
  // restricted file extension
  {
    id: 115,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["dot"],
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
      const h = firstHeader(r.headers, isRestricted);
      return h ? `header.${h[0]}` : undefined;
    },
  },
  // Range with many or malformed parts
  {
    id: 117,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["range"],
    check: (_r, f) => {
      const v = f.header("range");
      return v === undefined || isSaneRange(v) ? undefined : "header.range";
    },
  },
  // too many arguments or an overlong argument name
  {
    id: 118,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["query"],
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
    when: ["body"],
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
  // header name that is not a token, or a header value with a control character (RFC 9110 §5)
  {
    id: 123,
    group: "protocol",
    paranoia: 1,
    score: 5,
    check: (r) => {
      const h = firstHeader(r.headers, isMalformedField);
      return h ? `header.${h[0].slice(0, 64)}` : undefined;
    },
  },
  // conflicting framing: several Content-Length values that differ (request smuggling)
  {
    id: 124,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["content-length"],
    check: (r) => {
      // Nothing allocated unless a Content-Length is there (every request runs this).
      let first: string | undefined;
      const headers = r.headers;
      for (let i = 0; i < headers.length; i++) {
        const header = headers[i];
        if (header === undefined || header[0] !== "content-length") continue;
        for (const part of header[1].split(",")) {
          const length = part.trim();
          if (first === undefined) first = length;
          else if (length !== first) return "header.content-length";
        }
      }
      return undefined;
    },
  },
  // request target not in a form this server takes: a fragment, `*` outside OPTIONS, a backslash
  // in the path, absolute form naming another host, or no leading slash
  { id: 125, group: "protocol", paranoia: 1, score: 5, check: (r, f) => targetShapeProblem(r, f.header("host")) },
  // Content-Type that is not a media type (type/subtype, then `;` parameters)
  {
    id: 126,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["content-type"],
    check: (_r, f) => (f.contentType === undefined || MEDIA_TYPE.test(f.contentType.trim()) ? undefined : "header.content-type"),
  },
  // Connection asking both to keep the connection and to close it
  {
    id: 127,
    group: "protocol",
    paranoia: 1,
    score: 5,
    when: ["connection"],
    check: (_r, f) => {
      const v = f.header("connection")?.toLowerCase();
      return v !== undefined && v.includes("close") && v.includes("keep-alive") ? "header.connection" : undefined;
    },
  },
  // Accept or User-Agent present but empty: no browser or HTTP library sends that
  {
    id: 128,
    group: "protocol",
    paranoia: 2,
    score: 5,
    check: (_r, f) =>
      f.header("user-agent")?.trim() === "" ? "header.user-agent" : f.header("accept")?.trim() === "" ? "header.accept" : undefined,
  },
  // a percent sign percent-encoded before hex digits: double encoding
  {
    id: 129,
    group: "protocol",
    paranoia: 2,
    score: 5,
    when: ["percent", "body"],
    check: (r, f) =>
      withPercent(DOUBLE_ENCODED, r.target)
        ? "target"
        : f.contentType !== undefined && /x-www-form-urlencoded/i.test(f.contentType) && withPercent(DOUBLE_ENCODED, r.body ?? "")
          ? "body"
          : undefined,
  },
];
