/**
 * The pieces of evidence files that need no request: URL signing (its format, its clock,
 * its keys), the signing keys' configuration, byte ranges, Content-Disposition, and the
 * media-type check of a file's first bytes.
 */
import { describe, expect, it } from "vitest";
import type { UrlSigningKey } from "../../../src/config/evidence";
import { signUrl, verifyUrl } from "../../../src/crypto/signed-urls";
import { parseConfig } from "../../../src/env";
import { contentDisposition, rangeOf } from "../../../src/modules/files/files.download";
import { matchesMediaType } from "../../../src/modules/files/files.sniff";
import { envWith } from "../../helpers/worker";

const KEYS: UrlSigningKey[] = [
  { kid: "k2", secret: "second-secret-second-secret-second-secret" },
  { kid: "k1", secret: "first-secret-first-secret-first-secret-xx" },
];
const NOW = Date.parse("2026-11-30T12:00:00Z");
const at = (seconds: number): number => Math.floor(NOW / 1000) + seconds;
const options = { nowMs: NOW, maxTtlSeconds: 300 };

describe("signed URLs", () => {
  it("a URL signed now verifies until its expiry and not after (the clock is a parameter)", async () => {
    const url = await signUrl(KEYS, { method: "GET", path: "/files/a/b", expiresAt: at(300), params: [["act", "k.x"]] });
    const [path = "", query = ""] = url.split("?");
    expect(query).toMatch(/^exp=\d+&act=k\.x&kid=k2&sig=[\w-]{43}$/);
    expect((await verifyUrl(KEYS, "GET", path, query, options)).ok).toBe(true);
    expect(await verifyUrl(KEYS, "GET", path, query, { ...options, nowMs: NOW + 299_000 })).toMatchObject({ ok: true });
    expect(await verifyUrl(KEYS, "GET", path, query, { ...options, nowMs: NOW + 300_000 })).toEqual({ ok: false, error: "expired" });
  });

  it("the method, the path and every parameter are signed", async () => {
    const url = await signUrl(KEYS, { method: "PUT", path: "/files/a/b", expiresAt: at(60), params: [["size", "10"]] });
    const [path = "", query = ""] = url.split("?");
    expect(await verifyUrl(KEYS, "GET", path, query, options)).toEqual({ ok: false, error: "bad_signature" });
    expect(await verifyUrl(KEYS, "PUT", "/files/a/c", query, options)).toEqual({ ok: false, error: "bad_signature" });
    expect(await verifyUrl(KEYS, "PUT", path, query.replace("size=10", "size=11"), options)).toEqual({ ok: false, error: "bad_signature" });
    expect(
      await verifyUrl(
        KEYS,
        "PUT",
        path,
        query.replace(/exp=(\d+)/, (_, e: string) => `exp=${Number(e) + 1}`),
        options,
      ),
    ).toEqual({
      ok: false,
      error: "bad_signature",
    });
  });

  it("malformed URLs, unknown keys and lifetimes over the maximum are refused before or after the signature as appropriate", async () => {
    const url = await signUrl(KEYS, { method: "GET", path: "/files/a", expiresAt: at(60), params: [] });
    const [path = "", query = ""] = url.split("?");
    for (const bad of [
      "",
      "sig=x",
      `${query}&extra=1`,
      query.replace("exp=", "exp=+"),
      query.replace("&kid=", "&x=1&kid="),
      `x=1&${query}`,
    ]) {
      const verdict = await verifyUrl(KEYS, "GET", path, bad, options);
      expect(verdict.ok, bad).toBe(false);
    }
    expect(await verifyUrl(KEYS, "GET", path, query.replace("kid=k2", "kid=k9"), options)).toEqual({ ok: false, error: "unknown_key" });
    const long = await signUrl(KEYS, { method: "GET", path: "/files/a", expiresAt: at(3600), params: [] });
    const [, longQuery = ""] = long.split("?");
    expect(await verifyUrl(KEYS, "GET", path, longQuery, options)).toEqual({ ok: false, error: "too_long_lived" });
  });

  it("the previous key verifies what it signed; a key removed from the list does not", async () => {
    const old = await signUrl(KEYS.slice(1), { method: "GET", path: "/files/a", expiresAt: at(60), params: [] });
    const [path = "", query = ""] = old.split("?");
    expect((await verifyUrl(KEYS, "GET", path, query, options)).ok).toBe(true);
    expect(await verifyUrl(KEYS.slice(0, 1), "GET", path, query, options)).toEqual({ ok: false, error: "unknown_key" });
  });

  it("a signature in a non-canonical base64url form (the spare bits of its last character set) is refused", async () => {
    const url = await signUrl(KEYS, { method: "GET", path: "/files/a", expiresAt: at(60), params: [] });
    const [path = "", query = ""] = url.split("?");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = query.charAt(query.length - 1);
    const twin = alphabet.charAt(alphabet.indexOf(last) ^ 1);
    expect(await verifyUrl(KEYS, "GET", path, query.slice(0, -1) + twin, options)).toEqual({ ok: false, error: "bad_signature" });
  });
});

describe("URL_SIGNING_SECRET", () => {
  const keysOf = (value: string) => {
    const parsed = parseConfig(envWith({ URL_SIGNING_SECRET: value }));
    return parsed.ok ? parsed.value.secrets.urlSigningKeys : undefined;
  };
  it("takes `kid:secret` pairs, newest first, or one bare secret (key v0)", () => {
    expect(keysOf(`a:${"x".repeat(32)},b:${"y".repeat(32)}`)).toEqual([
      { kid: "a", secret: "x".repeat(32) },
      { kid: "b", secret: "y".repeat(32) },
    ]);
    expect(keysOf("z".repeat(40))).toEqual([{ kid: "v0", secret: "z".repeat(40) }]);
  });
  it("refuses short secrets, repeated or malformed key ids, without echoing the secret", () => {
    for (const value of [`a:${"x".repeat(31)}`, `a:${"x".repeat(32)},a:${"y".repeat(32)}`, `bad kid!:${"x".repeat(32)}`]) {
      const parsed = parseConfig(envWith({ URL_SIGNING_SECRET: value }));
      expect(parsed.ok, value).toBe(false);
      if (!parsed.ok) expect(JSON.stringify(parsed.error)).not.toContain("x".repeat(31));
    }
  });
});

describe("downloads", () => {
  it("byte ranges: one range, an open one, a suffix; beyond the file unsatisfiable; anything else the whole file", () => {
    expect(rangeOf(undefined, 100)).toEqual({ kind: "whole" });
    expect(rangeOf("bytes=0-9", 100)).toEqual({ kind: "part", offset: 0, length: 10 });
    expect(rangeOf("bytes=90-", 100)).toEqual({ kind: "part", offset: 90, length: 10 });
    expect(rangeOf("bytes=90-1000", 100)).toEqual({ kind: "part", offset: 90, length: 10 });
    expect(rangeOf("bytes=-10", 100)).toEqual({ kind: "part", offset: 90, length: 10 });
    expect(rangeOf("bytes=-1000", 100)).toEqual({ kind: "part", offset: 0, length: 100 });
    expect(rangeOf("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(rangeOf("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
    for (const ignored of ["bytes=5-1", "bytes=0-1,3-4", "items=0-1", "bytes=a-b", "bytes=-"])
      expect(rangeOf(ignored, 100)).toEqual({ kind: "whole" });
  });

  it("Content-Disposition: attachment, an ASCII fallback and the exact name as RFC 8187 UTF-8", () => {
    expect(contentDisposition("report.pdf")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(contentDisposition('Übersicht 100% "final".pdf')).toBe(
      `attachment; filename="Ubersicht 100_ _final_.pdf"; filename*=UTF-8''%C3%9Cbersicht%20100%25%20%22final%22.pdf`,
    );
    expect(contentDisposition("報告.pdf")).toBe(`attachment; filename="__.pdf"; filename*=UTF-8''%E5%A0%B1%E5%91%8A.pdf`);
    expect(contentDisposition("it's (v2)*.txt")).toBe(`attachment; filename="it's (v2)*.txt"; filename*=UTF-8''it%27s%20%28v2%29%2A.txt`);
  });
});

describe("first bytes", () => {
  const bytes = (...values: number[]) => new Uint8Array(values);
  const ascii = (text: string) => new TextEncoder().encode(text);
  it("binary types by their magic bytes", () => {
    expect(matchesMediaType("application/pdf", ascii("%PDF-1.7"), false)).toBe(true);
    expect(matchesMediaType("application/pdf", ascii("<html>"), false)).toBe(false);
    expect(matchesMediaType("image/png", bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), false)).toBe(true);
    expect(matchesMediaType("image/webp", ascii("RIFF\u0000\u0000\u0000\u0000WEBP"), false)).toBe(true);
    expect(matchesMediaType("image/webp", ascii("RIFF\u0000\u0000\u0000\u0000WAVE"), false)).toBe(false);
    expect(matchesMediaType("image/gif", ascii("GIF89a"), false)).toBe(true);
    expect(
      matchesMediaType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", bytes(0x50, 0x4b, 0x03, 0x04), false),
    ).toBe(true);
    // Too short to hold the magic: refused.
    expect(matchesMediaType("image/png", bytes(0x89, 0x50), true)).toBe(false);
  });
  it("text types: UTF-8 without control characters; a character cut at the end of the first bytes is fine", () => {
    expect(matchesMediaType("text/csv", ascii("a,b\r\n1,2\n"), true)).toBe(true);
    expect(matchesMediaType("text/plain", ascii("Grüße\tund\fmehr"), true)).toBe(true);
    expect(matchesMediaType("text/plain", ascii("Grü").subarray(0, 3), false)).toBe(true);
    expect(matchesMediaType("text/plain", ascii("Grü").subarray(0, 3), true)).toBe(false);
    expect(matchesMediaType("text/plain", bytes(0x68, 0x00, 0x69), true)).toBe(false);
    expect(matchesMediaType("text/plain", bytes(0xff, 0xfe, 0x41), true)).toBe(false);
    expect(matchesMediaType("application/json", ascii("\u001b[31m{}"), true)).toBe(false);
  });
});
