/**
 * What an alert counter is kept per, and its part of the Redis key (P12): an
 * organization's id as it is (per-tenant keys carry it; it is not personal data), users,
 * sessions and API keys as keyed hashes, a client's address range as a keyed hash of the
 * range (never the address: the pseudonym is all an alert ever shows of it).
 */
import { hmac } from "../crypto/hmac";
import { base64url } from "../lib/encoding";
import type { AlertSubjectKind } from "./kinds";
import { ipv6Groups } from "../lib/ip";

/** Who or what one counted event concerns; which fields a kind needs is its subject kind's. */
export interface AlertSubject {
  readonly orgId?: string | undefined;
  readonly userId?: string | undefined;
  readonly apiKeyId?: string | undefined;
  readonly sessionId?: string | undefined;
  /** The keyed pseudonym of a client's address range ({@link networkPseudonym}). */
  readonly network?: string | undefined;
}

/**
 * The keyed hash of one identifier, truncated to 128 bits, base64url; `domain` keeps
 * kinds apart. Derived like the rate limits' identifiers but in domains of its own
 * (`alert-…`), so an alert key never matches a rate-limit key.
 */
export async function alertHash(secret: string, domain: string, value: string): Promise<string> {
  return base64url((await hmac(secret, `alert-${domain}`, value)).slice(0, 16));
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The range a client address belongs to for the network alert: IPv4 (and IPv4-mapped
 * IPv6) per /24, IPv6 per /48 (a site's allocation). Undefined for a missing or
 * malformed address: nothing is counted then.
 *
 * @example
 * ```ts
 * networkOf("203.0.113.7"); // "203.0.113.0/24"
 * networkOf("2001:db8:1:2::5"); // "2001:db8:1::/48"
 * ```
 */
export function networkOf(header: string | undefined): string | undefined {
  const address = header?.trim().toLowerCase() ?? "";
  const v4 = IPV4.exec(address.startsWith("::ffff:") ? address.slice(7) : address);
  if (v4 !== null) {
    const octets = v4.slice(1, 4).map(Number);
    return octets.every((o) => o <= 255) ? `${octets.join(".")}.0/24` : undefined;
  }
  const groups = address.includes(":") ? ipv6Groups(address) : undefined;
  return groups === undefined ? undefined : `${groups.slice(0, 3).join(":")}::/48`;
}

/** The pseudonym of a client's range: what alerts and their events show of the network. */
export async function networkPseudonym(secret: string, header: string | undefined): Promise<string | undefined> {
  const network = networkOf(header);
  return network === undefined ? undefined : alertHash(secret, "net", network);
}

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;

/** An organization id as it appears in keys (ids are UUIDs; anything else is refused loudly). */
function orgPart(orgId: string): string {
  if (!SAFE_ID.test(orgId)) throw new TypeError("organization id is not a key-safe id");
  return orgId;
}

/**
 * The subject part of a counter's key, or undefined when `subject` lacks what the kind
 * counts per (a failed login to an address no account has has no account).
 */
export async function subjectPart(secret: string, kind: AlertSubjectKind, subject: AlertSubject): Promise<string | undefined> {
  const { orgId, userId, apiKeyId, sessionId, network } = subject;
  switch (kind) {
    case "account":
      return userId === undefined ? undefined : `acct:${await alertHash(secret, "user", userId)}`;
    case "network":
      return network === undefined ? undefined : `net:${network}`;
    case "platform":
      return "all";
    case "org":
      return orgId === undefined ? undefined : `org:${orgPart(orgId)}`;
    case "api_key":
      return orgId === undefined || apiKeyId === undefined
        ? undefined
        : `org:${orgPart(orgId)}:key:${await alertHash(secret, "key", apiKeyId)}`;
    case "session":
      return userId === undefined || sessionId === undefined
        ? undefined
        : `acct:${await alertHash(secret, "user", userId)}:sess:${await alertHash(secret, "session", sessionId)}`;
    case "actor":
      if (orgId === undefined) return undefined;
      if (userId !== undefined) return `org:${orgPart(orgId)}:user:${await alertHash(secret, "user", userId)}`;
      return apiKeyId === undefined ? undefined : `org:${orgPart(orgId)}:key:${await alertHash(secret, "key", apiKeyId)}`;
  }
}
