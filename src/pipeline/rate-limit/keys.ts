/**
 * P12: Redis keys of the rate limits. No raw identifier reaches Redis: client
 * addresses, emails, user ids, API key ids and body tokens become keyed hashes
 * (HMAC-SHA-256 with IDENTIFIER_HASH_SECRET, truncated to 128 bits, base64url),
 * so a dump of Redis reveals neither who called nor from where, and without the
 * secret nobody can test a guess. The organization id stays readable, because
 * per-tenant keys must carry it (P12) and it is not personal data.
 *
 * Key format (the limiter appends `:<window bucket>`):
 *   rl:<scope>:<limit>:<subject>
 *   scope   = api | p:<policy> | r:<policy>:<METHOD>:<path pattern>
 *   subject = ip:<h> | org:<org>:user:<h> | org:<org>:key:<h> | user:<h> | key:<h> | org:<org> | acct:<field>:<h>
 */
import type { Principal } from "../../context";
import { hmac } from "../../crypto/hmac";
import { base64url } from "../../lib/encoding";
import type { LimitRule, RateLimitPolicy } from "./policies";
import { ipv6Groups } from "../../lib/ip";

/** Common prefix of every rate-limit key. */
export const KEY_PREFIX = "rl";

/**
 * The keyed hash of one identifier. `kind` separates domains, so an email and an
 * address with the same text never share a hash.
 *
 * @example
 * ```ts
 * await identifierHash(config.secrets.identifierHashSecret, "ip", "203.0.113.7"); // "Xo3…" (22 chars)
 * ```
 */
export async function identifierHash(secret: string, kind: string, value: string): Promise<string> {
  return base64url((await hmac(secret, kind, value)).slice(0, 16));
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The address a limit counts per: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 per
 * /64 (one subscriber usually holds a whole /64, so per-address limits would be
 * trivially evaded). A missing header (never behind Cloudflare) counts as `unknown`.
 */
export function clientAddress(header: string | undefined): string {
  const address = header?.trim().toLowerCase() ?? "";
  if (address === "") return "unknown";
  if (!address.includes(":")) return address;
  const mapped = address.startsWith("::ffff:") ? address.slice(7) : "";
  if (IPV4.test(mapped)) return mapped;
  const groups = ipv6Groups(address);
  return groups === undefined ? address : `${groups.slice(0, 4).join(":")}::/64`;
}

/** Trims and lowercases an email (and NFC-normalizes it), so `A@x.io ` and `a@x.io` share a counter. */
export function normalizeAccount(value: string): string {
  return value.normalize("NFC").trim().toLowerCase();
}

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;
const UNSAFE_KEY_CHARS = /[^A-Za-z0-9/_.{}-]/g;

/** An organization id as it appears in keys: ids are UUIDs; anything else is refused loudly. */
export function orgKeyPart(orgId: string): string {
  if (!SAFE_ID.test(orgId)) throw new TypeError("organization id is not a key-safe id");
  return orgId;
}

/**
 * The limiter prefix of one limit (everything before the subject).
 *
 * @example
 * ```ts
 * limitPrefix(policy, rule, "POST /v1/auth/login"); // "rl:p:login:login-ip"
 * ```
 */
export function limitPrefix(policy: RateLimitPolicy, rule: LimitRule, route: string): string {
  switch (rule.scope) {
    case "api":
      return `${KEY_PREFIX}:api:${rule.name}`;
    case "policy":
      return `${KEY_PREFIX}:p:${policy.name}:${rule.name}`;
    case "route":
      return `${KEY_PREFIX}:r:${policy.name}:${route.replace(UNSAFE_KEY_CHARS, "_")}:${rule.name}`;
  }
}

/** What a request offers to key its limits on. */
export interface SubjectSources {
  readonly ip: string;
  readonly principal: Principal | undefined;
  /** The account value from the body (already normalized), and the field it came from. */
  readonly account: { readonly field: string; readonly value: string } | undefined;
}

/**
 * The subject part of the key of `rule` for one request, or `undefined` when the
 * request has no such subject (an anonymous caller has no principal).
 */
export async function subjectKey(secret: string, rule: LimitRule, sources: SubjectSources): Promise<string | undefined> {
  const { principal } = sources;
  switch (rule.subject) {
    case "ip":
      return `ip:${await identifierHash(secret, "ip", sources.ip)}`;
    case "principal": {
      if (principal === undefined) return undefined;
      const kind = principal.kind === "user" ? "user" : "key";
      const id = `${kind}:${await identifierHash(secret, kind, principal.id)}`;
      return principal.orgId === undefined ? id : `org:${orgKeyPart(principal.orgId)}:${id}`;
    }
    case "org":
      return principal?.orgId === undefined ? undefined : `org:${orgKeyPart(principal.orgId)}`;
    case "account":
      if (principal?.kind === "user") return `acct:user:${await identifierHash(secret, "user", principal.id)}`;
      if (sources.account === undefined) return undefined;
      return `acct:${sources.account.field}:${await identifierHash(secret, sources.account.field, sources.account.value)}`;
  }
}

/**
 * The key recording that `ip` signed in to `account` recently (the login challenge's
 * "known address"): `rl:ok:<account subject>:<ip subject>`, both keyed hashes.
 */
export async function recentSuccessKey(
  secret: string,
  account: { readonly field: string; readonly value: string },
  ip: string,
): Promise<string> {
  const accountHash = await identifierHash(secret, account.field, account.value);
  return `${KEY_PREFIX}:ok:acct:${account.field}:${accountHash}:ip:${await identifierHash(secret, "ip", ip)}`;
}

/** How long a successful sign-in keeps its address "known" to the login challenge. */
export const RECENT_SUCCESS_SECONDS = 30 * 86400;
