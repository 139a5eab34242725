/**
 * Value rules for attacks on the web layer and on what the server fetches:
 * XSS, path traversal and local files (lfi), remote includes (rfi), SSRF
 * targets, prototype pollution, session fixation, header/response splitting and
 * LDAP injection (protocol_attack). Each judges the construct's grammar and
 * context (see markup.ts, locations.ts): an element that would run, a path or URL
 * that is the whole value, not a sentence that names them.
 */
import type { TargetKind, ValueRule } from "../types";
import { domSink, htmlElement, PLAIN_DOM_SINK } from "./markup";
import {
  cutUrl,
  exoticTraversal,
  internalUrl,
  ipUrl,
  namesInternalHost,
  scriptUrl,
  SENSITIVE_FILE_GATE,
  sensitiveFile,
  windowsPath,
} from "./locations";

// Where a value could be fetched by the server: arguments, body fields, cookies.
const FETCHED: readonly TargetKind[] = ["query", "body", "cookie"];
// Where a bare line break has no business: everything but a body field's text.
const ONE_LINE: readonly TargetKind[] = ["path", "query", "header", "cookie", "name"];

export const webRules: readonly ValueRule[] = [
  // --- xss -----------------------------------------------------------------------------------
  // script-capable HTML element: a tag opened with an attribute, or closed by its end tag
  { id: 901, needs: "<", group: "xss", paranoia: 1, score: 5, detect: htmlElement, workPer: "<" },
  // HTML event handler attribute
  { id: 902, needs: "=", group: "xss", paranoia: 1, score: 5, pattern: /(?:^|[\s"'`/;<>])on[a-z]{3,50}\s{0,5}=/ },
  // script URL scheme where a URL stands (the value's start, after `=`, a quote or `(`), or glued to its code
  {
    id: 903,
    needs: ":",
    group: "xss",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:^|[=("'`>])\s{0,5}(?:javascript|vbscript|livescript|mocha)\s{0,5}:|(?:javascript|vbscript|livescript|mocha):[^\s]|data\s{0,5}:\s{0,5}(?:text\/html|image\/svg|application\/(?:x-)?(?:javascript|ecmascript|xhtml))|data:[^,]{0,60};base64|data\s{0,5}:\s{0,5},/,
  },
  // DOM sink in an expression, or a dialog/eval call with a code-looking argument
  { id: 904, plain: true, needs: "(.@=`:", group: "xss", paranoia: 1, score: 5, detect: domSink, plainGate: PLAIN_DOM_SINK },
  // HTML injection: attribute break-out into a tag, comment/CDATA/doctype, a tag with an attribute
  {
    id: 905,
    needs: "<=",
    group: "xss",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:['"`]\s{0,5}>\s{0,5}<|<!(?:--|\[cdata\[|doctype|entity)|<\?(?:xml|import)|<import\s{0,5}implementation|<[a-z]{1,20}[\s/][^>=]{0,200}=[^>]{0,200}>|\bcharset\s{0,5}=\s{0,5}['"]?utf-7)/,
  },
  // angle bracket followed by a letter or slash
  { id: 906, needs: "<", group: "xss", paranoia: 2, score: 5, pattern: /<[a-z!/?%][^<>]{0,200}(?:>|$)/ },
  // --- lfi -------------------------------------------------------------------------------------
  // directory traversal: `..` after a path separator, `=`, a quote or the value's start; or two in a row
  // ("see ../common/policy.pdf" in a sentence is a relative link, not a way out of a directory)
  {
    id: 301,
    plain: true,
    needs: ".",
    group: "lfi",
    paranoia: 1,
    score: 5,
    pattern: /(?:^|[/\\=;:'"])\.{2,8}(?:[/\\;]|$)|\.{2,8}[/\\]{1,3}\.{2,8}(?:[/\\]|$)/,
  },
  // the same with separators the normal form keeps: `0x2f`/`0x5c` spelled out, division or fraction slash
  { id: 310, plain: true, needs: ".", group: "lfi", paranoia: 1, score: 5, detect: exoticTraversal, plainGate: /0x(?:2f|5c)/ },
  // system or application secret file, as the whole value (`/./` and `//` inside it read as `/`)
  { id: 302, plain: true, needs: "./\\_-", group: "lfi", paranoia: 1, score: 5, detect: sensitiveFile, plainGate: SENSITIVE_FILE_GATE },
  // hidden file or directory in the path (not .well-known)
  { id: 303, plain: true, needs: "/", group: "lfi", paranoia: 1, score: 5, on: ["path"], pattern: /\/\.(?!well-known\/)[a-z0-9_-]/ },
  // Windows drive, UNC or device path, as the whole value
  { id: 304, needs: ":\\", group: "lfi", paranoia: 1, score: 5, detect: windowsPath },
  // --- rfi ---------------------------------------------------------------------------------------
  // the whole value is a remote URL whose host is an IP address
  { id: 401, needs: ":", group: "rfi", paranoia: 1, score: 5, on: FETCHED, detect: ipUrl },
  // the whole value is a remote URL cut off with ? or # (include suffix removal)
  { id: 402, needs: ":", group: "rfi", paranoia: 1, score: 5, on: FETCHED, detect: cutUrl },
  // the whole value is a URL to a script file on another host
  { id: 403, needs: ":", group: "rfi", paranoia: 1, score: 5, on: FETCHED, detect: scriptUrl },
  // --- ssrf ------------------------------------------------------------------------------------
  // URL to a loopback, private, link-local or metadata address in the path or a name (not prose);
  // not in headers: Origin and Referer name the browser's own page, which a local web app serves
  // from loopback, and the API fetches no header.
  {
    id: 701,
    plain: true,
    needs: "/",
    group: "ssrf",
    paranoia: 1,
    score: 5,
    on: ["path", "name"],
    detect: namesInternalHost,
    plainGate: /\/\//,
  },
  // the whole value of an argument, field or cookie is a URL to an internal address (what the server
  // could be made to fetch, in any form a URL parser accepts: `http:\\\\h`, `http:/h`, `http:h`); a URL
  // named in a sentence is not
  { id: 704, plain: true, needs: "/:", group: "ssrf", paranoia: 1, score: 5, on: FETCHED, detect: internalUrl, plainGate: /\/\// },
  // dangerous URL scheme where a URL stands (the value's start, after `=`, a quote, `(` or `,`)
  {
    id: 702,
    needs: ":",
    group: "ssrf",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:^|["'=(,])(?:file|gopher|dict|ldap|ldaps|tftp|jar|netdoc|sftp|ssh2|expect|rtmp|smb|telnet|mailto:[^@]{0,60}%0a):(?:\/\/|[a-z0-9])/,
  },
  // scheme with an integer or hex host (decimal/octal IP)
  {
    id: 703,
    needs: ":",
    group: "ssrf",
    paranoia: 2,
    score: 5,
    pattern: /^[a-z][a-z0-9+.-]{1,15}:(?:\/\/)?(?:0x[0-9a-f]{2,8}|\d{8,10}|0[0-7]{6,11})(?:[:/?#]|$)/,
  },
  // --- prototype pollution ---------------------------------------------------------------------
  // prototype pollution key, in a property path or a JSON-Pointer / JSON-Patch path (`/__proto__/x`)
  {
    id: 801,
    plain: true,
    needs: "_.[/",
    group: "prototype",
    paranoia: 1,
    score: 5,
    on: ["name", "query", "body", "cookie", "path"],
    pattern:
      /(?:^|[.[\]"'/])(?:__proto__|constructor\s{0,3}[.[\]/]{1,3}\s{0,3}['"]?prototype|prototype\s{0,3}[.[\]/]{1,3}\s{0,3}['"]?(?:constructor|__proto__))(?:$|[.[\]"'/])|^(?:__proto__|__definegetter__|__definesetter__|__lookupgetter__)$/,
  },
  // ORM lookup traversal in a parameter name
  {
    id: 802,
    plain: true,
    needs: "_",
    group: "prototype",
    paranoia: 2,
    score: 5,
    on: ["name"],
    pattern: /__(?:metadata|password|is_staff|is_superuser|has_keys?|contains|startswith|regex)(?:__|$)/,
  },
  // --- session fixation ---------------------------------------------------------------------------
  // a cookie set through input: a script assigning document.cookie, a meta tag setting one, a value
  // that starts as a Set-Cookie header or a cookie with its attributes (`sid=x; domain=.evil`); a
  // session id in the URL is rule 1102 (a request rule); a cookie a browser sends is neither
  {
    id: 1101,
    needs: ";=:",
    group: "session",
    paranoia: 1,
    score: 5,
    on: ["query", "body", "header", "path", "name"],
    pattern:
      /(?:\.cookie\s{0,5}(?:;\s{0,5}(?:expires|domain|path|max-age)\s{0,5})?=|^\s{0,5}set-cookie\s{0,5}:|http-equiv\s{0,5}=\s{0,5}['"]?set-cookie|^\s{0,5}[\w.-]{1,64}=[^;\s]{0,200};\s{0,5}(?:expires|domain|path)\s{0,5}=)/,
  },
  // --- protocol attacks ------------------------------------------------------------------------
  // a line break followed by a header or status line (response splitting) in a value a server may copy
  // into a response header: after a CR any header; after a bare LF (a multi-line note in a query, YAML
  // quoted in a search) a header that splitting sets: a cookie, a redirect, framing, CORS, CSP, `X-…`
  {
    id: 201,
    needs: "\n",
    group: "protocol_attack",
    paranoia: 1,
    score: 5,
    on: ONE_LINE,
    pattern:
      /\r\n?\s{0,5}(?:[a-z][\w-]{0,40}\s{0,5}:|http\/\d|<)|\n\s{0,5}(?:(?:(?:set-)?cookie2?|location|refresh|content-[a-z]{1,20}|transfer-encoding|access-control-[a-z-]{1,40}|x-[\w-]{1,40}|link|via|host|www-authenticate|strict-transport-security|cache-control|pragma|expires|etag|last-modified|vary|server|connection|keep-alive|upgrade|alt-svc|clear-site-data)\s{0,5}:|http\/\d|<)/,
  },
  // the same in a body field with a CR: a text field's line breaks are LF ("Impact: low\nOwner: …"
  // is a multi-line description), a header line is ended by CR LF
  {
    id: 206,
    needs: "\n",
    group: "protocol_attack",
    paranoia: 1,
    score: 5,
    on: ["body"],
    pattern: /\r\n?\s{0,5}(?:[a-z][\w-]{0,40}\s{0,5}:|http\/\d|<)/,
  },
  // an HTTP request line inside a value (request smuggling)
  {
    id: 202,
    needs: "/",
    group: "protocol_attack",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:^|[\r\n])[ \t]{0,5}(?:get|post|put|delete|head|options|connect|trace|patch|propfind)[ \t]{1,5}[^\s]{1,300}[ \t]{1,5}http\/\d/,
  },
  // LDAP filter injection
  {
    id: 203,
    needs: "(",
    group: "protocol_attack",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:\)\s{0,5}\(\s{0,5}[\w&|!*]{0,40}\s{0,5}[=*~<>]|\(\s{0,5}[&|!]\s{0,5}\(|[*)]\s{0,5}\(\s{0,5}[&|]|\)\s{0,5}[!&|]\s{0,5}\(|\)\s{0,5}\(\s{0,5}[&|]?\s{0,5}$)/,
  },
  // CR or LF in a header value
  { id: 204, needs: "\n", group: "protocol_attack", paranoia: 1, score: 5, on: ["header"], pattern: /[\r\n]/ },
  // bare CR/LF in a parameter name or short value
  { id: 205, needs: "\n", group: "protocol_attack", paranoia: 2, score: 5, on: ["name", "query"], pattern: /^[^\r\n]{0,40}[\r\n]/ },
  // --- scanner ------------------------------------------------------------------------------
  // security scanner user agent
  {
    id: 1301,
    plain: true,
    group: "scanner",
    paranoia: 1,
    score: 5,
    on: ["header"],
    pattern:
      /\b(?:nikto|sqlmap|nessus|nmap|masscan|zgrab|nuclei|arachni|acunetix|netsparker|w3af|wpscan|dirbuster|gobuster|ffuf|wfuzz|openvas|zmeu|morfeus|havij|jaeles|burpcollaborator|interactsh|commix|whatweb|skipfish|webinspect|appscan|paros|vega|grabber|brutus|hydra|medusa|xsser|bsqlbf|pangolin|sqlninja|fimap|dotdotpwn|qualys|detectify|zap|metis|webshag|nsauditor|floodgate|mysqloit|blackwidow|crimscanner|absinthe)\b/,
  },
];
