/**
 * Paths and URLs by context (lfi, rfi, ssrf, rce): a sensitive file, a Windows
 * system path, a remote script URL or an internal address is what a server
 * could be made to open or fetch where it is the whole value of a parameter
 * (`?file=/etc/passwd`, `{"url":"http://169.254.169.254/"}`), not where a
 * finding mentions it ("the scan found a readable /etc/passwd", "the wiki page
 * http://10.0.0.5/wiki is out of date"). Traversal (`../../`) and shell syntax
 * are judged by their own rules wherever they stand.
 */
import { wholeToken } from "./context";
import { isInternalHost } from "./hosts";

/** System and application secret files (rule 302). */
export const SENSITIVE_FILE =
  /(?:etc[/\\](?:passwd|shadow|group|hosts|issue|motd|crontab|sudoers|hostname|resolv\.conf|os-release|fstab|mtab|httpd|apache2?|nginx|php|mysql|ssh)|(?:^|[^a-z0-9])proc[/\\](?:self|version|cpuinfo|\d{1,6})|(?:^|[/\\])sys[/\\](?:class|kernel|devices|module|power|fs|block|bus)\b|(?:boot|win|system|php)\.ini|windows[/\\](?:system32[/\\]|win\.ini|repair)|winnt[/\\]|inetpub[/\\]|\.htaccess|\.htpasswd|web\.config|web\.xml|web-inf|meta-inf|\.ssh[/\\]|id_(?:rsa|dsa|ecdsa|ed25519)|authorized_keys|known_hosts|\.bash_history|\.aws[/\\]|\.git[/\\]|\.svn[/\\]|\.hg[/\\]|\.ds_store|wp-config|config\.php|\.env(?:\.\w{1,20})?$|(?:^|[/\\])(?:var[/\\]log|usr[/\\]local[/\\]|boot[/\\]|root[/\\]|dev[/\\](?:null|zero|random|tcp)))/;
/** Dot-files of credentials or shell configuration (rule 508). */
export const DOT_FILE =
  /(?:^|[/\\'"])\.(?:boto|bash_history|bash_profile|bashrc|zshrc|profile|netrc|pgpass|my\.cnf|aws|ssh|docker|kube|npmrc|git-credentials|gnupg|history|viminfo|mysql_history|psql_history|python_history|rediscli_history|htpasswd|htaccess|env)(?:$|[/'"])/;
/**
 * A drive path to a file in a Windows system directory (a file name, or a path
 * two levels down: what an include reads; `C:\Windows\System32` alone names a
 * folder), a UNC path, a device path (rule 304).
 */
const WINDOWS_PATH =
  /(?:^|['"=])(?:[a-z]:[\\/](?:windows|winnt|users|documents|program|inetpub|boot|system)[\w ()-]{0,40}(?:\.|[\\/][^\\/.]{1,80}[\\/.])|\\\\[a-z0-9.-]{1,60}\\[a-z$]|\\\\\?\\)/;
/** A URL whose host is an IP address (rule 401). */
const IP_URL = /^(?:https?|ftps?|sftp|smb|file):\/\/(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\]?)(?:[:/?#]|$)/;
/** A URL cut off with `?` or `#`: an include's suffix removed (rule 402). */
const CUT_URL = /^(?:https?|ftps?|file|sftp)(?::\/\/[^?#\s]{0,300})?[?#]$/;
/** A URL of a script on another host (rule 403). */
const SCRIPT_URL = /^(?:https?|ftps?):\/\/\S{1,200}\.(?:php\d?|phtml|pl|py|sh|asp|aspx|jsp|cgi|txt\?|exe|ps1)(?:\?|$)/;
/** The host of each `//authority` in a text. */
const AUTHORITY = /\/\/(?:[^/@\s]{1,100}@)?([^/?#\s"'),]{1,200})/g;
/**
 * The host of each `//authority` where a URL can start inside one token: at its start, after a
 * scheme's `:`, or after `=`, `,`, `;`, a quote or `(`. Not inside a run of letters and digits: a
 * standard-base64 token (`X//0/gd…`) holds `//` by chance.
 */
const URL_AUTHORITY = /(?:^|[:=,;'"(])\/\/(?:[^/@\s]{1,100}@)?([^/?#\s"'),]{1,200})/g;
/**
 * The host of a URL with a special scheme as a WHATWG parser reads it: any run of
 * `/` and `\\` after the scheme, or none (`http:\\\\10.0.0.1`, `http:/10.0.0.1`,
 * `http:10.0.0.1` all fetch 10.0.0.1).
 */
const LENIENT_URL =
  /^(?:https?|wss?|ftps?|gopher|dict|ldaps?|tftp|sftp|smb|file):[/\\]{0,8}(?:[^/\\@\s?#]{1,100}@)?([^/\\?#\s"'),]{1,200})/;

/**
 * Separators a file API or a lenient decoder may read as `/` or `\\` but that the
 * normal form keeps: `0x2f`/`0x5c` spelled out, the division slash, the fraction
 * slash and the big solidus (which NFKC does not fold).
 */
const EXOTIC_SEPARATOR = /0x(?:2f|5c)|[\u2215\u2044\u29f5\u29f8\u29f9]/g;
/** `/./` and `//` runs inside a path, which every file API reads as one `/`. */
const EMPTY_SEGMENTS = /[/\\](?:\.?[/\\]){1,64}/g;
/** Directory traversal, as rule 301 reads it, once the separators are folded. */
export const TRAVERSAL = /(?:^|[/\\=;:'"])\.{2,8}(?:[/\\;]|$)|\.{2,8}[/\\]{1,3}\.{2,8}(?:[/\\]|$)/;
const HAS_EXOTIC_SEPARATOR = /0x(?:2f|5c)|[\u2215\u2044\u29f5\u29f8\u29f9]/;
/**
 * What every plain value `sensitiveFile` accepts matches (rule 302's gate): the file's
 * name as it is, or an empty segment or a spelled-out separator it may hide behind.
 */
// Inside SENSITIVE_FILE's own group: one alternation, each branch checked on its own (npm run redos).
export const SENSITIVE_FILE_GATE = new RegExp(`${SENSITIVE_FILE.source.slice(0, -1)}|[/\\\\]\\.?[/\\\\]|0x(?:2f|5c))`);

/** Patterns of this file, for the ReDoS check. */
export const LOCATION_PATTERNS: readonly RegExp[] = [
  SENSITIVE_FILE,
  DOT_FILE,
  WINDOWS_PATH,
  IP_URL,
  CUT_URL,
  SCRIPT_URL,
  AUTHORITY,
  URL_AUTHORITY,
  LENIENT_URL,
  EXOTIC_SEPARATOR,
  EMPTY_SEGMENTS,
  TRAVERSAL,
  HAS_EXOTIC_SEPARATOR,
  SENSITIVE_FILE_GATE,
];

/**
 * The path a file API would open for `token`: exotic separators folded to `/`,
 * `/./` and repeated separators collapsed (`/etc/.//./passwd` is `/etc/passwd`).
 * `..` stays: traversal is judged on its own.
 */
export function canonicalPath(token: string): string {
  return token.replace(EXOTIC_SEPARATOR, "/").replace(EMPTY_SEGMENTS, "/");
}

// The last value read whole, its whole token and that token's canonical path: seven rules read
// the same value one after the other (a body of thousands of URLs would read each seven times).
let lastValue: string | undefined;
let lastToken: string | undefined;
let lastPath: string | undefined;

/** `wholeToken(value)`, kept for the next rule that reads the same value. */
function tokenOf(value: string): string | undefined {
  if (value !== lastValue) {
    lastValue = value;
    lastToken = wholeToken(value);
    lastPath = undefined;
  }
  return lastToken;
}

/** The canonical path of `tokenOf(value)`, kept likewise. */
function pathOf(value: string, token: string): string {
  if (value !== lastValue || lastToken !== token) return canonicalPath(token);
  lastPath ??= canonicalPath(token);
  return lastPath;
}

const asWhole =
  (pattern: RegExp) =>
  (value: string): boolean => {
    const token = tokenOf(value);
    if (token === undefined) return false;
    if (pattern.test(token)) return true;
    const path = pathOf(value, token);
    return path !== token && pattern.test(path);
  };

/** The whole value is a path to a sensitive file (`/etc/passwd`, `/etc//shadow`, `..\\windows\\win.ini`, `.git/config`). */
export const sensitiveFile = asWhole(SENSITIVE_FILE);
/** The whole value is a path to a credential or shell dot-file. */
export const dotFile = asWhole(DOT_FILE);
/** The whole value is a Windows system, UNC or device path. */
export const windowsPath = asWhole(WINDOWS_PATH);

/**
 * Traversal spelled with separators the normal form keeps (`..0x2f..0x2fetc`,
 * `..∕..∕`): rule 301's shape once they are folded. Anywhere in the value, like 301.
 */
export function exoticTraversal(value: string): boolean {
  return HAS_EXOTIC_SEPARATOR.test(value) && TRAVERSAL.test(value.replace(EXOTIC_SEPARATOR, "/"));
}
/** The whole value is a URL to an IP address. */
export const ipUrl = asWhole(IP_URL);
/** The whole value is a URL cut off with `?` or `#`. */
export const cutUrl = asWhole(CUT_URL);
/** The whole value is a URL of a server-side script. */
export const scriptUrl = asWhole(SCRIPT_URL);

/** True when a `//authority` in `text` names an internal address. */
export function namesInternalHost(text: string): boolean {
  return someInternalAuthority(AUTHORITY, text);
}

function someInternalAuthority(authority: RegExp, text: string): boolean {
  authority.lastIndex = 0;
  for (let m = authority.exec(text); m !== null; m = authority.exec(text)) if (isInternalHost(m[1] ?? "")) return true;
  return false;
}

/**
 * True when the whole value is a URL (or a `key=URL` token) to a loopback,
 * private, link-local or metadata address: what a server could be made to fetch.
 *
 * @example
 * ```ts
 * internalUrl("http://169.254.169.254/latest/meta-data/"); // true
 * internalUrl("the wiki page http://10.0.0.5/wiki is out of date"); // false
 * ```
 */
export function internalUrl(value: string): boolean {
  const token = tokenOf(value);
  if (token === undefined) return false;
  if (token.includes("//") && someInternalAuthority(URL_AUTHORITY, token)) return true;
  const host = LENIENT_URL.exec(token)?.[1];
  return host !== undefined && isInternalHost(host);
}
