/**
 * Value rules for attacks on the web layer and on what the server fetches:
 * XSS, path traversal and local files (lfi), remote includes (rfi), SSRF
 * targets, prototype pollution, session fixation, header/response splitting and
 * LDAP injection (protocol_attack). Linear patterns on the normalised value.
 */
import type { ValueRule } from "../types";
import { isInternalHost } from "./hosts";

// Tags that run script, load content, or restyle a page (a fragment of HTML is an attack on a JSON API).
const HTML_TAGS: ReadonlySet<string> = new Set(
  "script|iframe|frame|frameset|object|embed|applet|svg|math|base|link|meta|style|form|isindex|template|xss|img|image|video|audio|source|body|html|marquee|details|dialog|input|button|select|textarea|keygen|a|x|animate|set|use|foreignobject|handler|listener|xmp|plaintext|noscript|portal|bgsound|layer|ilayer|vmlframe|import|div|span|table|td|p|h1|b|i|u".split(
    "|",
  ),
);

export const webRules: readonly ValueRule[] = [
  // --- xss -----------------------------------------------------------------------------------
  // script-capable HTML tag
  {
    id: 901,
    needs: "<",
    group: "xss",
    paranoia: 1,
    score: 5,
    accept: (t) => HTML_TAGS.has(t),
    pattern: /<\s{0,5}(?:\/\s{0,5})?(?:[a-z]{1,10}:)?([a-z][a-z0-9]{0,20})/g,
  },
  // HTML event handler attribute
  { id: 902, needs: "=", group: "xss", paranoia: 1, score: 5, pattern: /(?:^|[\s"'`/;<>])on[a-z]{3,50}\s{0,5}=/ },
  // script URL scheme
  {
    id: 903,
    needs: ":",
    group: "xss",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:(?:javascript|vbscript|livescript|mocha)\s{0,5}:|data\s{0,5}:\s{0,5}(?:text\/html|image\/svg|application\/(?:x-)?(?:javascript|ecmascript|xhtml))|data:[^,]{0,60};base64|data\s{0,5}:\s{0,5},)/,
  },
  // DOM sink or script call
  {
    id: 904,
    plain: true,
    needs: "(.@=`:",
    group: "xss",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:\b(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript)\s{0,5}(?:\(|`|&lpar;)|document\s{0,5}\.\s{0,5}(?:cookie|write|location|domain|body|createelement)|window\s{0,5}\.\s{0,5}(?:location|name|open)|\.innerhtml|\.outerhtml|\.srcdoc|location\s{0,5}\.\s{0,5}(?:href|hash|replace|assign)|\burl\s{0,5}\(\s{0,5}['"]?\s{0,5}(?:javascript|vbscript|data)|document\s{0,5}\.\s{0,5}(?:queryselector(?:all)?|getelementby\w{1,20}|forms|images|scripts|all)\b|\bsrcdoc\s{0,5}=|\bformaction\s{0,5}=|xlink:href|\bstyle\s{0,5}=[^>]{0,200}(?:expression\s{0,5}\(|behavior\s{0,5}:|-moz-binding|url\s{0,5}\()|@import|\bexpression\s{0,5}\()/,
  },
  // HTML injection: tag opened inside an attribute or a comment/CDATA/doctype
  {
    id: 905,
    needs: "<=",
    group: "xss",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:['"`]\s{0,5}>\s{0,5}<|<!(?:--|\[cdata\[|doctype|entity)|<\?(?:xml|import)|<import\s{0,5}implementation|<[a-z]{1,20}[\s/][^>=]{0,200}=[^>]{0,200}>|<\/?[a-z]{1,20}\s{0,5}\/?>|\bcharset\s{0,5}=\s{0,5}['"]?utf-7)/,
  },
  // angle bracket followed by a letter or slash
  { id: 906, needs: "<", group: "xss", paranoia: 2, score: 5, pattern: /<[a-z!/?%][^<>]{0,200}(?:>|$)/ },
  // --- lfi -------------------------------------------------------------------------------------
  // directory traversal
  { id: 301, plain: true, needs: ".", group: "lfi", paranoia: 1, score: 5, pattern: /(?:^|[/\\=;:'"\s])\.{2,8}(?:[/\\;]|$)/ },
  // system or application secret file
  {
    id: 302,
    plain: true,
    needs: "./\\_-",
    group: "lfi",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:etc[/\\](?:passwd|shadow|group|hosts|issue|motd|crontab|sudoers|hostname|resolv\.conf|os-release|fstab|mtab|httpd|apache2?|nginx|php|mysql|ssh)|proc[/\\](?:self|version|cpuinfo|\d{1,6})|(?:^|[/\\])sys[/\\](?:class|kernel|devices|module|power|fs|block|bus)\b|(?:boot|win|system|php)\.ini|windows[/\\](?:system32|win\.ini|repair)|winnt[/\\]|inetpub[/\\]|\.htaccess|\.htpasswd|web\.config|web\.xml|web-inf|meta-inf|\.ssh[/\\]|id_(?:rsa|dsa|ecdsa|ed25519)|authorized_keys|known_hosts|\.bash_history|\.aws[/\\]|\.git[/\\]|\.svn[/\\]|\.hg[/\\]|\.ds_store|wp-config|config\.php|\.env(?:\.\w{1,20})?$|(?:^|[/\\])(?:var[/\\]log|usr[/\\]local[/\\]|boot[/\\]|root[/\\]|dev[/\\](?:null|zero|random|tcp)))/,
  },
  // hidden file or directory in the path (not .well-known)
  { id: 303, plain: true, needs: "/", group: "lfi", paranoia: 1, score: 5, on: ["path"], pattern: /\/\.(?!well-known\/)[a-z0-9_-]/ },
  // Windows drive or UNC path
  {
    id: 304,
    needs: ":\\",
    group: "lfi",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:^|[\s'"=])(?:[a-z]:[\\/](?:windows|winnt|users|documents|program|inetpub|boot|system)|\\\\[a-z0-9.-]{1,60}\\[a-z$]|\\\\\?\\)/,
  },
  // --- rfi ---------------------------------------------------------------------------------------
  // remote URL whose host is an IP address
  {
    id: 401,
    needs: ":",
    group: "rfi",
    paranoia: 1,
    score: 5,
    on: ["query", "body", "cookie"],
    pattern: /^(?:https?|ftps?|sftp|smb|file):\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\]?)(?:[:/?#]|$)/,
  },
  // remote URL cut off with ? or # (include suffix removal)
  {
    id: 402,
    needs: ":",
    group: "rfi",
    paranoia: 1,
    score: 5,
    on: ["query", "body", "cookie"],
    pattern: /^(?:https?|ftps?|file|sftp)(?::\/\/[^?#\s]{0,300})?[?#]$/,
  },
  // URL to a script file on another host
  {
    id: 403,
    needs: ":",
    group: "rfi",
    paranoia: 1,
    score: 5,
    on: ["query", "body", "cookie"],
    pattern: /^(?:https?|ftps?):\/\/[^\s]{1,200}\.(?:php\d?|phtml|pl|py|sh|asp|aspx|jsp|cgi|txt\?|exe|ps1)(?:\?|$)/,
  },
  // --- ssrf ------------------------------------------------------------------------------------
  // URL to a loopback, private, link-local or metadata address, where the server could be made
  // to fetch it (path, arguments, body, cookies); not in headers: Origin and Referer name the
  // browser's own page, which a local web app serves from loopback, and the API fetches no header.
  {
    id: 701,
    plain: true,
    needs: "/",
    group: "ssrf",
    paranoia: 1,
    score: 5,
    on: ["path", "query", "body", "cookie", "name"],
    accept: isInternalHost,
    pattern: /\/\/(?:[^/@\s]{1,100}@)?([^/?#\s"'),]{1,200})/g,
  },
  // dangerous URL scheme
  {
    id: 702,
    needs: ":",
    group: "ssrf",
    paranoia: 1,
    score: 5,
    pattern:
      /(?:^|[\s"'=(,])(?:file|gopher|dict|ldap|ldaps|tftp|jar|netdoc|sftp|ssh2|expect|rtmp|smb|telnet|mailto:[^@]{0,60}%0a):(?:\/\/|[a-z0-9])/,
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
  // prototype pollution key
  {
    id: 801,
    plain: true,
    needs: "_.[",
    group: "prototype",
    paranoia: 1,
    score: 5,
    on: ["name", "query", "body", "cookie", "path"],
    pattern:
      /(?:^|[.[\]"'])(?:__proto__|constructor\s{0,3}[.[\]]{1,3}\s{0,3}['"]?prototype|prototype\s{0,3}[.[\]]{1,3}\s{0,3}['"]?(?:constructor|__proto__))(?:$|[.[\]"'])|^(?:__proto__|__definegetter__|__definesetter__|__lookupgetter__)$/,
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
  // cookie set through input (session fixation)
  {
    id: 1101,
    needs: ";=:",
    group: "session",
    paranoia: 1,
    score: 5,
    on: ["query", "body", "header", "path", "name"],
    pattern:
      /(?:\.cookie\b[^;]{0,100};|document\.cookie\s{0,5}=|set-cookie\s{0,5}:|http-equiv\s{0,5}=\s{0,5}['"]?set-cookie|;\s{0,5}(?:expires|domain|path)\s{0,5}=)/,
  },
  // session id passed as a parameter
  {
    id: 1102,
    plain: true,
    group: "session",
    paranoia: 1,
    score: 5,
    on: ["name"],
    pattern: /^(?:jsessionid|phpsessid|aspsessionid\w{0,10}|asp\.net_sessionid|sid|sessionid|session_id|cfid|cftoken)$/,
  },
  // --- protocol attacks ------------------------------------------------------------------------
  // CR/LF followed by a header or status line (response splitting)
  {
    id: 201,
    needs: "\n",
    group: "protocol_attack",
    paranoia: 1,
    score: 5,
    pattern: /[\r\n]\s{0,5}(?:[a-z][\w-]{0,40}\s{0,5}:|http\/\d|<)/,
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
