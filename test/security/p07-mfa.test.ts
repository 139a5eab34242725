/**
 * P7 MFA: TOTP (RFC 6238) for every user, with recovery codes; a used code cannot be
 * replayed; sessions carry their assurance level; super administrators cannot use an
 * admin route without aal2.
 *
 * Attacks covered:
 * - a stolen password alone: with TOTP on, login hands out only a short-lived,
 *   single-use `mfa_token`, never a session;
 * - a shoulder-surfed or phished TOTP code replayed (the step used at activation or at
 *   an earlier login, within its 90-second window), or a code from another time
 *   (±60 s), or a guessed code: refused;
 * - a recovery code used twice, or one user's code (TOTP or recovery) used to finish
 *   another user's login; a used or expired `mfa_token` replayed; garbage and
 *   oversized tokens and codes aimed at the parser (a 4xx, never a 500);
 * - an aal1 session (a stolen password, or a stolen access token of a password-only
 *   session) removing TOTP or changing the password: refused with `mfa_required`;
 * - an administrator's password-only session, or a non-administrator's aal2 session,
 *   reaching an admin route (there is none yet: a probe route declared like one).
 *
 * Every account and client address is unique (IpClient), so the auth presets' limits
 * per IP and per account never meet another test.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { recoveryCode, randomToken } from "../../src/crypto/tokens";
import { createRouter } from "../../src/http/openapi";
import { defineRoute } from "../../src/pipeline/route";
import { expectProblem } from "../helpers/expect";
import { userIdOf, type SessionAnswer } from "../helpers/identity";
import {
  awayFromStepEdge,
  currentStep,
  IpClient,
  jwtPayload,
  ownerCount,
  ownerQuery,
  randomIp,
  stepCode,
  wrongCode,
  type MfaChallengeAnswer,
} from "../helpers/identity-ip";
import { accessTokenFor } from "../helpers/tokens";
import { callApp } from "../helpers/worker";

/** What the database holds about a user's TOTP, as the owner sees it. */
async function totpState(userId: string): Promise<{ sealed: string | null; enabled: boolean; lastStep: number | null }> {
  const [row] = await ownerQuery("select totp_secret, totp_enabled_at is not null as enabled, totp_last_step from users where id = $1", [
    userId,
  ]);
  if (row === undefined) throw new Error(`no user ${userId}`);
  return {
    sealed: typeof row.totp_secret === "string" ? row.totp_secret : null,
    enabled: row.enabled === true,
    lastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
  };
}

const recoveryCodeCount = (userId: string, used: boolean): Promise<number> =>
  ownerCount(`select count(*)::int as n from recovery_codes where user_id = $1 and used_at is ${used ? "not null" : "null"}`, [userId]);

const sessionCount = (userId: string, aal?: "aal1" | "aal2"): Promise<number> =>
  ownerCount("select count(*)::int as n from sessions where user_id = $1 and ($2::text is null or aal = $2)", [userId, aal ?? null]);

/** Decodes the access token of a session answer. */
const claimsOf = (session: SessionAnswer): Record<string, unknown> => jwtPayload(session.access_token);

const RECOVERY_CODE_SHAPE = /^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/;

// ── A route declared like a platform admin route (none exists yet) ─────────────────
const adminProbe = { calls: 0 };
const adminRoute = defineRoute(
  {
    method: "get",
    path: "/__p7/admin",
    responses: { 200: { description: "Admin only", content: { "application/json": { schema: z.object({ ok: z.literal(true) }) } } } },
  },
  { auth: { principals: ["user"], superAdmin: true } },
);
const adminRouter = createRouter();
adminRouter.openapi(adminRoute, (c) => {
  adminProbe.calls += 1;
  return c.json({ ok: true as const }, 200);
});
const adminApp = createApp({ modules: [{ basePath: "/", router: adminRouter }] });

function callAdmin(token: string | undefined): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": randomIp() };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return callApp(adminApp, "/__p7/admin", { headers });
}

describe("P7 TOTP enrolment", () => {
  it("P7: enrolment returns a base32 secret and an otpauth URL labelled with the account's address and issuer Rampart", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const enrolment = await c.enrol(session.access_token);
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits
    const url = new URL(enrolment.otpauth_url);
    expect(enrolment.otpauth_url.startsWith("otpauth://totp/")).toBe(true);
    expect(decodeURIComponent(url.pathname)).toBe(`/Rampart:${account.email}`);
    expect(url.searchParams.get("issuer")).toBe("Rampart");
    expect(url.searchParams.get("secret")).toBe(enrolment.secret);
    expect(url.searchParams.get("algorithm")).toBe("SHA1");
    expect(url.searchParams.get("digits")).toBe("6");
    expect(url.searchParams.get("period")).toBe("30");
    // Stored sealed, not as the secret itself; not yet required.
    const state = await totpState(await userIdOf(account.email));
    expect(state.sealed).not.toBeNull();
    expect(state.sealed).not.toContain(enrolment.secret);
    expect(state.enabled).toBe(false);
    expect(claimsOf(await c.loggedIn(account))).toMatchObject({ aal: "aal1" });
  });

  it("P7 (refuses): activation with a wrong code is refused with 401 invalid_mfa_code and TOTP stays off", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret } = await c.enrol(session.access_token);
    const activate = (code: string): Promise<Response> => c.send("/v1/auth/mfa/totp/activate", { code }, { token: session.access_token });
    await expectProblem(await activate(wrongCode(secret)), 401, "invalid_mfa_code");
    await expectProblem(await activate("abc"), 401, "invalid_mfa_code");
    await expectProblem(await activate("1".repeat(17)), 422, "validation_failed");
    const state = await totpState(userId);
    expect(state.enabled).toBe(false);
    expect(state.lastStep).toBeNull();
    expect(await recoveryCodeCount(userId, false)).toBe(0);
    // Login still gives a session, not an MFA challenge.
    const login = await c.login(account);
    expect(login.status).toBe(200);
    expect(await login.json()).toHaveProperty("access_token");
  });

  it("P7 (refuses): activation before enrolment is refused with 409 mfa_not_enrolled", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    await expectProblem(
      await c.send("/v1/auth/mfa/totp/activate", { code: "123456" }, { token: session.access_token }),
      409,
      "mfa_not_enrolled",
    );
    expect(await totpState(userId)).toEqual({ sealed: null, enabled: false, lastStep: null });
    expect(await recoveryCodeCount(userId, false)).toBe(0);
  });

  it("P7 (refuses): enrolling or activating again once TOTP is enabled is refused with 409 mfa_already_enabled", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret } = await c.withTotp(session.access_token);
    const before = await totpState(userId);
    const digests = await ownerQuery("select digest from recovery_codes where user_id = $1 order by digest", [userId]);
    await expectProblem(await c.send("/v1/auth/mfa/totp/enroll", undefined, { token: session.access_token }), 409, "mfa_already_enabled");
    await expectProblem(
      await c.send("/v1/auth/mfa/totp/activate", { code: stepCode(secret, currentStep() + 1) }, { token: session.access_token }),
      409,
      "mfa_already_enabled",
    );
    // The authenticator the user has keeps working: nothing was replaced.
    expect(await totpState(userId)).toEqual(before);
    expect(await ownerQuery("select digest from recovery_codes where user_id = $1 order by digest", [userId])).toEqual(digests);
  });

  it("P7: activation returns ten distinct recovery codes, stored only as digests", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(RECOVERY_CODE_SHAPE);
    const rows = await ownerQuery("select digest from recovery_codes where user_id = $1 and used_at is null", [userId]);
    expect(rows).toHaveLength(10);
    const stored = rows.map((row) => String(row.digest)).join(" ");
    for (const code of recoveryCodes) {
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(code.replaceAll("-", ""));
    }
    expect((await totpState(userId)).enabled).toBe(true);
  });
});

describe("P7 login with TOTP", () => {
  it("P7 (refuses): with TOTP on, login answers mfa_required with a single-use mfa_token and opens no session", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    await c.withTotp(session.access_token);
    const sessionsBefore = await sessionCount(userId);
    const login = await c.login(account);
    expect(login.status).toBe(200);
    expect(login.headers.get("set-cookie")).toBeNull();
    const body = await login.json<MfaChallengeAnswer & Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(["expires_in", "mfa_required", "mfa_token"]);
    expect(body).toMatchObject({ mfa_required: true, expires_in: 300 });
    expect(body).not.toHaveProperty("access_token");
    expect(body).not.toHaveProperty("refresh_token");
    // The account's keyed tag, a dot, 256 random bits.
    expect(body.mfa_token).toMatch(/^[\w-]{22}\.[\w-]{43}$/);
    expect(await sessionCount(userId)).toBe(sessionsBefore);
    // Five minutes, in the database too.
    expect(
      await ownerCount("select extract(epoch from expires_at - created_at)::int as n from mfa_challenges where user_id = $1", [userId]),
    ).toBe(300);
    // The challenge is stored as a keyed digest, not as the token.
    expect(await ownerCount("select count(*)::int as n from mfa_challenges where user_id = $1 and used_at is null", [userId])).toBe(1);
    expect(await ownerCount("select count(*)::int as n from mfa_challenges where digest = $1", [body.mfa_token])).toBe(0);
  });

  it("P7: the current step's code turns the mfa_token into an aal2 session whose token says amr pwd, otp, mfa", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    // Activated with the previous step's code (accepted as clock drift), so the current step is still unused.
    const { secret } = await c.withTotp(session.access_token, -1);
    const mfaToken = await c.mfaToken(account);
    const verified = await c.verifyMfa(mfaToken, stepCode(secret, currentStep()));
    expect(verified.status).toBe(200);
    const aal2 = await verified.json<SessionAnswer>();
    expect(aal2).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    expect(aal2.refresh_token).toMatch(/^rt_[\w-]{43}$/);
    expect(claimsOf(aal2)).toMatchObject({ sub: userId, sid: aal2.session_id, aal: "aal2", amr: ["pwd", "otp", "mfa"] });
    const me = await c.authed("/v1/auth/me", aal2.access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: userId, aal: "aal2", amr: ["pwd", "otp", "mfa"], mfa_enabled: true });
    const [row] = await ownerQuery("select aal, amr from sessions where id = $1", [aal2.session_id]);
    expect(row).toMatchObject({ aal: "aal2", amr: ["pwd", "otp", "mfa"] });
    // The first session, opened with the password alone, still says aal1.
    expect(claimsOf(session)).toMatchObject({ aal: "aal1", amr: ["pwd"] });
  });

  it("P7 (refuses): the time step used at activation cannot be used again at login", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret, activationStep } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    await expectProblem(await c.verifyMfa(mfaToken, stepCode(secret, activationStep)), 401, "invalid_mfa_code");
    expect(await sessionCount(userId, "aal2")).toBe(0);
    expect((await totpState(userId)).lastStep).toBe(activationStep);
    // A later step on the same challenge works: the refusal was about the code only.
    expect((await c.verifyMfa(mfaToken, stepCode(secret, activationStep + 1))).status).toBe(200);
  });

  it("P7 (refuses): a time step used at one login cannot be used by a second login", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret, activationStep } = await c.withTotp(session.access_token);
    const code = stepCode(secret, activationStep + 1);
    await c.mfaSession(account, code);
    const second = await c.mfaToken(account);
    await expectProblem(await c.verifyMfa(second, code), 401, "invalid_mfa_code");
    expect(await sessionCount(userId, "aal2")).toBe(1);
    expect((await totpState(userId)).lastStep).toBe(activationStep + 1);
  });

  it("P7 (refuses): a code from two steps away (±60 s) is refused", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret } = await c.withTotp(session.access_token);
    // Forget the activation's step as the owner, so only the ±1 window can refuse what follows.
    await ownerQuery("update users set totp_last_step = null where id = $1", [userId]);
    const mfaToken = await c.mfaToken(account);
    await awayFromStepEdge();
    const now = currentStep();
    await expectProblem(await c.verifyMfa(mfaToken, stepCode(secret, now + 2)), 401, "invalid_mfa_code");
    await expectProblem(await c.verifyMfa(mfaToken, stepCode(secret, now - 2)), 401, "invalid_mfa_code");
    expect(await sessionCount(userId, "aal2")).toBe(0);
    expect((await totpState(userId)).lastStep).toBeNull();
    // One step of drift is accepted (the same challenge, still unused).
    expect((await c.verifyMfa(mfaToken, stepCode(secret, now + 1))).status).toBe(200);
  });
});

describe("P7 recovery codes", () => {
  it("P7: a recovery code works once and gives an aal2 session with amr rcode", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const code = recoveryCodes[0] ?? "";
    const first = await c.mfaSession(account, code);
    const claims = claimsOf(first);
    expect(claims.aal).toBe("aal2");
    expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "rcode", "mfa"]));
    expect(claims.amr).not.toContain("otp");
    expect(await (await c.authed("/v1/auth/me", first.access_token)).json()).toMatchObject({ aal: "aal2" });
    expect(await recoveryCodeCount(userId, true)).toBe(1);
    const again = await c.mfaToken(account);
    await expectProblem(await c.verifyMfa(again, code), 401, "invalid_mfa_code");
    expect(await sessionCount(userId, "aal2")).toBe(1);
    expect(await recoveryCodeCount(userId, false)).toBe(9);
  });

  it("P7: recovery codes are accepted in any case and with or without dashes", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const [a = "", b = "", d = ""] = (await c.withTotp(session.access_token)).recoveryCodes;
    for (const typed of [a.toUpperCase(), b.replaceAll("-", ""), ` ${d.toUpperCase().replaceAll("-", " ")} `]) {
      const aal2 = await c.mfaSession(account, typed);
      expect(claimsOf(aal2)).toMatchObject({ aal: "aal2" });
    }
    expect(await recoveryCodeCount(userId, true)).toBe(3);
  });

  it("P7 (refuses): a wrong recovery code is refused with 401 invalid_mfa_code and consumes nothing", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    await expectProblem(await c.verifyMfa(mfaToken, recoveryCode()), 401, "invalid_mfa_code");
    expect(await sessionCount(userId, "aal2")).toBe(0);
    expect(await recoveryCodeCount(userId, true)).toBe(0);
    expect((await c.verifyMfa(mfaToken, recoveryCodes[0] ?? "")).status).toBe(200);
  });
});

describe("P7 the mfa_token", () => {
  it("P7 (refuses): an mfa_token is single-use: after a successful verify it is refused with 401 invalid_mfa_token", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret, recoveryCodes, activationStep } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    expect((await c.verifyMfa(mfaToken, recoveryCodes[0] ?? "")).status).toBe(200);
    await expectProblem(await c.verifyMfa(mfaToken, recoveryCodes[1] ?? ""), 401, "invalid_mfa_token");
    await expectProblem(await c.verifyMfa(mfaToken, stepCode(secret, activationStep + 1)), 401, "invalid_mfa_token");
    expect(await sessionCount(userId, "aal2")).toBe(1);
    expect(await recoveryCodeCount(userId, true)).toBe(1);
    expect((await totpState(userId)).lastStep).toBe(activationStep);
  });

  it("P7 (refuses): an expired mfa_token is refused with 401 invalid_mfa_token", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret, recoveryCodes, activationStep } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    await ownerQuery("update mfa_challenges set expires_at = now() - interval '1 second' where user_id = $1", [userId]);
    await expectProblem(await c.verifyMfa(mfaToken, stepCode(secret, activationStep + 1)), 401, "invalid_mfa_token");
    await expectProblem(await c.verifyMfa(mfaToken, recoveryCodes[0] ?? ""), 401, "invalid_mfa_token");
    expect(await sessionCount(userId, "aal2")).toBe(0);
    expect(await recoveryCodeCount(userId, true)).toBe(0);
    expect((await totpState(userId)).lastStep).toBe(activationStep);
  });

  it("P7 (refuses): garbage, oversized or missing mfa_tokens are refused with 401 or 422, never 500", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const cases: [body: Record<string, unknown>, status: number, code: string][] = [
      [{ mfa_token: "garbage", code: "123456" }, 401, "invalid_mfa_token"],
      [{ mfa_token: randomToken(), code: "123456" }, 401, "invalid_mfa_token"],
      [{ mfa_token: randomToken(), code: recoveryCodes[0] }, 401, "invalid_mfa_token"],
      // Other tokens of the same user are not MFA tokens.
      [{ mfa_token: session.refresh_token, code: recoveryCodes[0] }, 401, "invalid_mfa_token"],
      [{ mfa_token: session.access_token, code: recoveryCodes[0] }, 401, "invalid_mfa_token"],
      [{ mfa_token: "a".repeat(513), code: "123456" }, 422, "validation_failed"],
      [{ mfa_token: "", code: "123456" }, 422, "validation_failed"],
      [{ code: "123456" }, 422, "validation_failed"],
      [{ mfa_token: 123456, code: "123456" }, 422, "validation_failed"],
      [{ mfa_token: ["x"], code: "123456" }, 422, "validation_failed"],
    ];
    for (const [body, status, code] of cases) {
      // Each from its own address: the per-IP MFA limit (20) is not what this test is about.
      const res = await new IpClient().send("/v1/auth/mfa/verify", body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBeLessThan(500);
      await expectProblem(res, status, code);
    }
    expect(await sessionCount(userId, "aal2")).toBe(0);
    expect(await recoveryCodeCount(userId, true)).toBe(0);
  });

  it("P7 (refuses): garbage, oversized or missing codes are refused with 401 or 422, never 500, and the challenge survives", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    // Four refusals and one success: the per-account limit is five codes in five minutes.
    const cases: [code: unknown, status: number, errorCode: string][] = [
      ["12345", 401, "invalid_mfa_code"],
      ["１２３４５６", 401, "invalid_mfa_code"],
      ["x".repeat(64), 401, "invalid_mfa_code"],
      ["x".repeat(65), 422, "validation_failed"],
    ];
    for (const [code, status, errorCode] of cases) {
      const res = await c.send("/v1/auth/mfa/verify", { mfa_token: mfaToken, code });
      expect(res.status).toBeLessThan(500);
      await expectProblem(res, status, errorCode);
    }
    expect(await sessionCount(userId, "aal2")).toBe(0);
    expect((await c.verifyMfa(mfaToken, recoveryCodes[0] ?? "")).status).toBe(200);
    // Bodies without a usable code at all, on a fresh challenge of another account (this
    // account has spent its five attempts of the window).
    const d = new IpClient();
    const second = await d.signedIn();
    await d.withTotp(second.session.access_token);
    const other = await d.mfaToken(second.account);
    for (const body of [{ mfa_token: other }, { mfa_token: other, code: "" }, { mfa_token: other, code: 123456 }]) {
      await expectProblem(await new IpClient().send("/v1/auth/mfa/verify", body), 422, "validation_failed");
    }
    expect(await sessionCount(userId, "aal2")).toBe(1);
    expect(await sessionCount(await userIdOf(second.account.email), "aal2")).toBe(0);
  });

  it("P7 (refuses): one user's mfa_token cannot be completed with another user's TOTP or recovery code", async () => {
    const alice = new IpClient();
    const bob = new IpClient();
    const a = await alice.signedIn();
    const b = await bob.signedIn();
    const aliceId = await userIdOf(a.account.email);
    const bobId = await userIdOf(b.account.email);
    await alice.withTotp(a.session.access_token);
    const bobTotp = await bob.withTotp(b.session.access_token);
    const aliceToken = await alice.mfaToken(a.account);
    await expectProblem(await alice.verifyMfa(aliceToken, stepCode(bobTotp.secret, bobTotp.activationStep + 1)), 401, "invalid_mfa_code");
    await expectProblem(await alice.verifyMfa(aliceToken, bobTotp.recoveryCodes[0] ?? ""), 401, "invalid_mfa_code");
    expect(await sessionCount(aliceId, "aal2")).toBe(0);
    expect(await sessionCount(bobId, "aal2")).toBe(0);
    expect(await recoveryCodeCount(bobId, true)).toBe(0);
    expect((await totpState(bobId)).lastStep).toBe(bobTotp.activationStep);
    // Bob's codes are still his to use.
    expect(claimsOf(await bob.mfaSession(b.account, bobTotp.recoveryCodes[0] ?? ""))).toMatchObject({ sub: bobId, aal: "aal2" });
  });
});

describe("P7 races: a code sent twice at once", () => {
  it("P7 (refuses): the same TOTP code sent at once to two pending logins opens one session", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret, activationStep } = await c.withTotp(session.access_token);
    const first = await c.mfaToken(account);
    const second = await c.mfaToken(account);
    const code = stepCode(secret, activationStep + 1);
    const answers = await Promise.all([c.verifyMfa(first, code), c.verifyMfa(second, code)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 401]);
    expect(await sessionCount(userId, "aal2")).toBe(1);
  });

  it("P7 (refuses): the same recovery code sent at once to two pending logins opens one session", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const first = await c.mfaToken(account);
    const second = await c.mfaToken(account);
    const code = recoveryCodes[0] ?? "";
    const answers = await Promise.all([c.verifyMfa(first, code), c.verifyMfa(second, code)]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 401]);
    expect(await sessionCount(userId, "aal2")).toBe(1);
    expect(await recoveryCodeCount(userId, true)).toBe(1);
  });

  it("P7 (refuses): one mfa_token sent at once with two valid recovery codes opens one session and spends one code", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    const answers = await Promise.all([c.verifyMfa(mfaToken, recoveryCodes[0] ?? ""), c.verifyMfa(mfaToken, recoveryCodes[1] ?? "")]);
    expect(answers.map((res) => res.status).sort()).toEqual([200, 401]);
    const refused = answers.find((res) => res.status !== 200);
    if (refused !== undefined) await expectProblem(refused, 401, "invalid_mfa_token");
    expect(await sessionCount(userId, "aal2")).toBe(1);
    expect(await recoveryCodeCount(userId, true)).toBe(1);
  });
});

describe("P7 aal2 for sensitive changes", () => {
  it("P7 (refuses): removing TOTP with an aal1 session is refused with 403 mfa_required and TOTP stays on", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    await c.withTotp(session.access_token);
    const before = await totpState(userId);
    await expectProblem(await c.authed("/v1/auth/mfa/totp", session.access_token, "DELETE"), 403, "mfa_required");
    expect(await totpState(userId)).toEqual(before);
    expect(before.enabled).toBe(true);
    expect(await recoveryCodeCount(userId, false)).toBe(10);
    const login = await c.login(account);
    expect(await login.json()).toMatchObject({ mfa_required: true });
  });

  it("P7: removing TOTP with an aal2 session deletes the recovery codes, and login opens a session again", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const aal2 = await c.mfaSession(account, recoveryCodes[0] ?? "");
    const removed = await c.authed("/v1/auth/mfa/totp", aal2.access_token, "DELETE");
    expect(removed.status).toBe(204);
    expect(await totpState(userId)).toEqual({ sealed: null, enabled: false, lastStep: null });
    expect(await ownerCount("select count(*)::int as n from recovery_codes where user_id = $1", [userId])).toBe(0);
    const login = await c.login(account);
    expect(login.status).toBe(200);
    expect(claimsOf(await login.json<SessionAnswer>())).toMatchObject({ aal: "aal1", amr: ["pwd"] });
    await expectProblem(await c.authed("/v1/auth/mfa/totp", aal2.access_token, "DELETE"), 409, "mfa_not_enabled");
  });

  it("P7 (refuses): changing the password with an aal1 session while TOTP is on is refused with 403 mfa_required", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const hash = async (): Promise<unknown> =>
      (await ownerQuery("select password_hash from users where id = $1", [userId]))[0]?.password_hash;
    const before = await hash();
    const change = { current_password: account.password, new_password: `New ${crypto.randomUUID()} password` };
    await expectProblem(await c.send("/v1/auth/password", change, { token: session.access_token }), 403, "mfa_required");
    expect(await hash()).toBe(before);
    expect(await (await c.login(account)).json()).toMatchObject({ mfa_required: true });
    // With aal2 the same change goes through.
    const aal2 = await c.mfaSession(account, recoveryCodes[0] ?? "");
    expect((await c.send("/v1/auth/password", change, { token: aal2.access_token })).status).toBe(204);
    expect(await hash()).not.toBe(before);
  });
});

describe("P7 super administrators need aal2", () => {
  it("P7 (refuses): an admin route refuses a super administrator's aal1 token with 403 mfa_required", async () => {
    const calls = adminProbe.calls;
    await expectProblem(await callAdmin(await accessTokenFor({ superAdmin: true, aal: "aal1", amr: ["pwd"] })), 403, "mfa_required");
    await expectProblem(await callAdmin(undefined), 401, "authentication_required");
    expect(adminProbe.calls).toBe(calls);
  });

  it("P7 (refuses): an admin route refuses a non-administrator's aal2 token with 403 forbidden", async () => {
    const calls = adminProbe.calls;
    await expectProblem(
      await callAdmin(await accessTokenFor({ superAdmin: false, aal: "aal2", amr: ["pwd", "otp", "mfa"] })),
      403,
      "forbidden",
    );
    expect(adminProbe.calls).toBe(calls);
  });

  it("P7: an admin route accepts a super administrator's aal2 token", async () => {
    const calls = adminProbe.calls;
    const res = await callAdmin(await accessTokenFor({ superAdmin: true, aal: "aal2", amr: ["pwd", "otp", "mfa"] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(adminProbe.calls).toBe(calls + 1);
  });

  it("P7: a user made super administrator in the database gets adm: true in the access tokens of their next login", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    expect(claimsOf(session)).not.toHaveProperty("adm");
    await ownerQuery("update users set is_super_admin = true where id = $1", [userId]);
    const next = await c.loggedIn(account);
    expect(claimsOf(next)).toMatchObject({ sub: userId, aal: "aal1", adm: true });
    expect(await (await c.authed("/v1/auth/me", next.access_token)).json()).toMatchObject({ super_admin: true, aal: "aal1" });
    // The real aal1 token is still refused at an admin route; the aal2 one of an MFA login passes.
    await expectProblem(await callAdmin(next.access_token), 403, "mfa_required");
    const { recoveryCodes } = await c.withTotp(next.access_token);
    const aal2 = await c.mfaSession(account, recoveryCodes[0] ?? "");
    expect(claimsOf(aal2)).toMatchObject({ sub: userId, aal: "aal2", adm: true });
    expect((await callAdmin(aal2.access_token)).status).toBe(200);
  });
});

describe("P7 guessing the second factor", () => {
  it("P7 (refuses): code guesses are limited per account across logins: a new login's mfa_token brings no new attempts", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const { secret } = await c.withTotp(session.access_token);
    const first = await c.mfaToken(account);
    for (let i = 0; i < 5; i++) await expectProblem(await c.verifyMfa(first, wrongCode(secret)), 401, "invalid_mfa_code");
    // A second password step (from another address) hands out a fresh token of the same account.
    const second = await new IpClient().mfaToken(account);
    await expectProblem(await new IpClient().verifyMfa(second, wrongCode(secret)), 429, "rate_limited");
  });
});
