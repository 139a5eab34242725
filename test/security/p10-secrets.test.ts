/**
 * P10 Secrets stored safely. The attack: a copy of the database (a leaked backup, a
 * curious operator, an SQL injection elsewhere, the app's own role) used to take over
 * accounts: replaying a refresh token, an email link, an MFA token or a recovery code
 * found in a table, cloning a TOTP secret, or testing guesses offline against
 * unkeyed hashes; and moving a sealed TOTP secret to another account's row. After a
 * full identity flow through the real worker, every text column of every table is
 * searched as the database owner for every secret the client received, and the
 * stored digests and sealed values are checked against independent WebCrypto
 * computations under the test deployment's keys.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { totpCode } from "../helpers/totp";
import {
  authRequest,
  digestOf,
  emailedToken,
  enableTotp,
  expectStatus,
  keyedDigest,
  mfaSession,
  mfaTokenOf,
  newAccount,
  ownerQuery,
  sessionOf,
  signUp,
  SUBJECTS,
  toBase64url,
  toHex,
  userWithEmail,
  verifiedAccount,
  verifyEmail,
  whereStored,
} from "../helpers/auth-requests";
import { expectProblem } from "../helpers/expect";
import { nextStepCode, workerDb, type SessionAnswer, type TestAccount } from "../helpers/identity";
import { captureLogs } from "../helpers/logs";
import { asApp, dbError } from "../helpers/tenants";
import { envWith, testEnv } from "../helpers/worker";

/** Everything a client was handed during one full identity flow. */
interface FlowSecrets {
  readonly account: TestAccount;
  readonly userId: string;
  readonly verifyToken: string;
  readonly resetToken: string;
  readonly first: SessionAnswer;
  readonly refreshed: SessionAnswer;
  readonly totpSecret: string;
  readonly otpauthUrl: string;
  readonly recoveryCodes: readonly string[];
  readonly mfaTokens: readonly string[];
  readonly mfaSessions: readonly SessionAnswer[];
}

/** base64url (or base64) → bytes. */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** The newest data key of the test deployment: its version and raw bytes (`v1:<base64>,…`). */
function newestDataKey(): { version: string; raw: Uint8Array<ArrayBuffer> } {
  const [entry = ""] = (testEnv.DATA_ENCRYPTION_KEYS ?? "").split(",");
  const [version = "", material = ""] = entry.trim().split(":", 2);
  return { version, raw: fromBase64(material) };
}

/** Opens `<version>.<iv>.<ciphertext+tag>` with AES-256-GCM and `context` as additional data, here with WebCrypto; undefined when it does not open. */
async function openSealed(sealed: string, context: string, raw: Uint8Array<ArrayBuffer>): Promise<string | undefined> {
  const [, iv = "", data = ""] = sealed.split(".");
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["decrypt"]);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(context) },
      key,
      fromBase64(data),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return undefined;
  }
}

/** The stored refresh digest of a session (as the owner). */
async function refreshDigestOf(sessionId: string): Promise<string> {
  const [row] = await ownerQuery("select refresh_token_digest from sessions where id = $1", sessionId);
  return String(row?.refresh_token_digest);
}

/** Plain, unkeyed hashes someone could compute from a token: what a keyed digest must not be. */
async function unkeyed(token: string): Promise<string[]> {
  const sha256 = await digestOf("SHA-256", token);
  const sha1 = await digestOf("SHA-1", token);
  return [token, toBase64url(sha256), toHex(sha256), toHex(sha1), btoa(String.fromCharCode(...sha256))];
}

/**
 * Waits until the flow's security events (stored after each response) are in the
 * table: its last one is, and the count no longer grows, so the search sees them too.
 */
async function eventsStored(userId: string, last: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let previous = -1;
  for (;;) {
    const [row] = await ownerQuery(
      "select count(*)::int as n, bool_or(type = $2) as done from security_events where actor_user_id = $1",
      userId,
      last,
    );
    const count = Number(row?.n);
    if (row?.done === true && count === previous) return;
    if (Date.now() > deadline) throw new Error(`security events of ${userId} not stored in time`);
    previous = row?.done === true ? count : -1;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Signs up, verifies, logs in, refreshes, asks for a reset link, enrols TOTP, and logs in with a TOTP code and a recovery code. */
async function fullFlow(): Promise<FlowSecrets> {
  const account = newAccount();
  await expectStatus(await signUp(account), 201, "signup");
  const verifyToken = await emailedToken(account.email, SUBJECTS.verify);
  await expectStatus(await verifyEmail(verifyToken), 200, "verify-email");
  const first = await sessionOf(account);
  const refresh = await expectStatus(await authRequest("/v1/auth/token/refresh", { refresh_token: first.refresh_token }), 200, "refresh");
  const refreshed = await refresh.json<SessionAnswer>();
  await expectStatus(await authRequest("/v1/auth/password-reset/request", { email: account.email }), 202, "reset request");
  const resetToken = await emailedToken(account.email, SUBJECTS.reset);

  const enrol = await expectStatus(
    await authRequest("/v1/auth/mfa/totp/enroll", undefined, { token: refreshed.access_token }),
    200,
    "enroll",
  );
  const { secret: totpSecret, otpauth_url: otpauthUrl } = await enrol.json<{ secret: string; otpauth_url: string }>();
  const activate = await expectStatus(
    await authRequest("/v1/auth/mfa/totp/activate", { code: totpCode(totpSecret) }, { token: refreshed.access_token }),
    200,
    "activate",
  );
  const { recovery_codes: recoveryCodes } = await activate.json<{ recovery_codes: string[] }>();

  const withTotpToken = await mfaTokenOf(account);
  const totpSession = await mfaSession(withTotpToken, totpSecret);
  const withCodeToken = await mfaTokenOf(account);
  const codeAnswer = await expectStatus(
    await authRequest("/v1/auth/mfa/verify", { mfa_token: withCodeToken, code: recoveryCodes[0] }),
    200,
    "mfa/verify with a recovery code",
  );
  const codeSession = await codeAnswer.json<SessionAnswer>();
  const userId = (await userWithEmail(account.email)).id;
  await eventsStored(userId, "recovery_code_used");
  return {
    account,
    userId,
    verifyToken,
    resetToken,
    first,
    refreshed,
    totpSecret,
    otpauthUrl,
    recoveryCodes,
    mfaTokens: [withTotpToken, withCodeToken],
    mfaSessions: [totpSession, codeSession],
  };
}

/** Every secret of the flow by name, with the forms it could be stored in. */
function secretsOf(flow: FlowSecrets): Record<string, string> {
  const secrets: Record<string, string> = {
    password: flow.account.password,
    verification_token: flow.verifyToken,
    reset_token: flow.resetToken,
    totp_secret: flow.totpSecret,
    totp_secret_lower: flow.totpSecret.toLowerCase(),
    otpauth_url: flow.otpauthUrl,
  };
  const sessions = [flow.first, flow.refreshed, ...flow.mfaSessions];
  sessions.forEach((s, i) => {
    secrets[`refresh_token_${i}`] = s.refresh_token;
    secrets[`refresh_token_${i}_without_prefix`] = s.refresh_token.replace(/^rt_/, "");
    secrets[`access_token_${i}`] = s.access_token;
    secrets[`access_token_${i}_signature`] = s.access_token.split(".")[2] ?? "";
  });
  flow.mfaTokens.forEach((t, i) => (secrets[`mfa_token_${i}`] = t));
  flow.recoveryCodes.forEach((code, i) => {
    secrets[`recovery_code_${i}`] = code;
    secrets[`recovery_code_${i}_compact`] = code.replaceAll("-", "");
  });
  return secrets;
}

describe("P10 secrets after a full identity flow", { timeout: 60_000 }, () => {
  let flow: FlowSecrets;

  beforeAll(async () => {
    flow = await fullFlow();
  }, 120_000);

  it("P10: no column of any table holds any secret the client received, in plaintext", async () => {
    const secrets = secretsOf(flow);
    expect(Object.keys(secrets).length).toBeGreaterThan(30);
    expect(await whereStored(secrets)).toEqual([]);
    // The search does see this user's rows: the address is found where it belongs, the events' details are searched.
    expect(await whereStored({ email: flow.account.email })).toContain("email in public.users.email");
    expect(await whereStored({ event: "recovery_code_used", detail: "recovery_code" })).toEqual(
      expect.arrayContaining(["event in public.security_events.type", "detail in public.security_events.details"]),
    );
  });

  it("P10: sessions.refresh_token_digest is 43 base64url characters, an HMAC under TOKEN_HASH_SECRET, not the token or its SHA-256", async () => {
    const current = await refreshDigestOf(flow.refreshed.session_id);
    expect(flow.refreshed.session_id).toBe(flow.first.session_id);
    expect(current).toMatch(/^[\w-]{43}$/);
    expect(await unkeyed(flow.refreshed.refresh_token)).not.toContain(current);
    expect(current).toBe(await keyedDigest("refresh", flow.refreshed.refresh_token));
    for (const session of flow.mfaSessions) {
      const digest = await refreshDigestOf(session.session_id);
      expect(digest).toMatch(/^[\w-]{43}$/);
      expect(await unkeyed(session.refresh_token)).not.toContain(digest);
      expect(digest).toBe(await keyedDigest("refresh", session.refresh_token));
    }
  });

  it("P10: a rotated refresh token is remembered only as its keyed digest", async () => {
    const rows = await ownerQuery("select digest from refresh_token_history where session_id = $1", flow.first.session_id);
    expect(rows.map((r) => r.digest)).toEqual([await keyedDigest("refresh", flow.first.refresh_token)]);
    expect(await unkeyed(flow.first.refresh_token)).not.toContain(rows[0]?.digest);
  });

  it("P10: email-link tokens, MFA tokens and recovery codes are stored as keyed digests only", async () => {
    const links = await ownerQuery("select purpose, digest from email_tokens where user_id = $1 order by purpose", flow.userId);
    expect(links).toEqual([
      { purpose: "password_reset", digest: await keyedDigest("email", flow.resetToken) },
      { purpose: "verify_email", digest: await keyedDigest("email", flow.verifyToken) },
    ]);
    const challenges = await ownerQuery("select digest from mfa_challenges where user_id = $1", flow.userId);
    const expectedChallenges = await Promise.all(flow.mfaTokens.map((t) => keyedDigest("mfa", t)));
    // Earlier used challenges are cleared at the next login: at least the latest one is there, and nothing else.
    expect(challenges.length).toBeGreaterThan(0);
    for (const row of challenges) expect(expectedChallenges).toContain(row.digest);
    const codes = await ownerQuery("select digest from recovery_codes where user_id = $1", flow.userId);
    const expectedCodes = await Promise.all(flow.recoveryCodes.map((c) => keyedDigest("recovery", c)));
    expect(new Set(codes.map((r) => r.digest))).toEqual(new Set(expectedCodes));
    for (const code of flow.recoveryCodes) expect(await unkeyed(code)).not.toEqual(expect.arrayContaining(codes.map((r) => r.digest)));
  });

  it("P10: the TOTP secret is stored sealed under the newest data key (v1.), bound to its user, never as its base32 text", async () => {
    const { totp_secret: sealed } = await userWithEmail(flow.account.email);
    const key = newestDataKey();
    expect(key.version).toBe("v1");
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{40,}$/);
    expect(sealed?.toUpperCase()).not.toContain(flow.totpSecret.toUpperCase());
    // AES-256-GCM, opened here independently: with its own user as additional data only.
    expect(key.raw.byteLength).toBe(32);
    expect(await openSealed(sealed ?? "", `totp:${flow.userId}`, key.raw)).toBe(flow.totpSecret);
    expect(await openSealed(sealed ?? "", `totp:${crypto.randomUUID()}`, key.raw)).toBeUndefined();
  });
});

describe("P10 sealed and digested values in the database", { timeout: 60_000 }, () => {
  it("P10 (refuses): a sealed TOTP secret copied to another user's row does not open: that user's MFA login fails with 401 invalid_mfa_code, no 500", async () => {
    const victim = await verifiedAccount();
    const { secret: victimSecret } = await enableTotp((await sessionOf(victim)).access_token);
    const attacker = await verifiedAccount();
    const { secret: attackerSecret } = await enableTotp((await sessionOf(attacker)).access_token);
    const victimRow = await userWithEmail(victim.email);
    await ownerQuery("update users set totp_secret = $1 where email = $2", victimRow.totp_secret, attacker.email);

    const logs = captureLogs();
    try {
      for (const code of [nextStepCode(victimSecret), nextStepCode(attackerSecret)]) {
        const mfaToken = await mfaTokenOf(attacker);
        const res = await authRequest("/v1/auth/mfa/verify", { mfa_token: mfaToken, code }, { settled: true });
        await expectProblem(res, 401, "invalid_mfa_code");
      }
      expect(logs.raw().filter((line) => line.includes('"totp_secret_unreadable"')).length).toBeGreaterThan(0);
      expect(logs.raw().filter((line) => line.includes(victimSecret) || line.includes(victimRow.totp_secret ?? "?"))).toEqual([]);
    } finally {
      logs.restore();
    }
    // The victim's own secret still works for the victim.
    const own = await mfaSession(await mfaTokenOf(victim), victimSecret);
    expect(own.token_type).toBe("Bearer");
  });

  it("P10 (refuses): the app's database role cannot read password hashes, sealed TOTP secrets or token digests (42501)", async () => {
    const columns = [
      ["users", "password_hash"],
      ["users", "totp_secret"],
      ["sessions", "refresh_token_digest"],
      ["refresh_token_history", "digest"],
      ["email_tokens", "digest"],
      ["mfa_challenges", "digest"],
      ["recovery_codes", "digest"],
    ] as const;
    for (const [table, column] of columns) {
      const error = await dbError(asApp(workerDb(), null, `select ${column} from ${table}`));
      expect(error.code, `${table}.${column}`).toBe("42501");
    }
  });

  it("P10: a new data key rotates in without downtime: old TOTP secrets still open, new enrolments are sealed with the new key", async () => {
    const rotated = envWith({
      DATA_ENCRYPTION_KEYS: `v2:${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))},${testEnv.DATA_ENCRYPTION_KEYS ?? ""}`,
    });
    const before = await verifiedAccount();
    const { secret } = await enableTotp((await sessionOf(before)).access_token);
    expect((await userWithEmail(before.email)).totp_secret).toMatch(/^v1\./);
    const mfaToken = await mfaTokenOf(before);
    const res = await authRequest("/v1/auth/mfa/verify", { mfa_token: mfaToken, code: nextStepCode(secret) }, { env: rotated });
    expect(res.status).toBe(200);

    const after = await verifiedAccount();
    const session = await sessionOf(after);
    const enrol = await expectStatus(
      await authRequest("/v1/auth/mfa/totp/enroll", undefined, { token: session.access_token, env: rotated }),
      200,
      "enroll",
    );
    const { secret: newSecret } = await enrol.json<{ secret: string }>();
    expect((await userWithEmail(after.email)).totp_secret).toMatch(/^v2\./);
    const activate = await authRequest(
      "/v1/auth/mfa/totp/activate",
      { code: totpCode(newSecret) },
      { token: session.access_token, env: rotated },
    );
    expect(activate.status).toBe(200);
  });
});
