/**
 * What an attacker does to a payload so that a filter no longer recognises it,
 * while the interpreter behind the filter still reads the same attack: case
 * mixing, whitespace and comment variants, URL, double URL, `%uXXXX` and
 * overlong UTF-8 encodings, HTML entities in every spelling, JSON and JS
 * escapes, string concatenation, Log4j lookups, ideographic dots, tabs inside a
 * URL scheme. Each transformation is pure and deterministic given its choices
 * (a list of small numbers the property test draws), so a failing case prints
 * and replays exactly. Import-free: Node scripts load it as well as workerd.
 *
 * A transformation says where its output travels (`place`): what a server
 * decodes in a query string is sent in the query, what a JSON parser decodes
 * is sent in a JSON body. Which transformations keep an attack's meaning is the
 * seed's data (`transforms`), not guessed here.
 */

/** Attack classes the seeds cover. */
export type AttackClass = "sqli" | "xss" | "rce" | "lfi" | "ssrf" | "java" | "php" | "template" | "prototype" | "nosql";

/** Every transformation, by name. */
export const TRANSFORM_NAMES = [
  "case",
  "whitespace",
  "plus",
  "sql-comment",
  "url",
  "double-url",
  "unicode-url",
  "overlong-utf8",
  "entity-named",
  "entity-decimal",
  "entity-hex",
  "entity-no-semicolon",
  "entity-zero-padded",
  "json-escape",
  "js-escape",
  "concat",
  "log4j-lookup",
  "ideographic-dot",
  "scheme-whitespace",
] as const;
export type TransformName = (typeof TRANSFORM_NAMES)[number];

/** Where the transformed text travels, and so how a request carries it. */
export type Place =
  /** decoded text, percent-encoded into the query by the request builder */
  | "query"
  /** query text as sent on the wire (already encoded by the transformation) */
  | "query-raw"
  /** decoded text, serialised into a JSON body by the request builder */
  | "json"
  /** the inside of a JSON string literal as sent (already escaped by the transformation) */
  | "json-raw";

/** The part of a seed the transformations read. */
export interface SeedText {
  readonly class: AttackClass;
  /** The attack as the interpreter reads it. */
  readonly payload: string;
  /** Substring an HTML decoder decodes before it runs (an attribute value, a URL): where entities apply. */
  readonly region?: string;
  /** Substring that is JavaScript source (where JS escapes apply). */
  readonly script?: string;
  /** Substring that is a string literal with its quotes (SQL, JS) or shell words, which `concat` may split. */
  readonly literal?: string;
  /** SQL or shell dialect, for `concat`: the operator differs. */
  readonly dialect?: "mysql" | "postgres" | "mssql" | "posix" | "cmd" | "powershell";
  /** The host of a URL payload (for `ideographic-dot`). */
  readonly host?: string;
}

/**
 * The choices a transformation makes, read one after the other and cycled:
 * `[0]` leaves everything as it is (the identity for most), `[1]` takes option
 * 1 everywhere. The property test draws lists; shrinking makes them short.
 */
export class Choices {
  readonly #values: readonly number[];
  #at = 0;

  constructor(values: readonly number[]) {
    this.#values = values.length === 0 ? [0] : values;
  }

  /** The next choice among `k` options (0 to k-1). */
  next(k: number): number {
    const v = this.#values[this.#at % this.#values.length] ?? 0;
    this.#at++;
    return Math.abs(v) % k;
  }
}

/** One transformation: where its output goes and how it rewrites a seed. */
export interface Transform {
  readonly name: TransformName;
  readonly place: Place;
  /** How many options each choice has (the uniform variants `[0]`…`[options-1]` are checked one by one). */
  readonly options: number;
  readonly apply: (seed: SeedText, choices: Choices) => string;
}

const hex2 = (code: number): string => code.toString(16).padStart(2, "0");
const upperOrLower = (s: string, choices: Choices): string => (choices.next(2) === 0 ? s.toUpperCase() : s.toLowerCase());

/** UTF-8 bytes of one character. */
function utf8Bytes(ch: string): number[] {
  return [...new TextEncoder().encode(ch)];
}

/** `ch` as a query value needs it at least (what encodeURIComponent escapes). */
const minimal = (ch: string): string => encodeURIComponent(ch);

/** Applies `rewrite` to `region` inside `payload` (every occurrence), or to the whole payload when there is no region. */
function withinRegion(payload: string, region: string | undefined, rewrite: (text: string) => string): string {
  if (region === undefined || region === "") return rewrite(payload);
  const at = payload.indexOf(region);
  if (at < 0) throw new Error(`region ${JSON.stringify(region)} is not in ${JSON.stringify(payload)}`);
  return payload.slice(0, at) + rewrite(region) + payload.slice(at + region.length);
}

/** Percent-encodes each character of a query value: option 0 as a browser would, else by `encode`. */
function percentEach(text: string, choices: Choices, options: number, encode: (ch: string, option: number) => string): string {
  let out = "";
  for (const ch of text) {
    const option = choices.next(options);
    out += option === 0 ? minimal(ch) : encode(ch, option);
  }
  return out;
}

// --- case and whitespace ----------------------------------------------------------------------

/** Mixed case everywhere but in the seed's script (JavaScript names are case-sensitive). */
function mixCase(seed: SeedText, choices: Choices): string {
  const flip = (text: string): string =>
    Array.from(text)
      .map((ch) => (/[a-z]/i.test(ch) && choices.next(2) === 1 ? (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) : ch))
      .join("");
  const script = seed.script ?? "";
  const at = script === "" ? -1 : seed.payload.indexOf(script);
  return at < 0 ? flip(seed.payload) : flip(seed.payload.slice(0, at)) + script + flip(seed.payload.slice(at + script.length));
}

/**
 * What each interpreter reads as whitespace between tokens. SQL (MySQL reads
 * VT too); HTML between attributes and JavaScript between tokens; a POSIX
 * shell splits words on space and tab only (a newline ends the command).
 */
const WHITESPACE: Readonly<Record<AttackClass, readonly string[]>> = {
  sqli: [" ", "\t", "\n", "\r", "\f", "\v"],
  xss: [" ", "\t", "\n", "\f", "\r"],
  rce: [" ", "\t"],
  lfi: [" "],
  ssrf: [" "],
  java: [" ", "\t", "\n", "\r"],
  php: [" ", "\t", "\n", "\r"],
  template: [" ", "\t", "\n", "\r"],
  prototype: [" "],
  nosql: [" ", "\t", "\n", "\r"],
};
// How many whitespace characters replace one space: past the `\s{0,5}` a pattern may allow.
const RUNS = [1, 2, 6, 12] as const;

/** True at a space that must stay one space: the one that makes SQL's `--` a comment (MySQL needs whitespace there). */
const isCommentSpace = (text: string, i: number): boolean => text.slice(Math.max(0, i - 2), i) === "--";

function respace(seed: SeedText, choices: Choices): string {
  const alphabet = WHITESPACE[seed.class];
  let out = "";
  for (let i = 0; i < seed.payload.length; i++) {
    const ch = seed.payload[i] ?? "";
    if (ch !== " ") {
      out += ch;
      continue;
    }
    const run = RUNS[choices.next(RUNS.length)] ?? 1;
    for (let n = 0; n < run; n++) out += alphabet[choices.next(alphabet.length)] ?? " ";
    if (isCommentSpace(seed.payload, i)) out = out.slice(0, out.length - run) + (alphabet[1] ?? " ").repeat(run);
  }
  return out;
}

/** Spaces as `+` in the query (what a form encoder sends); everything else minimally encoded. */
const plusSpaces = (seed: SeedText): string =>
  Array.from(seed.payload)
    .map((ch) => (ch === " " ? "+" : minimal(ch)))
    .join("");

// Comments MySQL reads as whitespace between tokens; `/*!*/` is an empty versioned comment.
const SQL_COMMENTS = [" ", "/**/", "/*x*/", "/*!*/", "/**//**/"] as const;

function sqlComments(seed: SeedText, choices: Choices): string {
  let out = "";
  for (let i = 0; i < seed.payload.length; i++) {
    const ch = seed.payload[i] ?? "";
    out += ch === " " && !isCommentSpace(seed.payload, i) ? (SQL_COMMENTS[choices.next(SQL_COMMENTS.length)] ?? " ") : ch;
  }
  return out;
}

// --- URL encodings (query, as sent) -------------------------------------------------------------

const percentHex = (ch: string, choices: Choices): string =>
  utf8Bytes(ch)
    .map((b) => `%${upperOrLower(hex2(b), choices)}`)
    .join("");

const urlEncode = (seed: SeedText, choices: Choices): string => percentEach(seed.payload, choices, 2, (ch) => percentHex(ch, choices));

/** `%25XX`: what a server that decodes twice (a proxy and the app, or the app twice) reads as the character. */
const doubleUrl = (seed: SeedText, choices: Choices): string =>
  percentEach(seed.payload, choices, 2, (ch) =>
    utf8Bytes(ch)
      .map((b) => `%25${upperOrLower(hex2(b), choices)}`)
      .join(""),
  );

/** `%uXXXX`: IIS and some legacy decoders. */
const unicodeUrl = (seed: SeedText, choices: Choices): string =>
  percentEach(seed.payload, choices, 2, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code > 0xffff
      ? percentHex(ch, choices)
      : `%${choices.next(2) === 0 ? "u" : "U"}${upperOrLower(code.toString(16).padStart(4, "0"), choices)}`;
  });

/** Overlong UTF-8 (`%c0%ae` for `.`, `%e0%80%af` for `/`): what a lenient decoder folds back to ASCII. */
const overlong = (seed: SeedText, choices: Choices): string =>
  percentEach(seed.payload, choices, 3, (ch, option) => {
    const code = ch.charCodeAt(0);
    if (code >= 0x80) return minimal(ch);
    const bytes = option === 1 ? [0xc0 | (code >> 6), 0x80 | (code & 0x3f)] : [0xe0, 0x80 | (code >> 6), 0x80 | (code & 0x3f)];
    return bytes.map((b) => `%${upperOrLower(hex2(b), choices)}`).join("");
  });

// --- HTML entities (JSON body, decoded text) ---------------------------------------------------

// Named references that HTML5 defines for ASCII characters (with `;`).
const NAMED_ENTITY: Readonly<Record<string, readonly string[]>> = {
  "<": ["lt", "LT"],
  ">": ["gt", "GT"],
  '"': ["quot", "QUOT"],
  "'": ["apos"],
  "&": ["amp", "AMP"],
  ":": ["colon"],
  "(": ["lpar"],
  ")": ["rpar"],
  "\t": ["Tab"],
  "\n": ["NewLine"],
  "/": ["sol"],
  "\\": ["bsol"],
  ".": ["period"],
  ",": ["comma"],
  ";": ["semi"],
  "=": ["equals"],
  "!": ["excl"],
  "`": ["grave", "DiacriticalGrave"],
  "{": ["lcub", "lbrace"],
  "}": ["rcub", "rbrace"],
  "[": ["lsqb", "lbrack"],
  "]": ["rsqb", "rbrack"],
  "+": ["plus"],
  _: ["lowbar", "UnderBar"],
  $: ["dollar"],
  "%": ["percnt"],
  "#": ["num"],
  "*": ["ast", "midast"],
  "?": ["quest"],
  "@": ["commat"],
  "|": ["verbar", "vert", "VerticalLine"],
  "^": ["Hat"],
  " ": ["nbsp"],
};
// Names a browser decodes without `;` too (the legacy set, ASCII only).
const LEGACY_NAMED: Readonly<Record<string, string>> = { "<": "lt", ">": "gt", '"': "quot", "&": "amp" };

type EntityStyle = "named" | "decimal" | "hex" | "no-semicolon" | "zero-padded";

function entityOf(ch: string, next: string, style: EntityStyle, choices: Choices): string {
  const code = ch.codePointAt(0) ?? 0;
  const decimal = (pad: string, semi: boolean): string => `&#${pad}${code}${semi ? ";" : ""}`;
  const hex = (pad: string, semi: boolean): string =>
    `&#${choices.next(2) === 0 ? "x" : "X"}${pad}${upperOrLower(code.toString(16), choices)}${semi ? ";" : ""}`;
  switch (style) {
    case "named": {
      const names = NAMED_ENTITY[ch];
      return names === undefined ? ch : `&${names[choices.next(names.length)] ?? ""};`;
    }
    case "decimal":
      return decimal("", true);
    case "hex":
      return hex("", true);
    case "no-semicolon": {
      // Without `;` a reference ends where its digits (or, for a legacy name, the name) end:
      // the next character must not extend it, or the browser reads another character.
      const option = choices.next(3);
      const legacy = LEGACY_NAMED[ch];
      if (option === 0 && legacy !== undefined && !/[a-z0-9=]/i.test(next)) return `&${legacy}`;
      if (option === 1 && !/[0-9a-f]/i.test(next)) return hex("", false);
      return decimal("", /[0-9]/.test(next));
    }
    case "zero-padded": {
      const pad = "0".repeat(1 + choices.next(12));
      return choices.next(2) === 0 ? decimal(pad, true) : hex(pad, true);
    }
  }
}

const entities =
  (style: EntityStyle) =>
  (seed: SeedText, choices: Choices): string =>
    withinRegion(seed.payload, seed.region, (text) => {
      const chars = Array.from(text);
      return chars.map((ch, i) => (choices.next(2) === 1 ? entityOf(ch, chars[i + 1] ?? "", style, choices) : ch)).join("");
    });

// --- JSON and JavaScript escapes --------------------------------------------------------------

/** The inside of a JSON string: each character as JSON.stringify writes it, or as `\uXXXX` / `\/`. */
const jsonEscape = (seed: SeedText, choices: Choices): string =>
  Array.from(seed.payload)
    .map((ch) => {
      const plain = JSON.stringify(ch).slice(1, -1);
      const option = choices.next(3);
      const code = ch.codePointAt(0) ?? 0;
      if (option === 0 || code > 0xffff) return plain;
      if (option === 2 && ch === "/") return "\\/";
      return `\\u${upperOrLower(code.toString(16).padStart(4, "0"), choices)}`;
    })
    .join("");

/**
 * JavaScript source where identifiers (outside string literals) may spell a
 * letter as `\u0061` or `\u{61}`, and a string literal any character as `\x61`,
 * `\u0061` or `\u{61}`. Seeds choose scripts without keywords (which must not be escaped).
 */
function jsEscape(seed: SeedText, choices: Choices): string {
  return withinRegion(seed.payload, seed.script, (code) => {
    let out = "";
    let quote: string | undefined;
    for (const ch of code) {
      if (quote !== undefined) {
        if (ch === quote) quote = undefined;
        else {
          const option = choices.next(4);
          const c = ch.charCodeAt(0);
          if (option === 1 && c < 0x100) out += `\\x${hex2(c)}`;
          else if (option === 2) out += `\\u${c.toString(16).padStart(4, "0")}`;
          else if (option === 3) out += `\\u{${c.toString(16)}}`;
          else out += ch;
          continue;
        }
      } else if (ch === "'" || ch === '"' || ch === "`") {
        quote = ch;
      } else if (/[a-z]/i.test(ch)) {
        const option = choices.next(3);
        const c = ch.charCodeAt(0);
        out += option === 1 ? `\\u${c.toString(16).padStart(4, "0")}` : option === 2 ? `\\u{${c.toString(16)}}` : ch;
        continue;
      }
      out += ch;
    }
    return out;
  });
}

// --- string concatenation -----------------------------------------------------------------

/** Splits a quoted literal's content at a chosen point and joins the parts the way `dialect` concatenates. */
function splitLiteral(literal: string, seed: SeedText, choices: Choices): string {
  const quote = literal[0] ?? "'";
  const inside = literal.slice(1, -1);
  if (inside.length < 2) return literal;
  const cut = 1 + choices.next(inside.length - 1);
  const a = `${quote}${inside.slice(0, cut)}${quote}`;
  const b = `${quote}${inside.slice(cut)}${quote}`;
  if (seed.class === "php") return `${a}.${b}`;
  if (seed.class !== "sqli") return choices.next(2) === 0 ? `${a}+${b}` : `(${a}+${b})`;
  // concat() is read alike by MySQL, PostgreSQL, SQL Server 2012+ and Oracle (two arguments).
  const dialectJoin = seed.dialect === "mysql" ? `${a} ${b}` : seed.dialect === "mssql" ? `${a}+${b}` : `${a}||${b}`;
  return choices.next(2) === 0 ? `concat(${a},${b})` : dialectJoin;
}

// What a shell reads as nothing inside a word: empty quotes or an escaped letter (POSIX),
// empty quotes or a caret (cmd), empty quotes or a backtick before a letter (PowerShell).
const SHELL_NOTHING: Readonly<Record<string, readonly string[]>> = {
  posix: ["''", '""', "\\"],
  cmd: ['""', "^"],
  powershell: ["''", '""', "`"],
};

/** Inserts what the shell reads as nothing between letters of the command words. */
function splitWords(words: string, seed: SeedText, choices: Choices): string {
  const nothing = SHELL_NOTHING[seed.dialect ?? "posix"] ?? SHELL_NOTHING.posix ?? [];
  let out = "";
  for (let i = 0; i < words.length; i++) {
    const ch = words[i] ?? "";
    const prev = words[i - 1] ?? "";
    const option = choices.next(nothing.length + 1);
    if (i > 0 && /[a-z]/i.test(prev) && /[a-z]/i.test(ch) && option > 0) out += nothing[option - 1] ?? "";
    out += ch;
  }
  return out;
}

function concat(seed: SeedText, choices: Choices): string {
  if (seed.literal === undefined) return seed.payload;
  const literal = seed.literal;
  return withinRegion(seed.payload, literal, (text) =>
    seed.class === "rce" ? splitWords(text, seed, choices) : splitLiteral(text, seed, choices),
  );
}

// --- class-specific ---------------------------------------------------------------------------

/** Log4j lookups that resolve to one letter: `${lower:j}`, `${::-j}`, a missing variable's default. */
function log4jLookup(seed: SeedText, choices: Choices): string {
  return seed.payload.replace(/\$\{([a-z]{3,5}):/gi, (_whole, word: string) => {
    const letters = Array.from(word).map((ch) => {
      switch (choices.next(5)) {
        case 1:
          return `\${lower:${ch}}`;
        case 2:
          return `\${upper:${ch}}`;
        case 3:
          return `\${::-${ch}}`;
        case 4:
          return `\${env:NOT_SET:-${ch}}`;
        default:
          return ch;
      }
    });
    return `\${${letters.join("")}:`;
  });
}

// Full stops a URL parser (UTS 46) maps to `.` in a host name.
const DOTS = [".", "\u3002", "\uff0e", "\uff61"] as const;

const ideographicDots = (seed: SeedText, choices: Choices): string =>
  withinRegion(seed.payload, seed.host, (host) =>
    Array.from(host)
      .map((ch) => (ch === "." ? (DOTS[choices.next(DOTS.length)] ?? ".") : ch))
      .join(""),
  );

// What a URL parser strips inside a scheme (tab, LF, CR), as raw characters or as the entities an attribute decodes.
const SCHEME_NOISE = ["", "\t", "\n", "\r", "&#x09;", "&#9;", "&Tab;", "&NewLine;", "&#10;", "&#13;", "&#x0A;"] as const;

/** Tabs and line breaks inside `javascript:`/`vbscript:`/`data:`, which the browser's URL parser removes. */
const schemeWhitespace = (seed: SeedText, choices: Choices): string =>
  seed.payload.replace(/(?:java|vb)script:|data:/i, (scheme) =>
    Array.from(scheme)
      .map((ch, i) => (i === 0 ? ch : `${SCHEME_NOISE[choices.next(SCHEME_NOISE.length)] ?? ""}${ch}`))
      .join(""),
  );

/** Every transformation. */
export const TRANSFORMS: Readonly<Record<TransformName, Transform>> = {
  case: { name: "case", place: "query", options: 2, apply: mixCase },
  whitespace: { name: "whitespace", place: "query", options: 6, apply: respace },
  plus: { name: "plus", place: "query-raw", options: 1, apply: plusSpaces },
  "sql-comment": { name: "sql-comment", place: "query", options: SQL_COMMENTS.length, apply: sqlComments },
  url: { name: "url", place: "query-raw", options: 2, apply: urlEncode },
  "double-url": { name: "double-url", place: "query-raw", options: 2, apply: doubleUrl },
  "unicode-url": { name: "unicode-url", place: "query-raw", options: 2, apply: unicodeUrl },
  "overlong-utf8": { name: "overlong-utf8", place: "query-raw", options: 3, apply: overlong },
  "entity-named": { name: "entity-named", place: "json", options: 2, apply: entities("named") },
  "entity-decimal": { name: "entity-decimal", place: "json", options: 2, apply: entities("decimal") },
  "entity-hex": { name: "entity-hex", place: "json", options: 2, apply: entities("hex") },
  "entity-no-semicolon": { name: "entity-no-semicolon", place: "json", options: 3, apply: entities("no-semicolon") },
  "entity-zero-padded": { name: "entity-zero-padded", place: "json", options: 2, apply: entities("zero-padded") },
  "json-escape": { name: "json-escape", place: "json-raw", options: 3, apply: jsonEscape },
  "js-escape": { name: "js-escape", place: "query", options: 4, apply: jsEscape },
  concat: { name: "concat", place: "query", options: 4, apply: concat },
  "log4j-lookup": { name: "log4j-lookup", place: "query", options: 5, apply: log4jLookup },
  "ideographic-dot": { name: "ideographic-dot", place: "query", options: DOTS.length, apply: ideographicDots },
  "scheme-whitespace": { name: "scheme-whitespace", place: "json", options: SCHEME_NOISE.length, apply: schemeWhitespace },
};

/**
 * The encodings a benign text may arrive in: none of them may turn it into a
 * block. Not `%uXXXX` nor overlong UTF-8: no standard client sends them, and
 * the protocol rules refuse them whatever they spell.
 */
export const ENCODING_TRANSFORMS: readonly TransformName[] = [
  "case",
  "url",
  "double-url",
  "entity-named",
  "entity-decimal",
  "entity-hex",
  "entity-zero-padded",
  "json-escape",
];

/**
 * An attack split over repeated query parameters (`?q=a&q=b`), for servers that
 * join them with `,` (ASP.NET, some proxies): the raw query string.
 */
export function splitAcrossParameters(name: string, payload: string, parts: number): string {
  const size = Math.ceil(payload.length / parts);
  const pieces: string[] = [];
  for (let i = 0; i < payload.length; i += size) pieces.push(`${name}=${encodeURIComponent(payload.slice(i, i + size))}`);
  return pieces.join("&");
}

/** The engine's view of a request (structurally `WafRequest` of src/pipeline/waf; kept import-free for Node). */
export interface WafRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string | undefined;
}

const HOST: readonly [string, string] = ["host", "api.rampart.example"];
const JSON_TYPE: readonly [string, string] = ["content-type", "application/json"];

/**
 * The request that carries `text` where `place` says: in the query as argument
 * `q` (or as a parameter's name), or in a JSON body as field `description` (or
 * as a key), next to ordinary fields.
 */
export function requestFor(place: Place, text: string, as: "value" | "name" = "value"): WafRequest {
  if (place === "query" || place === "query-raw") {
    const wire = place === "query" ? encodeURIComponent(text) : text;
    return { method: "GET", target: `/v1/orgs/acme/risks?${as === "name" ? `${wire}=1` : `q=${wire}`}`, headers: [HOST], body: undefined };
  }
  const literal = place === "json" ? JSON.stringify(text) : `"${text}"`;
  const body =
    as === "name" ? `{"title":"Quarterly review",${literal}:"1"}` : `{"title":"Quarterly review","description":${literal},"status":"open"}`;
  return { method: "POST", target: "/v1/orgs/acme/risks", headers: [HOST, JSON_TYPE], body };
}
