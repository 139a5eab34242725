/**
 * URL rules for configuration. A service may be reached over plain `http:`/`ws:`
 * only on the loopback interface (local stand-ins, sidecars); anywhere else the
 * secure scheme is required, so a typo cannot send credentials in clear text.
 */

/** Hostnames that stay on the machine, as WHATWG `URL.hostname` spells them. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Parses `text` as an absolute URL, or `undefined`. */
export function parseUrl(text: string): URL | undefined {
  return URL.canParse(text) ? new URL(text) : undefined;
}

/**
 * True when `url` uses `secure`, or `insecure` on a loopback host.
 *
 * @example
 * ```ts
 * isSafeServiceUrl(new URL("http://127.0.0.1:8790/sql"), "https:", "http:"); // true
 * isSafeServiceUrl(new URL("http://db.example/sql"), "https:", "http:");   // false
 * ```
 */
export function isSafeServiceUrl(url: URL, secure: string, insecure: string): boolean {
  if (url.username !== "" || url.password !== "") return false;
  if (url.protocol === secure) return true;
  return url.protocol === insecure && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Validates a local development origin: `http://` + loopback host + explicit port,
 * nothing else (no path, query, fragment or credentials). Returns the normalised
 * origin, or `undefined` when the value is not acceptable.
 */
export function parseLocalDevOrigin(text: string): string | undefined {
  const url = parseUrl(text);
  if (!url || url.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  if (url.port === "" || url.username !== "" || url.password !== "") return undefined;
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || text.trim().replace(/\/$/, "") !== url.origin) return undefined;
  return url.origin;
}

/**
 * The same local origin under every loopback name (`localhost`, `127.0.0.1`,
 * `[::1]`), because a developer types any of them and a browser may resolve
 * `localhost` to either address family. Only loopback names, only that port.
 *
 * @example
 * ```ts
 * loopbackAliases("http://127.0.0.1:8787");
 * // ["http://localhost:8787", "http://127.0.0.1:8787", "http://[::1]:8787"]
 * ```
 */
export function loopbackAliases(origin: string): readonly string[] {
  const url = new URL(origin);
  return [...LOOPBACK_HOSTS].map((host) => `${url.protocol}//${host}:${url.port}`);
}
