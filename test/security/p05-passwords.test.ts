/**
 * P5 Passwords. The attacks: an account protected by a short or well-known password
 * (credential stuffing with breach lists, guessing the most common ones), a breach
 * check that leaks the password (or its full hash) to the range API or that a slow
 * API turns off, a stolen database whose hashes are fast to crack or truncated at
 * bcrypt's 72 bytes, imported weak hashes that stay weak forever, an operator reading
 * hashes through the app's own database role, and a login that tells an attacker
 * which addresses have accounts. Everything goes through the real worker (or an app
 * from `createApp()` with a modified env) against the HIBP range stand-in, and is
 * checked in the database as its owner.
 */
import { dictionary } from "@zxcvbn-ts/language-common";
import bcrypt from "bcryptjs";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { commonPasswordList } from "../../src/clients/breach-check";
import { hashPassword } from "../../src/crypto/passwords";
import { parseConfig } from "../../src/env";
import { BREACHED_TEST_PASSWORDS } from "../stack/hibp-range/test-passwords";
import {
  authRequest,
  digestOf,
  enableTotp,
  expectStatus,
  logIn,
  newAccount,
  ownerQuery,
  sessionOf,
  signUp,
  toHex,
  usersWithEmail,
  userWithEmail,
  verifiedAccount,
} from "../helpers/auth-requests";
import { expectProblem, type Problem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { captureLogs } from "../helpers/logs";
import { asApp, dbError } from "../helpers/tenants";
import { envWith, testEnv } from "../helpers/worker";

const { hibpControlUrl } = inject("stack");
const HIBP_URL = (testEnv.HIBP_API_URL ?? "").replace(/\/$/, "");
/** The configured bcrypt cost of the worker under test. */
const CONFIGURED_COST = ((): number => {
  const config = parseConfig(testEnv);
  if (!config.ok) throw new Error("test config invalid");
  return config.value.identity.passwords.bcryptCost;
})();
/** Rampart's own hash at `cost`: bcrypt (2b) over the pre-hash, behind its prefix. */
const ownHash = (cost: number): RegExp => new RegExp(`^\\$bcrypt-sha256\\$\\$2b\\$${String(cost).padStart(2, "0")}\\$[./A-Za-z0-9]{53}$`);
const COMMON = commonPasswordList();

/** `n` random characters from `alphabet` (lower-case letters and digits unless told). */
function randomChars(n: number, alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"): string {
  let out = "";
  for (const byte of crypto.getRandomValues(new Uint8Array(n))) out += alphabet.charAt(byte % alphabet.length);
  return out;
}

/** `n` emoji, each one code point outside the BMP (two UTF-16 units, four UTF-8 bytes). */
function emoji(n: number): string {
  const pool = [...crypto.getRandomValues(new Uint8Array(n))].map((b) => String.fromCodePoint(0x1f400 + (b % 0x80)));
  return pool.join("");
}

/** Signs up `password` for a fresh address and returns the answer with the address. */
async function signUpWith(password: string, options: Parameters<typeof signUp>[1] = {}): Promise<{ res: Response; email: string }> {
  const account = newAccount({ password });
  return { res: await signUp(account, options), email: account.email };
}

/** Asserts a 422 validation_failed naming the password field, and that no account was created for `email`. */
async function expectLengthRefused(res: Response, email: string, password: string): Promise<void> {
  const text = await res.clone().text();
  const problem = await expectProblem(res, 422, "validation_failed");
  expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ in: "body", path: "password" })]));
  expect(text).not.toContain(password);
  expect(await usersWithEmail(email)).toEqual([]);
}

/** Holds (`down`) or releases range requests for these prefixes at the HIBP stand-in. */
async function hibpDown(down: boolean, prefixes: readonly string[]): Promise<void> {
  const res = await fetch(`${hibpControlUrl}/__rampart/down`, { method: "POST", body: JSON.stringify({ down, prefixes }) });
  await expectStatus(res, 200, "hibp down switch");
}

/** Upper-case hex SHA-1 of a password, as the range API is keyed. */
async function sha1Upper(password: string): Promise<string> {
  return toHex(await digestOf("SHA-1", password)).toUpperCase();
}

/** Each fallback was logged as `breach_api_unavailable`, and no log line holds a password. */
function expectFallbackLogged(lines: readonly string[], passwords: readonly string[]): void {
  expect(lines.filter((line) => line.includes('"breach_api_unavailable"')).length).toBeGreaterThanOrEqual(passwords.length);
  for (const password of passwords) expect(lines.filter((line) => line.includes(password))).toEqual([]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("P5 length and composition", { timeout: 30_000 }, () => {
  it("P5 (refuses): a new password of 7 characters is refused with 422 validation_failed and no account is created", async () => {
    const password = randomChars(7);
    const { res, email } = await signUpWith(password);
    await expectLengthRefused(res, email, password);
  });

  it("P5: a new password of exactly 8 characters is accepted", async () => {
    const { res, email } = await signUpWith(randomChars(8));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ status: "accepted" });
    expect(await usersWithEmail(email)).toHaveLength(1);
  });

  it("P5: a new password of 128 characters is accepted and one of 129 is refused", async () => {
    const accepted = await signUpWith(randomChars(128));
    expect(accepted.res.status).toBe(201);
    const long = randomChars(129);
    const refused = await signUpWith(long);
    await expectLengthRefused(refused.res, refused.email, long);
  });

  it("P5: length counts characters (code points), not bytes or UTF-16 units: 8 emoji are accepted, 7 refused", async () => {
    const eight = emoji(8);
    expect(new TextEncoder().encode(eight).byteLength).toBe(32);
    const accepted = await signUpWith(eight);
    expect(accepted.res.status).toBe(201);
    // 7 emoji are 28 bytes and 14 UTF-16 units: only counting characters refuses them.
    const seven = emoji(7);
    const refused = await signUpWith(seven);
    await expectLengthRefused(refused.res, refused.email, seven);
  });

  it("P5: 128 emoji (512 bytes) are accepted and 129 are refused", async () => {
    const accepted = await signUpWith(emoji(128));
    expect(accepted.res.status).toBe(201);
    const long = emoji(129);
    const refused = await signUpWith(long);
    await expectLengthRefused(refused.res, refused.email, long);
  });

  it("P5: an emoji password can be used to log in after verification", async () => {
    const account = await verifiedAccount({ password: `${emoji(10)} ${randomChars(4)}` });
    expect((await logIn(account.email, account.password)).status).toBe(200);
  });

  it("P5: there is no composition rule: an all-lowercase passphrase and an all-digit password are accepted", async () => {
    const passphrase = `${randomChars(6, "abcdefghijklmnopqrstuvwxyz")} ${randomChars(7, "abcdefghijklmnopqrstuvwxyz")} ${randomChars(6, "abcdefghijklmnopqrstuvwxyz")}`;
    const lower = await signUpWith(passphrase);
    expect(lower.res.status).toBe(201);
    const digits = await signUpWith(randomChars(14, "0123456789"));
    expect(digits.res.status).toBe(201);
  });

  it("P5 (refuses): length counts the characters of the password that is hashed: 4 accented letters typed as 8 code points are refused", async () => {
    // "e" + COMBINING ACUTE ACCENT, four times: 8 code points as typed, "éééé" (4 characters) once normalised
    // (NFKC), which is the form the stored hash is computed over, so "éééé" would open the account.
    const decomposed = "e\u0301".repeat(4);
    expect(Array.from(decomposed)).toHaveLength(8);
    expect(Array.from(decomposed.normalize("NFKC"))).toHaveLength(4);
    const { res, email } = await signUpWith(decomposed);
    await expectLengthRefused(res, email, decomposed);
  });

  it("P5 (refuses): the same length rule holds for a password set by reset link and by password change", async () => {
    const account = await verifiedAccount();
    const session = await sessionOf(account);
    const short = randomChars(7);
    await expectProblem(
      await authRequest("/v1/auth/password", { current_password: account.password, new_password: short }, { token: session.access_token }),
      422,
      "validation_failed",
    );
    await expectProblem(
      await authRequest("/v1/auth/password-reset/confirm", { token: "A".repeat(43), new_password: short }),
      422,
      "validation_failed",
    );
    expect((await logIn(account.email, account.password)).status).toBe(200);
  });
});

describe("P5 breach check", { timeout: 30_000 }, () => {
  it.each(BREACHED_TEST_PASSWORDS)(
    "P5 (refuses): a password the range API lists as breached (%s) is refused with 422 breached_password and no user row is written",
    async (password) => {
      const { res, email } = await signUpWith(password);
      await expectProblem(res, 422, "breached_password");
      expect(await usersWithEmail(email)).toEqual([]);
    },
  );

  it("P5 (refuses): a breached password written in full-width (compatibility) characters is refused: the check sees the form that is hashed", async () => {
    // NFKC maps each full-width character to its ASCII twin, and the stored hash is computed over the NFKC
    // form: accepting this would make the breached password itself the account's password.
    const breached = BREACHED_TEST_PASSWORDS[0];
    const fullWidth = Array.from(breached, (ch) => String.fromCodePoint((ch.codePointAt(0) ?? 0) + 0xfee0)).join("");
    expect(fullWidth).not.toBe(breached);
    expect(fullWidth.normalize("NFKC")).toBe(breached);
    const { res, email } = await signUpWith(fullWidth);
    await expectProblem(res, 422, "breached_password");
    expect(await usersWithEmail(email)).toEqual([]);
  });

  it("P5: the range API is asked with only the first 5 hex characters of the SHA-1 and Add-Padding: true", async () => {
    const password = BREACHED_TEST_PASSWORDS[2];
    const hash = await sha1Upper(password);
    const realFetch = globalThis.fetch;
    const seen: { url: string; method: string; headers: Headers; hasBody: boolean; lines: number }[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      const response = await realFetch(input, init);
      if (url.startsWith(HIBP_URL)) {
        const text = await response.clone().text();
        seen.push({
          url,
          method: init?.method ?? (input instanceof Request ? input.method : "GET"),
          headers: new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)),
          hasBody: init?.body !== undefined && init.body !== null,
          lines: text.split("\r\n").length,
        });
      }
      return response;
    });
    const { res, email } = await signUpWith(password, { settled: true });
    await expectProblem(res, 422, "breached_password");
    expect(await usersWithEmail(email)).toEqual([]);

    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(request?.url).toBe(`${HIBP_URL}/range/${hash.slice(0, 5)}`);
    expect(request?.method).toBe("GET");
    expect(request?.hasBody).toBe(false);
    expect(request?.headers.get("add-padding")).toBe("true");
    // Nothing but the prefix leaves: not the rest of the hash, not the password, in any case or encoding.
    const sent =
      `${request?.url ?? ""}\n${[...(request?.headers ?? new Headers())].map(([k, v]) => `${k}: ${v}`).join("\n")}`.toUpperCase();
    expect(sent).not.toContain(hash.slice(5, 15));
    expect(sent).not.toContain(password.toUpperCase());
    expect(sent).not.toContain(encodeURIComponent(password).toUpperCase());
    // The stand-in pads only when asked to: the answer the worker read was padded (800 to 1000 lines).
    expect(request?.lines).toBeGreaterThanOrEqual(800);
  });

  it("P5 (refuses): a breached new password is refused at password change, and the old password keeps working", async () => {
    const account = await verifiedAccount();
    const session = await sessionOf(account);
    const before = await userWithEmail(account.email);
    await expectProblem(
      await authRequest(
        "/v1/auth/password",
        { current_password: account.password, new_password: BREACHED_TEST_PASSWORDS[0] },
        { token: session.access_token },
      ),
      422,
      "breached_password",
    );
    expect((await userWithEmail(account.email)).password_hash).toBe(before.password_hash);
    expect((await logIn(account.email, account.password)).status).toBe(200);
  });

  it("P5: the bundled fallback list decodes to exactly its source, the 10,000 most common passwords of 8 to 128 characters", () => {
    const source = dictionary["passwords-common"];
    if (!Array.isArray(source)) throw new Error("@zxcvbn-ts/language-common has no passwords-common list");
    const length = (p: string): number => Array.from(p).length;
    const expected = source.filter((p) => length(p) >= 8 && length(p) <= 128 && !p.includes("\n")).slice(0, 10_000);
    expect(COMMON).toHaveLength(10_000);
    expect(new Set(COMMON).size).toBe(10_000);
    expect([...COMMON].sort()).toEqual([...expected].sort());
  });

  it("P5 (refuses): when the range API does not answer within HIBP_TIMEOUT_MS, the bundled list refuses a common password and accepts an uncommon one", async () => {
    const common = "superman";
    expect(COMMON).toContain(common);
    const uncommon = `rampart uncommon ${randomChars(16)}`;
    expect(COMMON).not.toContain(uncommon);
    const prefixes = [(await sha1Upper(common)).slice(0, 5), (await sha1Upper(uncommon)).slice(0, 5)];
    const env = envWith({ HIBP_TIMEOUT_MS: "100" });
    await hibpDown(true, prefixes);
    const logs = captureLogs();
    try {
      const started = Date.now();
      const refused = await signUpWith(common, { env });
      await expectProblem(refused.res, 422, "breached_password");
      expect(await usersWithEmail(refused.email)).toEqual([]);
      const accepted = await signUpWith(uncommon, { env });
      expect(accepted.res.status).toBe(201);
      expect(await usersWithEmail(accepted.email)).toHaveLength(1);
      // Two held requests, each given up after 100 ms, not after the stand-in's (never) answer.
      expect(Date.now() - started).toBeLessThan(15_000);
      expectFallbackLogged(logs.raw(), [common, uncommon]);
    } finally {
      logs.restore();
      await hibpDown(false, prefixes);
    }
  });

  it("P5 (refuses): when the range API is unreachable, the bundled list decides: a common password is refused, one only HIBP knows is accepted", async () => {
    const env = envWith({ HIBP_API_URL: "http://127.0.0.1:9", HIBP_TIMEOUT_MS: "100" });
    const common = "password123";
    expect(COMMON).toContain(common);
    // Listed by the range API but by no common-password list: with HIBP out of reach, the bundled list decides.
    const hibpOnly = BREACHED_TEST_PASSWORDS[1];
    expect(COMMON).not.toContain(hibpOnly);
    const logs = captureLogs();
    try {
      const refused = await signUpWith(common, { env });
      await expectProblem(refused.res, 422, "breached_password");
      expect(await usersWithEmail(refused.email)).toEqual([]);
      const accepted = await signUpWith(hibpOnly, { env });
      expect(accepted.res.status).toBe(201);
      expectFallbackLogged(logs.raw(), [common, hibpOnly]);
    } finally {
      logs.restore();
    }
    // The bundled list also guards the other places a new password is set.
    const account = await verifiedAccount();
    const session = await sessionOf(account);
    await expectProblem(
      await authRequest(
        "/v1/auth/password",
        { current_password: account.password, new_password: common },
        { token: session.access_token, env },
      ),
      422,
      "breached_password",
    );
  });
});

describe("P5 storage", { timeout: 30_000 }, () => {
  it("P5: the stored hash is Rampart's bcrypt-sha256 form at a cost of at least 10 and never holds the password", async () => {
    expect(CONFIGURED_COST).toBeGreaterThanOrEqual(10);
    const account = await verifiedAccount();
    const { password_hash: hash } = await userWithEmail(account.email);
    expect(hash).toMatch(ownHash(CONFIGURED_COST));
    const cost = Number(/^\$bcrypt-sha256\$\$2b\$(\d{2})\$/.exec(hash ?? "")?.[1]);
    expect(cost).toBeGreaterThanOrEqual(10);
    expect(hash).not.toContain(account.password);
    // Salted: the same password for two accounts gives two different hashes.
    const twin = await verifiedAccount({ password: account.password });
    expect((await userWithEmail(twin.email)).password_hash).not.toBe(hash);
  });

  it("P5 (refuses): the app's database role cannot read users.password_hash (42501)", async () => {
    const error = await dbError(asApp(workerDb(), null, "select password_hash from users"));
    expect(error.code).toBe("42501");
    const withWhere = await dbError(asApp(workerDb(), null, "select id from users where password_hash is not null"));
    expect(withWhere.code).toBe("42501");
  });

  it("P5: two 100-character passwords sharing their first 80 characters are different passwords (no 72-byte truncation)", async () => {
    const a = randomChars(100);
    const b = a.slice(0, 80) + randomChars(20);
    expect(b).not.toBe(a);
    const account = await verifiedAccount({ password: a });
    await expectProblem(await logIn(account.email, b), 401, "invalid_credentials");
    expect((await logIn(account.email, a)).status).toBe(200);
  });
});

describe("P5 rotation", { timeout: 60_000 }, () => {
  /** A verified account whose stored hash the owner replaced with `hash(password)`. */
  async function accountWithHash(
    hash: (password: string) => string | Promise<string>,
  ): Promise<{ email: string; password: string; stored: string }> {
    const account = await verifiedAccount();
    const stored = await hash(account.password);
    await ownerQuery("update users set password_hash = $1 where email = $2", stored, account.email);
    expect((await userWithEmail(account.email)).password_hash).toBe(stored);
    return { email: account.email, password: account.password, stored };
  }

  /** An imported bcrypt hash of the raw password, cost 4, with the given version prefix. */
  const imported = (version: "2a" | "2b" | "2y") => (password: string) => `$${version}$${bcrypt.hashSync(password, 4).slice(4)}`;

  it.each(["2a", "2b", "2y"] as const)(
    "P5: a user with an imported $%s$ bcrypt hash of the raw password logs in, and the hash becomes Rampart's own at the configured cost",
    async (version) => {
      const user = await accountWithHash(imported(version));
      expect(user.stored.startsWith(`$${version}$04$`)).toBe(true);
      expect((await logIn(user.email, user.password)).status).toBe(200);
      const after = (await userWithEmail(user.email)).password_hash;
      expect(after).toMatch(ownHash(CONFIGURED_COST));
      expect((await logIn(user.email, user.password)).status).toBe(200);
      await expectProblem(await logIn(user.email, `${user.password}x`), 401, "invalid_credentials");
    },
  );

  it("P5 (refuses): a wrong password against an imported hash is 401 invalid_credentials and leaves the hash as it was", async () => {
    const user = await accountWithHash(imported("2b"));
    await expectProblem(await logIn(user.email, `${user.password}!`), 401, "invalid_credentials");
    expect((await userWithEmail(user.email)).password_hash).toBe(user.stored);
  });

  it.each([4, 11])("P5: Rampart's own hash at cost %i is re-hashed at the configured cost on the next login", async (cost) => {
    // What a deployment configured with another cost stored (4: an old or misconfigured one; 11: one since lowered).
    const user = await accountWithHash((password) => hashPassword(password, cost));
    expect(user.stored).toMatch(ownHash(cost));
    expect((await logIn(user.email, user.password)).status).toBe(200);
    expect((await userWithEmail(user.email)).password_hash).toMatch(ownHash(CONFIGURED_COST));
  });

  it("P5: when BCRYPT_COST is raised, the next login re-hashes at the new cost", async () => {
    const account = await verifiedAccount();
    expect((await userWithEmail(account.email)).password_hash).toMatch(ownHash(CONFIGURED_COST));
    const raised = CONFIGURED_COST + 1;
    const res = await logIn(account.email, account.password, { env: envWith({ BCRYPT_COST: String(raised) }) });
    expect(res.status).toBe(200);
    expect((await userWithEmail(account.email)).password_hash).toMatch(ownHash(raised));
    // And back: a deployment that lowers the cost (never below 10) re-hashes on the next login too.
    expect((await logIn(account.email, account.password)).status).toBe(200);
    expect((await userWithEmail(account.email)).password_hash).toMatch(ownHash(CONFIGURED_COST));
  });

  it("P5: an account with TOTP is re-hashed at its password step, before the second factor", async () => {
    const account = await verifiedAccount();
    await enableTotp((await sessionOf(account)).access_token);
    const stored = imported("2y")(account.password);
    await ownerQuery("update users set password_hash = $1 where email = $2", stored, account.email);
    const res = await logIn(account.email, account.password);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ mfa_required: true });
    expect((await userWithEmail(account.email)).password_hash).toMatch(ownHash(CONFIGURED_COST));
  });

  it("P5 (refuses): a BCRYPT_COST below 10 is refused by config validation", () => {
    for (const cost of ["9", "4", "0", "-1", "ten"]) {
      const result = parseConfig(envWith({ BCRYPT_COST: cost }));
      expect(result.ok, cost).toBe(false);
      if (!result.ok)
        expect(
          result.error.map((issue) => issue.binding),
          cost,
        ).toContain("BCRYPT_COST");
    }
    const ten = parseConfig(envWith({ BCRYPT_COST: "10" }));
    expect(ten.ok && ten.value.identity.passwords.bcryptCost).toBe(10);
  });
});

describe("P5 login answers", { timeout: 30_000 }, () => {
  it("P5 (refuses): an unknown email and a wrong password get byte-identical 401 invalid_credentials bodies apart from the request id", async () => {
    const account = await verifiedAccount();
    const wrong = await logIn(account.email, `${account.password}-wrong`);
    const unknown = await logIn(newAccount().email, account.password);
    const bodies: string[] = [];
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const text = await res.text();
      const problem = JSON.parse(text) as Problem;
      expect(problem.code).toBe("invalid_credentials");
      expect(problem.request_id).toBe(res.headers.get("x-request-id"));
      bodies.push(text.replace(JSON.stringify(problem.request_id), '"<request id>"'));
    }
    expect(bodies[0]).toBe(bodies[1]);
    expect(bodies[0]).not.toContain(account.email);
  });

  it.each([
    ["empty", ""],
    ["over 1024 characters", "x".repeat(1025)],
  ])("P5 (refuses): a login password that is %s is 422 validation_failed, never a 500, and not echoed", async (_label, password) => {
    const account = await verifiedAccount();
    const res = await logIn(account.email, password);
    const text = await res.clone().text();
    await expectProblem(res, 422, "validation_failed");
    if (password !== "") expect(text).not.toContain(password);
  });

  it("P5 (refuses): a long login password (1024 characters) is checked like any other: 401 invalid_credentials", async () => {
    const account = await verifiedAccount();
    await expectProblem(await logIn(account.email, "y".repeat(1024)), 401, "invalid_credentials");
  });
});
