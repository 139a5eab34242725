/**
 * The identity flows end to end through the real worker: sign up, verify, log in,
 * use the session, refresh, enrol TOTP, log in with MFA, log out.
 */
import { describe, expect, it } from "vitest";
import { expectProblem } from "../../helpers/expect";
import {
  authed,
  loggedIn,
  nextStepCode,
  send,
  signedIn,
  signedUp,
  verifiedAccount,
  withTotp,
  type SessionAnswer,
} from "../../helpers/identity";

describe("identity flows", () => {
  it("signs up, verifies, logs in, reads /me, refreshes and logs out", async () => {
    const unverified = await signedUp();
    await expectProblem(
      await send("/v1/auth/login", { email: unverified.email, password: unverified.password }),
      403,
      "email_not_verified",
    );
    const account = await verifiedAccount();
    const session = await loggedIn(account);
    expect(session).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const me = await authed("/v1/auth/me", session.access_token);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: account.email, aal: "aal1", amr: ["pwd"], mfa_enabled: false, memberships: [] });
    const refreshed = await send("/v1/auth/token/refresh", { refresh_token: session.refresh_token });
    expect(refreshed.status).toBe(200);
    const next = await refreshed.json<SessionAnswer>();
    expect(next.refresh_token).not.toBe(session.refresh_token);
    expect(next.session_id).toBe(session.session_id);
    expect((await send("/v1/auth/logout", undefined, { token: next.access_token })).status).toBe(204);
    await expectProblem(await authed("/v1/auth/me", next.access_token), 401, "invalid_token");
  });

  it("enrols TOTP and then needs it at login", async () => {
    const { account, session } = await signedIn();
    const { secret, recoveryCodes } = await withTotp(session.access_token);
    expect(recoveryCodes).toHaveLength(10);
    const login = await send("/v1/auth/login", { email: account.email, password: account.password });
    expect(login.status).toBe(200);
    const challenge = await login.json<{ mfa_required: boolean; mfa_token: string }>();
    expect(challenge.mfa_required).toBe(true);
    // The next step's code: the activation may have used the current one (replays: p07-mfa.test.ts).
    const verified = await send("/v1/auth/mfa/verify", { mfa_token: challenge.mfa_token, code: nextStepCode(secret) });
    expect(verified.status).toBe(200);
    const aal2 = await verified.json<SessionAnswer>();
    const me = await authed("/v1/auth/me", aal2.access_token);
    expect(await me.json()).toMatchObject({ aal: "aal2", amr: ["pwd", "otp", "mfa"], mfa_enabled: true });
  });
});
