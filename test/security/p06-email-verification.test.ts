/**
 * P6 Email verification. The attacks: signing up with someone else's address and
 * using the account before its owner could object (or pre-registering it to hijack
 * it later), replaying or guessing a verification or reset link, using a link after
 * it expired or after a newer one was sent, reading live links out of a database
 * dump, and probing the sign-up, resend and reset endpoints to learn which addresses
 * have accounts. Everything goes through the real worker with the email capture
 * stand-in, and is checked in the database as its owner.
 */
import { describe, expect, it } from "vitest";
import { BREACHED_TEST_PASSWORDS } from "../stack/hibp-range/test-passwords";
import {
  authRequest,
  confirmReset,
  emailedToken,
  emailTokensOf,
  expectStatus,
  expireEmailTokens,
  logIn,
  newAccount,
  ownerQuery,
  sessionOf,
  signedUpAccount,
  signUp,
  SUBJECTS,
  usersWithEmail,
  userWithEmail,
  verifiedAccount,
  verifyEmail,
  whereStored,
} from "../helpers/auth-requests";
import { expectProblem } from "../helpers/expect";
import { emailsTo, strongPassword, waitForEmail } from "../helpers/identity";

/** Sessions the owner sees for a user. */
async function sessionCount(userId: string): Promise<number> {
  const [row] = await ownerQuery("select count(*)::int as n from sessions where user_id = $1", userId);
  return Number(row?.n);
}

/** `POST /v1/auth/password-reset/request`, after-response work (the email) finished. */
function requestReset(email: string): Promise<Response> {
  return authRequest("/v1/auth/password-reset/request", { email }, { settled: true });
}

/** `POST /v1/auth/verify-email/resend`, after-response work (the email) finished. */
function resendVerification(email: string): Promise<Response> {
  return authRequest("/v1/auth/verify-email/resend", { email }, { settled: true });
}

/** Status, content type and body text: what a client can compare between two answers. */
async function visible(res: Response): Promise<{ status: number; type: string | null; body: string }> {
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

describe("P6 no session before verification", { timeout: 30_000 }, () => {
  it("P6 (refuses): the right password on an unverified address is 403 email_not_verified and starts no session", async () => {
    const account = await signedUpAccount();
    await expectProblem(await logIn(account.email, account.password), 403, "email_not_verified");
    const user = await userWithEmail(account.email);
    expect(user.email_verified).toBe(false);
    expect(await sessionCount(user.id)).toBe(0);
  });

  it("P6 (refuses): a wrong password on an unverified address is 401 invalid_credentials: the 403 only follows a correct password", async () => {
    const account = await signedUpAccount();
    await expectProblem(await logIn(account.email, `${account.password}-wrong`), 401, "invalid_credentials");
    expect(await sessionCount((await userWithEmail(account.email)).id)).toBe(0);
  });

  it("P6: once the link is used, the same password gets a session", async () => {
    const account = await signedUpAccount();
    await expectStatus(await verifyEmail(account.verifyToken), 200, "verify-email");
    expect((await userWithEmail(account.email)).email_verified).toBe(true);
    const session = await sessionOf(account);
    expect(session.token_type).toBe("Bearer");
  });
});

describe("P6 verification links", { timeout: 30_000 }, () => {
  it("P6 (refuses): a verification link works once; the second use is 400 invalid_email_token", async () => {
    const account = await signedUpAccount();
    const first = await verifyEmail(account.verifyToken);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ status: "verified" });
    await expectProblem(await verifyEmail(account.verifyToken), 400, "invalid_email_token");
    const [token] = await emailTokensOf((await userWithEmail(account.email)).id, "verify_email");
    expect(token?.used).toBe(true);
  });

  it("P6 (refuses): the same verification link used twice at once verifies once: one 200, one 400", async () => {
    const account = await signedUpAccount();
    const answers = await Promise.all([verifyEmail(account.verifyToken), verifyEmail(account.verifyToken)]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400]);
    const refused = answers.find((r) => r.status === 400);
    if (refused) await expectProblem(refused, 400, "invalid_email_token");
    expect((await userWithEmail(account.email)).email_verified).toBe(true);
  });

  it("P6 (refuses): a verification link lives 24 hours, and an expired one is 400 and leaves the address unverified", async () => {
    const account = await signedUpAccount();
    const user = await userWithEmail(account.email);
    const [token] = await emailTokensOf(user.id, "verify_email");
    expect(token?.lifetimeSeconds).toBe(24 * 3600);
    await expireEmailTokens(user.id, "verify_email");
    await expectProblem(await verifyEmail(account.verifyToken), 400, "invalid_email_token");
    expect((await userWithEmail(account.email)).email_verified).toBe(false);
    await expectProblem(await logIn(account.email, account.password), 403, "email_not_verified");
  });

  it.each([
    ["a short garbage string", "not-a-token", 400, "invalid_email_token"],
    ["a well-formed token nobody was sent", "A".repeat(43), 400, "invalid_email_token"],
    ["a refresh-token-shaped string", `rt_${"B".repeat(43)}`, 400, "invalid_email_token"],
    ["512 characters", "c".repeat(512), 400, "invalid_email_token"],
    ["513 characters (oversized)", "c".repeat(513), 422, "validation_failed"],
    ["100 kB (oversized)", "d".repeat(100_000), 413, "payload_too_large"],
    ["an empty string", "", 422, "validation_failed"],
    ["a number", 12345, 422, "validation_failed"],
    ["null", null, 422, "validation_failed"],
    ["an object", { token: "x" }, 422, "validation_failed"],
    ["non-ASCII text", "ünïcødé-🔑-token", 400, "invalid_email_token"],
  ] as const)(
    "P6 (refuses): a verification token that is %s is refused with a 4xx problem, never a 500",
    async (_label, token, status, code) => {
      await expectProblem(await verifyEmail(token), status, code);
    },
  );

  it("P6 (refuses): a missing or non-JSON body is a 4xx problem, never a 500", async () => {
    await expectProblem(await authRequest("/v1/auth/verify-email", {}), 422, "validation_failed");
    const notJson = await authRequest("/v1/auth/verify-email", undefined, { headers: { "content-type": "application/json" } });
    expect(notJson.status).toBeGreaterThanOrEqual(400);
    expect(notJson.status).toBeLessThan(500);
  });

  it("P6: a verification token is stored only as a digest: no column of any table holds its text", async () => {
    const account = await signedUpAccount();
    const user = await userWithEmail(account.email);
    const [token] = await emailTokensOf(user.id, "verify_email");
    expect(token?.digest).toMatch(/^[\w-]{43}$/);
    expect(token?.digest).not.toBe(account.verifyToken);
    expect(await whereStored({ verification_token: account.verifyToken })).toEqual([]);
    // The search does find what is stored (the address), so an empty answer above means something.
    expect(await whereStored({ email: account.email })).toContain("email in public.users.email");
    await expectStatus(await verifyEmail(account.verifyToken), 200, "verify-email");
    expect(await whereStored({ verification_token: account.verifyToken })).toEqual([]);
  });

  it("P6 (refuses): a reset token does not verify an address, and a verification token does not reset a password", async () => {
    const account = await signedUpAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const resetToken = await emailedToken(account.email, SUBJECTS.reset);
    await expectProblem(await verifyEmail(resetToken), 400, "invalid_email_token");
    await expectProblem(await confirmReset(account.verifyToken, strongPassword()), 400, "invalid_email_token");
    const user = await userWithEmail(account.email);
    expect(user.email_verified).toBe(false);
    expect((await emailTokensOf(user.id, "verify_email")).map((t) => t.used)).toEqual([false]);
    expect((await emailTokensOf(user.id, "password_reset")).map((t) => t.used)).toEqual([false]);
  });
});

describe("P6 signing up again", { timeout: 30_000 }, () => {
  it("P6 (refuses): signing up with a verified address answers exactly like a new sign-up, emails the owner, creates nothing and keeps the old password", async () => {
    const owner = await verifiedAccount();
    const before = await userWithEmail(owner.email);
    const intruder = { ...owner, password: strongPassword(), name: "Intruder" };
    const again = await visible(await signUp(intruder));
    const fresh = await visible(await signUp(newAccount()));
    expect(again).toEqual(fresh);
    expect(again).toEqual({ status: 201, type: "application/json", body: JSON.stringify({ status: "accepted" }) });

    const notice = await waitForEmail(owner.email, SUBJECTS.existing);
    expect(notice.text ?? "").not.toMatch(/token=/);
    expect((await emailsTo(owner.email)).filter((m) => SUBJECTS.verify.test(m.subject))).toHaveLength(1);

    const users = await usersWithEmail(owner.email);
    expect(users).toHaveLength(1);
    expect(users[0]?.id).toBe(before.id);
    expect(users[0]?.password_hash).toBe(before.password_hash);
    expect((await logIn(owner.email, owner.password)).status).toBe(200);
    await expectProblem(await logIn(owner.email, intruder.password), 401, "invalid_credentials");
  });

  it("P6 (refuses): the verified address in another case or with spaces around it is the same account: same answer, owner emailed, no new row", async () => {
    const owner = await verifiedAccount();
    const variant = { ...owner, email: `  ${owner.email.toUpperCase()} `, password: strongPassword() };
    expect(await visible(await signUp(variant))).toEqual({
      status: 201,
      type: "application/json",
      body: JSON.stringify({ status: "accepted" }),
    });
    await waitForEmail(owner.email, SUBJECTS.existing);
    const [row] = await ownerQuery("select count(*)::int as n from users where lower(btrim(email)) = $1", owner.email);
    expect(Number(row?.n)).toBe(1);
    await expectProblem(await logIn(owner.email, variant.password), 401, "invalid_credentials");
    expect((await logIn(owner.email, owner.password)).status).toBe(200);
  });

  it("P6: signing up again with an unverified address replaces it: the old link and the old password stop working", async () => {
    const first = await signedUpAccount();
    const second = { ...first, password: strongPassword(), name: "Second" };
    await expectStatus(await signUp(second), 201, "second signup");
    const secondToken = await emailedToken(first.email, SUBJECTS.verify, 2);
    expect(secondToken).not.toBe(first.verifyToken);
    expect(await usersWithEmail(first.email)).toHaveLength(1);

    await expectProblem(await verifyEmail(first.verifyToken), 400, "invalid_email_token");
    await expectStatus(await verifyEmail(secondToken), 200, "verify-email");
    await expectProblem(await logIn(first.email, first.password), 401, "invalid_credentials");
    expect((await logIn(first.email, second.password)).status).toBe(200);
  });
});

describe("P6 resending a verification link", { timeout: 30_000 }, () => {
  it("P6: resend answers 202 alike for unknown, unverified and verified addresses, and emails only the unverified one", async () => {
    const unknown = newAccount().email;
    const unverified = await signedUpAccount();
    const verified = await verifiedAccount();
    const answers = [
      await resendVerification(unknown),
      await resendVerification(unverified.email),
      await resendVerification(verified.email),
    ];
    const seen = await Promise.all(answers.map(visible));
    for (const answer of seen)
      expect(answer).toEqual({ status: 202, type: "application/json", body: JSON.stringify({ status: "accepted" }) });

    // The requests ran to the end of their after-response work: what was going to be sent has been.
    expect(await emailsTo(unknown)).toEqual([]);
    expect((await emailsTo(verified.email)).filter((m) => SUBJECTS.verify.test(m.subject))).toHaveLength(1);
    await waitForEmail(unverified.email, SUBJECTS.verify, 2);
    expect(await usersWithEmail(unknown)).toEqual([]);
  });

  it("P6: a resent link replaces the previous one: the old link stops working and the new one verifies", async () => {
    const account = await signedUpAccount();
    expect((await resendVerification(account.email)).status).toBe(202);
    const newer = await emailedToken(account.email, SUBJECTS.verify, 2);
    expect(newer).not.toBe(account.verifyToken);
    await expectProblem(await verifyEmail(account.verifyToken), 400, "invalid_email_token");
    expect((await userWithEmail(account.email)).email_verified).toBe(false);
    await expectStatus(await verifyEmail(newer), 200, "verify-email");
    expect((await logIn(account.email, account.password)).status).toBe(200);
  });

  it("P6 (refuses): resend with an invalid address is 422 validation_failed, never a 500", async () => {
    await expectProblem(await authRequest("/v1/auth/verify-email/resend", { email: "not an address" }), 422, "validation_failed");
    await expectProblem(await authRequest("/v1/auth/verify-email/resend", {}), 422, "validation_failed");
  });
});

describe("P6 password reset", { timeout: 30_000 }, () => {
  it("P6: a reset request answers 202 alike for unknown and known addresses and emails only the known one", async () => {
    const unknown = newAccount().email;
    const known = await verifiedAccount();
    const a = await visible(await requestReset(unknown));
    const b = await visible(await requestReset(known.email));
    expect(a).toEqual(b);
    expect(a).toEqual({ status: 202, type: "application/json", body: JSON.stringify({ status: "accepted" }) });
    expect(await emailsTo(unknown)).toEqual([]);
    await waitForEmail(known.email, SUBJECTS.reset);
    expect(await usersWithEmail(unknown)).toEqual([]);
  });

  it("P6 (refuses): a reset link lives one hour, sets the password once, and its second use is 400 invalid_email_token", async () => {
    const account = await verifiedAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const token = await emailedToken(account.email, SUBJECTS.reset);
    const user = await userWithEmail(account.email);
    const [stored] = await emailTokensOf(user.id, "password_reset");
    expect(stored?.lifetimeSeconds).toBe(3600);

    const newPassword = strongPassword();
    expect((await confirmReset(token, newPassword)).status).toBe(204);
    await expectProblem(await logIn(account.email, account.password), 401, "invalid_credentials");
    expect((await logIn(account.email, newPassword)).status).toBe(200);

    const third = strongPassword();
    await expectProblem(await confirmReset(token, third), 400, "invalid_email_token");
    await expectProblem(await logIn(account.email, third), 401, "invalid_credentials");
  });

  it("P6 (refuses): the same reset link used twice at once sets one password: one 204, one 400, and only that password works", async () => {
    const account = await verifiedAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const token = await emailedToken(account.email, SUBJECTS.reset);
    const passwords = [strongPassword(), strongPassword()];
    const answers = await Promise.all(passwords.map((p) => confirmReset(token, p)));
    expect(answers.map((r) => r.status).sort()).toEqual([204, 400]);
    const winner = answers[0]?.status === 204 ? 0 : 1;
    const refused = answers[1 - winner];
    if (refused) await expectProblem(refused, 400, "invalid_email_token");
    expect((await logIn(account.email, passwords[winner] ?? "")).status).toBe(200);
    await expectProblem(await logIn(account.email, passwords[1 - winner] ?? ""), 401, "invalid_credentials");
  });

  it("P6 (refuses): an expired reset link is 400 invalid_email_token and the password is unchanged", async () => {
    const account = await verifiedAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const token = await emailedToken(account.email, SUBJECTS.reset);
    const user = await userWithEmail(account.email);
    await expireEmailTokens(user.id, "password_reset");
    await expectProblem(await confirmReset(token, strongPassword()), 400, "invalid_email_token");
    expect((await userWithEmail(account.email)).password_hash).toBe(user.password_hash);
    expect((await logIn(account.email, account.password)).status).toBe(200);
  });

  it("P6 (refuses): a breached new password is 422 breached_password and leaves the reset link unused", async () => {
    const account = await verifiedAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const token = await emailedToken(account.email, SUBJECTS.reset);
    const user = await userWithEmail(account.email);
    await expectProblem(await confirmReset(token, BREACHED_TEST_PASSWORDS[0]), 422, "breached_password");
    await expectProblem(await confirmReset(token, "short"), 422, "validation_failed");
    expect((await emailTokensOf(user.id, "password_reset")).map((t) => t.used)).toEqual([false]);
    expect((await userWithEmail(account.email)).password_hash).toBe(user.password_hash);
    // Still usable with an acceptable password.
    const newPassword = strongPassword();
    expect((await confirmReset(token, newPassword)).status).toBe(204);
    expect((await logIn(account.email, newPassword)).status).toBe(200);
  });

  it("P6: a reset link verifies an address that was not verified yet", async () => {
    const account = await signedUpAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const token = await emailedToken(account.email, SUBJECTS.reset);
    const newPassword = strongPassword();
    expect((await confirmReset(token, newPassword)).status).toBe(204);
    expect((await userWithEmail(account.email)).email_verified).toBe(true);
    expect((await logIn(account.email, newPassword)).status).toBe(200);
  });

  it("P6 (refuses): a newer reset link makes the older one stop working", async () => {
    const account = await verifiedAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const older = await emailedToken(account.email, SUBJECTS.reset);
    expect((await requestReset(account.email)).status).toBe(202);
    const newer = await emailedToken(account.email, SUBJECTS.reset, 2);
    await expectProblem(await confirmReset(older, strongPassword()), 400, "invalid_email_token");
    const newPassword = strongPassword();
    expect((await confirmReset(newer, newPassword)).status).toBe(204);
    expect((await logIn(account.email, newPassword)).status).toBe(200);
  });

  it("P6: a reset token is stored only as a digest: no column of any table holds its text", async () => {
    const account = await verifiedAccount();
    expect((await requestReset(account.email)).status).toBe(202);
    const token = await emailedToken(account.email, SUBJECTS.reset);
    const [stored] = await emailTokensOf((await userWithEmail(account.email)).id, "password_reset");
    expect(stored?.digest).toMatch(/^[\w-]{43}$/);
    expect(stored?.digest).not.toBe(token);
    expect(await whereStored({ reset_token: token })).toEqual([]);
  });

  it.each([
    ["a short garbage string", "garbage", 400, "invalid_email_token"],
    ["a well-formed token nobody was sent", "Z".repeat(43), 400, "invalid_email_token"],
    ["513 characters (oversized)", "e".repeat(513), 422, "validation_failed"],
    ["an empty string", "", 422, "validation_failed"],
    ["a number", 42, 422, "validation_failed"],
  ] as const)("P6 (refuses): a reset token that is %s is refused with a 4xx problem, never a 500", async (_label, token, status, code) => {
    await expectProblem(await confirmReset(token, strongPassword()), status, code);
  });

  it("P6 (refuses): a reset request with an invalid address is 422 validation_failed, never a 500", async () => {
    await expectProblem(await authRequest("/v1/auth/password-reset/request", { email: "nobody" }), 422, "validation_failed");
    await expectProblem(await authRequest("/v1/auth/password-reset/request", { email: 7 }), 422, "validation_failed");
  });
});
