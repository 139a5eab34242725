/**
 * The API key format (P9, P10): `rk_live_` + 43 base62 characters (256 random bits) +
 * a 6-character base62 CRC-32 of those 43, so secret scanners and stage 4 recognise a
 * key, and refuse a mistyped or made-up one, without any I/O. The CRC is checked
 * against an independent implementation (zlib's check value for "123456789").
 */
import { describe, expect, it } from "vitest";
import {
  API_KEY_PREFIX,
  API_KEY_SHAPE,
  apiKeyChecksum,
  apiKeyDigest,
  apiKeyDisplayPrefix,
  apiKeyIdOf,
  crc32,
  isWellFormedApiKey,
  newApiKey,
} from "../../src/crypto/api-keys";

const SECRET = "x".repeat(32);
const BASE62 = /^[0-9A-Za-z]+$/;

/** `key` with the character at `index` replaced by another base62 character. */
function mutate(key: string, index: number): string {
  const c = key.charAt(index);
  return key.slice(0, index) + (c === "a" ? "b" : "a") + key.slice(index + 1);
}

describe("API key format", () => {
  it("P10: a key is rk_live_, 43 base62 characters and a 6-character checksum (57 characters)", () => {
    const key = newApiKey();
    expect(key).toHaveLength(57);
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(key.slice(8)).toMatch(BASE62);
    expect(key).toMatch(API_KEY_SHAPE);
    expect(key.slice(-6)).toBe(apiKeyChecksum(key.slice(8, 51)));
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  it("P10: keys are random (no two of a thousand alike) and use the whole alphabet", () => {
    const keys = Array.from({ length: 1000 }, newApiKey);
    expect(new Set(keys).size).toBe(1000);
    const seen = new Set(keys.flatMap((key) => Array.from(key.slice(8, 51))));
    expect(seen.size).toBe(62);
  });

  it("P10: the checksum is CRC-32 (IEEE), checked against zlib's check value", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
    expect(apiKeyChecksum("")).toBe("000000");
    expect(apiKeyChecksum("123456789")).toMatch(/^[0-9A-Za-z]{6}$/);
  });

  it("P9 (refuses): a forged or mistyped key (any one character changed) fails the checksum", () => {
    const key = newApiKey();
    for (let index = 8; index < key.length; index++) expect(isWellFormedApiKey(mutate(key, index)), String(index)).toBe(false);
  });

  it.each([
    ["another prefix", (key: string) => `rk_test_${key.slice(8)}`],
    ["a missing character", (key: string) => key.slice(0, -1)],
    ["an extra character", (key: string) => `${key}0`],
    ["a non-base62 character", (key: string) => `${key.slice(0, 20)}-${key.slice(21)}`],
    ["upper-case prefix", (key: string) => `RK_LIVE_${key.slice(8)}`],
    ["surrounding whitespace", (key: string) => ` ${key}`],
  ])("P9 (refuses): %s is not a well-formed key", (_label, change) => {
    expect(isWellFormedApiKey(change(newApiKey()))).toBe(false);
  });

  it("P10: the digest is a keyed HMAC (43 base64url characters), not the key or its plain SHA-256, and differs per secret", async () => {
    const key = newApiKey();
    const digest = await apiKeyDigest(SECRET, key);
    expect(digest).toMatch(/^[\w-]{43}$/);
    expect(digest).not.toContain(key.slice(8, 20));
    const sha = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key)));
    const shaHex = Array.from(sha, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(digest).not.toBe(shaHex);
    expect(await apiKeyDigest(SECRET, key)).toBe(digest);
    expect(await apiKeyDigest("y".repeat(32), key)).not.toBe(digest);
  });

  it("P9: the key id is a stable UUID (version 8) derived from the digest", async () => {
    const digest = await apiKeyDigest(SECRET, newApiKey());
    const id = await apiKeyIdOf(SECRET, digest);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await apiKeyIdOf(SECRET, digest)).toBe(id);
    expect(await apiKeyIdOf(SECRET, await apiKeyDigest(SECRET, newApiKey()))).not.toBe(id);
  });

  it("P10: the display prefix shows 6 of the 49 random characters only", () => {
    const key = newApiKey();
    expect(apiKeyDisplayPrefix(key)).toBe(key.slice(0, 14));
  });
});
