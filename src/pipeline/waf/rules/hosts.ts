/**
 * SSRF targets: is a URL's host loopback, private, link-local, carrier-grade NAT
 * or a cloud metadata name? Parsed the way URL parsers and `inet_aton` read
 * hosts, so every spelling of the same address counts: dotted decimal, one
 * 32-bit integer, hex or octal parts (`0x7f.1`, `0177.0.0.1`, `2130706433`),
 * IPv6 in every spelling of an embedded IPv4 (`[::ffff:169.254.169.254]`,
 * `[::ffff:7f00:1]`, `[0:0:0:0:0:ffff:a9fe:a9fe]`), IDNA's other full stops
 * (`127。0。0。1`), and public wildcard-DNS names that answer with an internal
 * address (`10.0.0.1.nip.io`, `lvh.me`). Each host is scanned a bounded number of times.
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
  // 0.0.0.0 reaches the local host; the rest of 0/8 is not routed (a connect fails).
  return (
    a === 0 ||
    first === 10 ||
    first === 127 ||
    (first === 169 && second === 254) ||
    (first === 172 && second >= 16 && second <= 31) ||
    (first === 192 && second === 168) ||
    (first === 100 && second >= 64 && second <= 127)
  );
}

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a trailing dotted IPv4 as two groups), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const lastColon = text.lastIndexOf(":");
  if (lastColon < 0) return undefined;
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = ipv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const parse = (half: string | undefined): number[] | undefined => {
    if (half === undefined || half === "") return [];
    const groups = half.split(":").map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN));
    return groups.some((g) => Number.isNaN(g)) ? undefined : groups;
  };
  const head = parse(halves[0]);
  const rest = parse(halves[1]);
  if (head === undefined || rest === undefined) return undefined;
  const given = head.length + rest.length;
  if (given > 8 || (halves.length === 1 && given !== 8)) return undefined;
  return [...head, ...new Array<number>(8 - given).fill(0), ...rest];
}

/**
 * Loopback, unspecified, unique-local, link-local, or an IPv4 address carried in
 * IPv6 (mapped `::ffff:a.b.c.d` in any spelling, compatible `::a.b.c.d`, NAT64
 * `64:ff9b::/96`, 6to4 `2002::/16`) that is internal.
 */
function internalV6(host: string): boolean {
  const groups = ipv6Groups(host.replace(/%.{0,20}$/, ""));
  if (groups === undefined) return false;
  const g = (i: number): number => groups[i] ?? 0;
  const zerosBefore = (n: number): boolean => groups.slice(0, n).every((x) => x === 0);
  const v4 = (hi: number, lo: number): boolean => internalV4(hi * 65536 + lo);
  if (zerosBefore(7) && g(7) <= 1) return true;
  if ((g(0) & 0xfe00) === 0xfc00 || (g(0) & 0xffc0) === 0xfe80) return true;
  if (zerosBefore(5) && (g(5) === 0xffff || g(5) === 0)) return v4(g(6), g(7));
  if (g(0) === 0x64 && g(1) === 0xff9b && groups.slice(2, 6).every((x) => x === 0)) return v4(g(6), g(7));
  if (g(0) === 0x2002) return v4(g(1), g(2));
  return false;
}

// Public DNS names that answer with the address spelled in the name (`10.0.0.1.nip.io`,
// `169-254-169-254.sslip.io`, `7f000001.nip.io`): the address decides.
const ADDRESS_IN_NAME = [".nip.io", ".sslip.io", ".xip.io", ".nip.direct", ".traefik.me", ".localh.st"];
// Public DNS names (and their subdomains) that answer with a loopback address.
const LOOPBACK_NAMES = ["localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "fuf.me", "localh.st", "127-0-0-1.org.uk", "yoogle.com"];

/** The address a wildcard-DNS name spells before its suffix, as an unsigned 32-bit number, or undefined. */
function addressInName(host: string, suffix: string): number | undefined {
  const labels = host.slice(0, -suffix.length).split(".");
  // Dotted: the last four labels (`app.10.0.0.1`); dashed or hex: the last label (`app-10-0-0-1`, `0a000001`).
  const dotted = labels.slice(-4).join(".");
  const last = labels[labels.length - 1] ?? "";
  const dashed = last.split("-").slice(-4).join(".");
  for (const spelling of [dotted, dashed, /^[0-9a-f]{8}$/.test(last) ? `0x${last}` : ""]) {
    if (!/^(?:[0-9.]{1,40}|0x[0-9a-f]{8})$/.test(spelling)) continue;
    const address = ipv4(spelling);
    if (address !== undefined && (spelling.split(".").length === 4 || spelling.startsWith("0x"))) return address;
  }
  return undefined;
}

/** True when `host` is a public wildcard-DNS name for an internal address. */
function wildcardDnsInternal(host: string): boolean {
  if (LOOPBACK_NAMES.some((name) => host.endsWith(name) && (host.length === name.length || host[host.length - name.length - 1] === ".")))
    return true;
  const suffix = ADDRESS_IN_NAME.find((s) => host.endsWith(s));
  if (suffix === undefined) return false;
  const address = addressInName(host, suffix);
  return address !== undefined && internalV4(address);
}

// Full stops of other scripts that IDNA (and so a URL parser) reads as `.`: ideographic, full-width, half-width.
const OTHER_DOTS = /[\u3002\uff0e\uff61]/g;

// The last labels of every name above (`localhost`, `internal`, `io`, `me`, …): a host whose
// last label is none of these can only be internal as an address (checked below). A long value
// holds thousands of authorities (`http://a` repeated); most are ruled out here, with no parse.
const lastLabel = (name: string): string => name.slice(name.lastIndexOf(".") + 1);
const NAME_ENDINGS: ReadonlySet<string> = new Set([...NAMES, ...SUFFIXES, ...LOOPBACK_NAMES, ...ADDRESS_IN_NAME].map(lastLabel));
// What every IPv4 spelling `ipv4` accepts looks like: each part (decimal, `0x` hex, `0` octal)
// starts with a digit, and holds only hex digits and `x`.
const IPV4_SPELLING = /^\d[0-9a-fx.]*$/;

// The last authority judged, and its answer (see isInternalHost).
let lastAuthority: string | undefined;
let lastAnswer = false;

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
  // A long value names the same host again and again: the last answer is kept.
  if (authority === lastAuthority) return lastAnswer;
  lastAnswer = internalHost(authority);
  lastAuthority = authority;
  return lastAnswer;
}
/** True when `text` holds a character past ASCII (the only ones OTHER_DOTS can be). */
function beyondAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return true;
  return false;
}

function internalHost(authority: string): boolean {
  const lower = authority.toLowerCase();
  let host = beyondAscii(lower) ? lower.replace(OTHER_DOTS, ".") : lower;
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return internalV6(host.slice(1, end < 0 ? host.length : end));
  }
  const colon = host.indexOf(":");
  if (colon >= 0) host = host.slice(0, colon);
  if (host.endsWith(".")) host = host.slice(0, -1);
  // A name can only match where its last label is one of theirs; an address only where it is spelt like one.
  if (NAME_ENDINGS.has(lastLabel(host)) && (NAMES.has(host) || SUFFIXES.some((s) => host.endsWith(s)) || wildcardDnsInternal(host)))
    return true;
  if (!IPV4_SPELLING.test(host)) return false;
  const v4 = ipv4(host);
  return v4 !== undefined && internalV4(v4);
}
