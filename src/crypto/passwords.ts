/**
 * Password hashing (P5): bcrypt (bcryptjs, pure JS, no WASM), cost from config
 * (default 10). bcrypt reads only the first 72 bytes of its input, so Rampart's own
 * hashes are bcrypt over a fixed-length pre-hash, HMAC-SHA-256 of the NFKC-normalised
 * password, and carry the prefix `$bcrypt-sha256$`: two long passwords sharing 72
 * bytes never collide, and no unsalted SHA-256 of a password is ever formed (which a
 * leaked unsalted hash list elsewhere could be matched against).
 *
 * Hashes imported from other systems (Supabase and most bcrypt users: `$2a$`, `$2b$`,
 * `$2y$` over the raw password) are accepted as they are; a successful login with one,
 * or with a cost other than the configured one, asks the caller to re-hash ("rotation").
 * Unknown emails are checked against a dummy hash of the same cost, so both failures
 * cost the same.
 */
import type bcryptjs from "bcryptjs";
import { utf8 } from "../lib/encoding";

// bcryptjs loads with the first password to check, not with the worker.
let library: Promise<typeof bcryptjs> | undefined;
const bcrypt = (): Promise<typeof bcryptjs> => (library ??= import("bcryptjs").then((m) => m.default));

/** Prefix of Rampart's own hashes: bcrypt over the pre-hash. */
export const OWN_HASH_PREFIX = "$bcrypt-sha256$";

const BCRYPT = /^\$2[aby]\$(\d{2})\$[./A-Za-z0-9]{53}$/;

/** Hashes of a random, forgotten password, one per allowed cost: same work as a real check, never a match. */
const DUMMY_HASHES: Readonly<Record<number, string>> = {
  10: "$2b$10$oj499RUEqdrBldEk6u7us.rTgqEpIlpLZ.ENXjAfTn1cPK7ZADJ7i",
  11: "$2b$11$16sxMvaNI4z6z6aYt0thO.nGIdWG1NyOpOmiVSCIfAWky2zR034aC",
  12: "$2b$12$W/Zzw9Ts6sOf7gbUlq.fveATHXzQlNryDy686nmQYO6wDMRh5rTZG",
  13: "$2b$13$htPr9Y4rt2Vh9NrcxYNXguigoWi203dO.Xdfh2MNmvPfCQCsODgpu",
  14: "$2b$14$r5l6MHo7zrU7xgWW4egM7ubCKfz4qgu/34C1DauQXCR0z9nlb/ovy",
};

// Imported on first use: no crypto work at module load (start-up time, and workerd's global-scope rules).
let prehashKey: Promise<CryptoKey> | undefined;

/** The pre-hash bcrypt sees: base64 of HMAC-SHA-256 over the NFKC form (44 bytes, under bcrypt's 72). */
async function prehash(password: string): Promise<string> {
  prehashKey ??= crypto.subtle.importKey("raw", utf8.encode("rampart/password-prehash/v1"), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await prehashKey, utf8.encode(password.normalize("NFKC"))));
  let binary = "";
  for (const byte of mac) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * A new hash at `cost`.
 *
 * @example
 * ```ts
 * const stored = await hashPassword("correct horse battery staple", 10); // "$bcrypt-sha256$$2b$10$…"
 * ```
 */
export async function hashPassword(password: string, cost: number): Promise<string> {
  return OWN_HASH_PREFIX + (await (await bcrypt()).hash(await prehash(password), cost));
}

/** The outcome of checking a password. */
export interface PasswordCheck {
  readonly ok: boolean;
  /** The password matched a hash of another algorithm or cost: store a new hash. */
  readonly needsRehash: boolean;
}

/**
 * Checks `password` against `stored`; with no stored hash (unknown user, or an
 * account without a password) a dummy hash of the configured cost is checked, so the
 * answer takes as long. Exactly one bcrypt computation either way.
 */
export async function verifyPassword(password: string, stored: string | null | undefined, cost: number): Promise<PasswordCheck> {
  const own = stored?.startsWith(OWN_HASH_PREFIX) === true;
  const hash = (own && stored ? stored.slice(OWN_HASH_PREFIX.length) : stored) ?? "";
  const match = BCRYPT.exec(hash);
  if (match === null) {
    await (await bcrypt()).compare(password, DUMMY_HASHES[cost] ?? DUMMY_HASHES[10] ?? "");
    return { ok: false, needsRehash: false };
  }
  const ok = await (await bcrypt()).compare(own ? await prehash(password) : password, hash);
  return { ok, needsRehash: ok && (!own || Number(match[1]) !== cost || !hash.startsWith("$2b$")) };
}
