/**
 * What a session records about the client that opened it, for its owner's sessions
 * list: the address truncated to its network (/24 for IPv4, /48 for IPv6: enough
 * to recognise "home" or "office", not enough to locate a person) and a short
 * browser-and-OS summary instead of the raw User-Agent.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { CLIENT_IP_HEADER } from "../../pipeline/rate-limit";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/;

/** The client's network, e.g. `203.0.113.0/24` or `2001:db8:1::/48`; `null` when unknown. */
export function ipPrefix(address: string | undefined): string | null {
  const ip = address?.trim().toLowerCase() ?? "";
  const v4 = IPV4.exec(ip.startsWith("::ffff:") ? ip.slice(7) : ip);
  if (v4 !== null) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (!ip.includes(":") || ip.length > 45) return null;
  const [head = ""] = ip.split("::");
  const groups = head.split(":").filter((g) => g !== "");
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const network = [...groups, "0", "0", "0"].slice(0, 3).map((g) => g.replace(/^0+(?=.)/, ""));
  return `${network.join(":")}::/48`;
}

// Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/\bEdg(?:e|A|iOS)?\//, "Edge"],
  [/\bOPR\//, "Opera"],
  [/\bFirefox\/|\bFxiOS\//, "Firefox"],
  [/\bChrome\/|\bCriOS\//, "Chrome"],
  [/\bSafari\//, "Safari"],
  [/\bcurl\//, "curl"],
  [/\bokhttp\//, "okhttp"],
];
const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/\bAndroid\b/, "Android"],
  [/\biPhone|iPad|iOS\b/, "iOS"],
  [/\bMac OS X|Macintosh\b/, "macOS"],
  [/\bWindows\b/, "Windows"],
  [/\bCrOS\b/, "ChromeOS"],
  [/\bLinux\b/, "Linux"],
];

/** "Firefox on Linux", "curl", or `null` for no User-Agent; never the raw header. */
export function userAgentSummary(header: string | undefined): string | null {
  if (header === undefined || header.trim() === "") return null;
  const ua = header.slice(0, 512);
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua))?.[1] ?? "Other client";
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1];
  return system === undefined ? browser : `${browser} on ${system}`;
}

/** The client facts of the current request. */
export function clientFacts(c: Context<AppEnv>): { ip: string | undefined; ipPrefix: string | null; userAgent: string | null } {
  const ip = c.req.header(CLIENT_IP_HEADER);
  return { ip, ipPrefix: ipPrefix(ip), userAgent: userAgentSummary(c.req.header("user-agent")) };
}
