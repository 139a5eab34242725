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
  /(?:etc[/\\](?:passwd|shadow|group|hosts|issue|motd|crontab|sudoers|hostname|resolv\.conf|os-release|fstab|mtab|httpd|apache2?|nginx|php|mysql|ssh)|proc[/\\](?:self|version|cpuinfo|\d{1,6})|(?:^|[/\\])sys[/\\](?:class|kernel|devices|module|power|fs|block|bus)\b|(?:boot|win|system|php)\.ini|windows[/\\](?:system32[/\\]|win\.ini|repair)|winnt[/\\]|inetpub[/\\]|\.htaccess|\.htpasswd|web\.config|web\.xml|web-inf|meta-inf|\.ssh[/\\]|id_(?:rsa|dsa|ecdsa|ed25519)|authorized_keys|known_hosts|\.bash_history|\.aws[/\\]|\.git[/\\]|\.svn[/\\]|\.hg[/\\]|\.ds_store|wp-config|config\.php|\.env(?:\.\w{1,20})?$|(?:^|[/\\])(?:var[/\\]log|usr[/\\]local[/\\]|boot[/\\]|root[/\\]|dev[/\\](?:null|zero|random|tcp)))/;
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

/** Patterns of this file, for the ReDoS check. */
export const LOCATION_PATTERNS: readonly RegExp[] = [SENSITIVE_FILE, DOT_FILE, WINDOWS_PATH, IP_URL, CUT_URL, SCRIPT_URL, AUTHORITY];

const asWhole =
  (pattern: RegExp) =>
  (value: string): boolean => {
    const token = wholeToken(value);
    return token !== undefined && pattern.test(token);
  };

/** The whole value is a path to a sensitive file (`/etc/passwd`, `..\\windows\\win.ini`, `.git/config`). */
export const sensitiveFile = asWhole(SENSITIVE_FILE);
/** The whole value is a path to a credential or shell dot-file. */
export const dotFile = asWhole(DOT_FILE);
/** The whole value is a Windows system, UNC or device path. */
export const windowsPath = asWhole(WINDOWS_PATH);
/** The whole value is a URL to an IP address. */
export const ipUrl = asWhole(IP_URL);
/** The whole value is a URL cut off with `?` or `#`. */
export const cutUrl = asWhole(CUT_URL);
/** The whole value is a URL of a server-side script. */
export const scriptUrl = asWhole(SCRIPT_URL);

/** True when a `//authority` in `text` names an internal address. */
export function namesInternalHost(text: string): boolean {
  AUTHORITY.lastIndex = 0;
  for (let m = AUTHORITY.exec(text); m !== null; m = AUTHORITY.exec(text)) if (isInternalHost(m[1] ?? "")) return true;
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
  const token = wholeToken(value);
  return token !== undefined && token.includes("//") && namesInternalHost(token);
}
