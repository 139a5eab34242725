/**
 * SSRF targets: is a URL's host loopback, private, link-local, carrier-grade NAT
 * or a cloud metadata name? Parsed the way URL parsers and `inet_aton` read
 * hosts, so every spelling of the same address counts: dotted decimal, one
 * 32-bit integer, hex or octal parts (`0x7f.1`, `0177.0.0.1`, `2130706433`),
 * IPv6 with an embedded IPv4 (`[::ffff:169.254.169.254]`). No regex: a linear scan.
 */

const NAMES: ReadonlySet<string> = new Set([
  "localhost",
  "metadata",
  "metadata.google.internal",
  "instance-data",
  "metadata.azure.com",
  "kubernetes.default",
  "kubernetes.default.svc",
]);
const SUFFIXES = [".localhost", ".internal", ".local", ".localdomain", ".svc", ".cluster.local"];

/** One inet_aton part: decimal, 0x hex or 0-prefixed octal; NaN when malformed. */
function part(text: string): number {
  if (text === "") return NaN;
  if (/^0x[0-9a-f]{0,16}$/.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  if (/^0[0-7]{1,22}$/.test(text)) return parseInt(text, 8);
  if (/^\d{1,20}$/.test(text)) return Number(text);
  return NaN;
}

/** The IPv4 address `host` spells, as an unsigned 32-bit number, or undefined. */
function ipv4(host: string): number | undefined {
  const parts = host.split(".");
  if (parts.length > 4) return undefined;
  const values = parts.map(part);
  if (values.some((v) => Number.isNaN(v))) return undefined;
  // inet_aton: the last part fills the remaining bytes (`127.1`, `169.254.43518`).
  let address = 0;
  for (let i = 0; i < values.length - 1; i++) {
    const v = values[i] ?? 0;
    if (v > 255) return undefined;
    address = address * 256 + v;
  }
  const last = values[values.length - 1] ?? 0;
  const room = 2 ** (8 * (5 - values.length));
  // Overlong integers wrap in some parsers (`0x41414141A9FEA9FE`): judge the low 32 bits.
  return (address * room + (last % room)) % 2 ** 32;
}

function internalV4(a: number): boolean {
  const first = Math.floor(a / 2 ** 24);
  const second = Math.floor(a / 2 ** 16) % 256;
  return (
    first === 0 ||
    first === 10 ||
    first === 127 ||
    (first === 169 && second === 254) ||
    (first === 172 && second >= 16 && second <= 31) ||
    (first === 192 && second === 168) ||
    (first === 100 && second >= 64 && second <= 127)
  );
}

function internalV6(host: string): boolean {
  const h = host.replace(/%.{0,20}$/, "");
  if (h === "::" || h === "::1" || /^0{0,4}(?::0{0,4}){0,6}:0{0,3}1$/.test(h)) return true;
  if (/^f[cd][0-9a-f]{0,2}:/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h)) return true;
  const dotted = h.lastIndexOf(":");
  const tail = h.slice(dotted + 1);
  if (tail.includes(".")) {
    const v4 = ipv4(tail);
    return v4 !== undefined && internalV4(v4);
  }
  return false;
}

/**
 * True when `authority` (a URL's host, maybe with a port) names an internal address.
 *
 * @example
 * ```ts
 * isInternalHost("0xa9fea9fe");        // true: 169.254.169.254
 * isInternalHost("api.example.com");   // false
 * ```
 */
export function isInternalHost(authority: string): boolean {
  let host = authority.toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return internalV6(host.slice(1, end < 0 ? host.length : end));
  }
  const colon = host.indexOf(":");
  if (colon >= 0) host = host.slice(0, colon);
  host = host.replace(/\.$/, "");
  if (NAMES.has(host) || SUFFIXES.some((s) => host.endsWith(s))) return true;
  const v4 = ipv4(host);
  return v4 !== undefined && internalV4(v4);
}
