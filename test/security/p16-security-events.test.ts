/**
 * P16 Security events, for identity: sign-ups, logins (success and failure), MFA,
 * password and session changes are logged at once as structured security events and
 * stored in `security_events` after the response, with no password, token or secret
 * in any log line or stored detail.
 *
 * Attacks covered:
 * - credential stuffing and brute force going unseen: every failed login is a
 *   `login_failed` event with its reason (and its actor when the address exists), and
 *   every refused second factor an `mfa_failed` (wrong code, replay);
 * - a stolen refresh token replayed after the legitimate client rotated it: the reuse
 *   is a `refresh_token_reused` event (the session is revoked);
 * - account takeover steps (TOTP removed, recovery code spent, password changed or
 *   reset, sessions revoked) leaving no trace;
 * - the audit trail itself leaking what it protects: logs and stored details are
 *   searched for every password, access, refresh, email-link and MFA token, recovery
 *   code, the TOTP secret and the raw client address a full flow handled. The
 *   address is stored only as a keyed hash (checked against an independent
 *   WebCrypto computation).
 *
 * Events are read as the owner (behind RLS), polling briefly: they are stored after
 * the response. Every account and client address is unique (IpClient).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { totpCode } from "../helpers/totp";
import { SECURITY_EVENT_PREFIX, SECURITY_EVENTS, type SecurityEventType } from "../../src/lib/security-events";
import { expectProblem } from "../helpers/expect";
import { linkToken, newEmail, strongPassword, userIdOf, waitForEmail, type SessionAnswer } from "../helpers/identity";
import {
  eventsOfRequests,
  eventsOfUser,
  IpClient,
  requestIdOf,
  stepCode,
  waitForEvent,
  wrongCode,
  type StoredEvent,
} from "../helpers/identity-ip";
import { captureLogs, type LogLine } from "../helpers/logs";
import { callApp, envWith, testEnv } from "../helpers/worker";

const utf8 = new TextEncoder();

/** The stored hash of a client address, computed independently: HMAC-SHA-256 under IDENTIFIER_HASH_SECRET of `ip\0<address>`, 128 bits, base64url. */
async function expectedIpHash(ip: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    utf8.encode(testEnv.IDENTIFIER_HASH_SECRET ?? ""),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8.encode(`ip\u0000${ip}`)));
  return btoa(String.fromCharCode(...mac.slice(0, 16)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Waits for the `type` event of `response` and checks what every stored identity event must be. */
async function storedEvent(
  response: Response,
  type: SecurityEventType,
  client: IpClient,
  actor: string | null,
): Promise<StoredEvent & { details: Record<string, unknown> }> {
  const event = await waitForEvent(response, type);
  expect(event.severity).toBe(SECURITY_EVENTS[type].severity);
  expect(["info", "warning"]).toContain(event.severity);
  expect(event.actor_user_id).toBe(actor);
  expect(event.org_id).toBeNull();
  expect(event.ip_hash).toBe(await expectedIpHash(client.ip));
  expect(event.ip_hash).not.toContain(client.ip);
  return event;
}

describe("P16 sign-up and login events", () => {
  it("P16: a sign-up is stored as a signup event with its actor", async () => {
    const c = new IpClient();
    const { account, response } = await c.signUp();
    const event = await storedEvent(response, "signup", c, await userIdOf(account.email));
    expect(event.details).toEqual({ replaced_unverified: false });
  });

  it("P16: a new sign-up taking over an unverified address is stored as signup with replaced_unverified", async () => {
    const c = new IpClient();
    const { account } = await c.signUp();
    const again = await c.send("/v1/auth/signup", { ...account, password: strongPassword() });
    expect(again.status).toBe(201);
    const event = await storedEvent(again, "signup", c, await userIdOf(account.email));
    expect(event.details).toEqual({ replaced_unverified: true });
  });

  it("P16: a sign-up with an address that already has a verified account is stored as signup_existing_account", async () => {
    const c = new IpClient();
    const account = await c.verifiedAccount();
    const again = await c.send("/v1/auth/signup", { ...account, password: strongPassword() });
    expect(again.status).toBe(201);
    await storedEvent(again, "signup_existing_account", c, await userIdOf(account.email));
    expect((await eventsOfRequests([requestIdOf(again)])).map((e) => e.type)).toEqual(["signup_existing_account"]);
  });

  it("P16: a successful login is stored as login_succeeded with its actor", async () => {
    const c = new IpClient();
    const account = await c.verifiedAccount();
    const login = await c.login(account);
    expect(login.status).toBe(200);
    const event = await storedEvent(login, "login_succeeded", c, await userIdOf(account.email));
    expect(event.details).toMatchObject({ aal: "aal1" });
  });

  it("P16: a login with an unknown address is stored as login_failed, reason unknown_email, without an actor", async () => {
    const c = new IpClient();
    const login = await c.send("/v1/auth/login", { email: newEmail("nobody"), password: strongPassword() });
    await expectProblem(login, 401, "invalid_credentials");
    const event = await storedEvent(login, "login_failed", c, null);
    expect(event.details).toEqual({ reason: "unknown_email" });
  });

  it("P16: a login with a wrong password is stored as login_failed, reason wrong_password, with its actor", async () => {
    const c = new IpClient();
    const account = await c.verifiedAccount();
    const login = await c.login(account, strongPassword());
    await expectProblem(login, 401, "invalid_credentials");
    const event = await storedEvent(login, "login_failed", c, await userIdOf(account.email));
    expect(event.details).toEqual({ reason: "wrong_password" });
  });

  it("P16: a wrong current password at a password change is stored as login_failed, reason wrong_password", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const change = await c.send(
      "/v1/auth/password",
      { current_password: strongPassword(), new_password: strongPassword() },
      { token: session.access_token },
    );
    await expectProblem(change, 401, "invalid_credentials");
    const event = await storedEvent(change, "login_failed", c, await userIdOf(account.email));
    expect(event.details).toEqual({ reason: "wrong_password", during: "password_change" });
  });

  it("P16: a right password on an unverified address is stored as login_failed, reason email_not_verified", async () => {
    const c = new IpClient();
    const { account } = await c.signUp();
    const login = await c.login(account);
    await expectProblem(login, 403, "email_not_verified");
    const event = await storedEvent(login, "login_failed", c, await userIdOf(account.email));
    expect(event.details).toEqual({ reason: "email_not_verified" });
  });
});

describe("P16 MFA events", () => {
  it("P16: TOTP activation is stored as mfa_enrolled, and a wrong activation code as mfa_failed", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret } = await c.enrol(session.access_token);
    const wrong = await c.send("/v1/auth/mfa/totp/activate", { code: wrongCode(secret) }, { token: session.access_token });
    await expectProblem(wrong, 401, "invalid_mfa_code");
    const failed = await storedEvent(wrong, "mfa_failed", c, userId);
    expect(failed.details).toMatchObject({ reason: "wrong_code" });
    const right = await c.send("/v1/auth/mfa/totp/activate", { code: totpCode(secret) }, { token: session.access_token });
    expect(right.status).toBe(200);
    const enrolled = await storedEvent(right, "mfa_enrolled", c, userId);
    expect(enrolled.details).toEqual({ method: "totp" });
  });

  it("P16: a TOTP login is stored as mfa_verified (method totp); wrong and replayed codes as mfa_failed", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { secret, activationStep } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    const wrong = await c.verifyMfa(mfaToken, wrongCode(secret));
    await expectProblem(wrong, 401, "invalid_mfa_code");
    expect((await storedEvent(wrong, "mfa_failed", c, userId)).details).toEqual({ reason: "wrong_code" });
    const replayed = await c.verifyMfa(mfaToken, stepCode(secret, activationStep));
    await expectProblem(replayed, 401, "invalid_mfa_code");
    expect((await storedEvent(replayed, "mfa_failed", c, userId)).details).toEqual({ reason: "replayed" });
    const verified = await c.verifyMfa(mfaToken, stepCode(secret, activationStep + 1));
    expect(verified.status).toBe(200);
    expect((await storedEvent(verified, "mfa_verified", c, userId)).details).toEqual({ method: "totp" });
  });

  it("P16: a recovery-code login is stored as mfa_verified (method recovery_code) and recovery_code_used; a wrong one as mfa_failed", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    const wrong = await c.verifyMfa(mfaToken, "abcde-fghjk-mnpqr");
    await expectProblem(wrong, 401, "invalid_mfa_code");
    expect((await storedEvent(wrong, "mfa_failed", c, userId)).details).toEqual({ reason: "invalid_recovery_code" });
    const verified = await c.verifyMfa(mfaToken, recoveryCodes[0] ?? "");
    expect(verified.status).toBe(200);
    expect((await storedEvent(verified, "mfa_verified", c, userId)).details).toEqual({ method: "recovery_code" });
    await storedEvent(verified, "recovery_code_used", c, userId);
  });

  it("P16: a used recovery code's event says how many codes remain, as the vocabulary documents", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const mfaToken = await c.mfaToken(account);
    const verified = await c.verifyMfa(mfaToken, recoveryCodes[0] ?? "");
    expect(verified.status).toBe(200);
    const event = await storedEvent(verified, "recovery_code_used", c, await userIdOf(account.email));
    expect(event.details).toMatchObject({ remaining: 9 });
  });

  it("P16: removing TOTP is stored as mfa_disabled", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const { recoveryCodes } = await c.withTotp(session.access_token);
    const aal2 = await c.mfaSession(account, recoveryCodes[0] ?? "");
    const removed = await c.authed("/v1/auth/mfa/totp", aal2.access_token, "DELETE");
    expect(removed.status).toBe(204);
    expect((await storedEvent(removed, "mfa_disabled", c, userId)).details).toEqual({ method: "totp" });
  });
});

describe("P16 session and password events", () => {
  it("P16: a rotated refresh token presented after the grace window is stored as refresh_token_reused", async () => {
    const app = createApp();
    const noGrace = envWith({ REFRESH_REUSE_GRACE_SECONDS: "0" });
    const c = new IpClient(undefined, (target, init) => callApp(app, target, init, noGrace));
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const rotated = await c.send("/v1/auth/token/refresh", { refresh_token: session.refresh_token });
    expect(rotated.status).toBe(200);
    const reused = await c.send("/v1/auth/token/refresh", { refresh_token: session.refresh_token });
    await expectProblem(reused, 401, "invalid_refresh_token");
    const event = await storedEvent(reused, "refresh_token_reused", c, userId);
    expect(event.details).toEqual({ session_id: session.session_id });
    // The successor the legitimate client got dies with the session.
    const successor = await rotated.json<SessionAnswer>();
    await expectProblem(await c.send("/v1/auth/token/refresh", { refresh_token: successor.refresh_token }), 401, "invalid_refresh_token");
  });

  it("P16: logging out and revoking a session are stored as session_revoked with reasons logout and user", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const other = await c.loggedIn(account);
    const revoked = await c.authed(`/v1/auth/sessions/${other.session_id}`, session.access_token, "DELETE");
    expect(revoked.status).toBe(204);
    expect((await storedEvent(revoked, "session_revoked", c, userId)).details).toEqual({ reason: "user", session_id: other.session_id });
    const logout = await c.send("/v1/auth/logout", undefined, { token: session.access_token });
    expect(logout.status).toBe(204);
    expect((await storedEvent(logout, "session_revoked", c, userId)).details).toEqual({ reason: "logout", session_id: session.session_id });
  });

  it("P16: a password change is stored as password_changed with the number of sessions it revoked", async () => {
    const c = new IpClient();
    const { account, session } = await c.signedIn();
    const userId = await userIdOf(account.email);
    await c.loggedIn(account);
    const change = await c.send(
      "/v1/auth/password",
      { current_password: account.password, new_password: strongPassword() },
      { token: session.access_token },
    );
    expect(change.status).toBe(204);
    expect((await storedEvent(change, "password_changed", c, userId)).details).toEqual({ sessions_revoked: 1 });
  });

  it("P16: a reset link request and a reset are stored as password_reset_requested and password_reset", async () => {
    const c = new IpClient();
    const { account } = await c.signedIn();
    const userId = await userIdOf(account.email);
    const request = await c.send("/v1/auth/password-reset/request", { email: account.email });
    expect(request.status).toBe(202);
    await storedEvent(request, "password_reset_requested", c, userId);
    const token = linkToken(await waitForEmail(account.email, /reset/i));
    const reset = await c.send("/v1/auth/password-reset/confirm", { token, new_password: strongPassword() });
    expect(reset.status).toBe(204);
    expect((await storedEvent(reset, "password_reset", c, userId)).details).toEqual({ sessions_revoked: 1 });
  });
});

describe("P16 nothing secret in the trail of a full flow", () => {
  /** Everything secret the flow handles, and every answer's request id. */
  const secrets: { label: string; value: string }[] = [];
  const requestIds: string[] = [];
  const flow = { ip: "", userId: "", lines: [] as LogLine[], raw: [] as string[] };
  let logs: ReturnType<typeof captureLogs> | undefined;

  const keep = (label: string, value: string | undefined): void => {
    if (value !== undefined && value !== "") secrets.push({ label, value });
  };

  beforeAll(async () => {
    logs = captureLogs();
    const seen = (res: Response): Response => {
      requestIds.push(requestIdOf(res));
      return res;
    };
    const c = new IpClient();
    flow.ip = c.ip;
    keep("client IP", c.ip);
    const passwords = [strongPassword(), strongPassword(), strongPassword()] as const;
    passwords.forEach((p, i) => keep(`password ${i}`, p));
    const { account, response: signup } = await c.signUp({ password: passwords[0] });
    seen(signup);
    const verifyToken = linkToken(await waitForEmail(account.email, /verify/i));
    keep("email verification token", verifyToken);
    seen(await c.send("/v1/auth/verify-email", { token: verifyToken }));
    flow.userId = await userIdOf(account.email);
    await expectProblem(seen(await c.login(account, `${passwords[0]} typo`)), 401, "invalid_credentials");
    keep("mistyped password", `${passwords[0]} typo`);
    const loginRes = seen(await c.login(account));
    const session = await loginRes.json<SessionAnswer>();
    keep("access token", session.access_token);
    keep("refresh token", session.refresh_token);
    const refreshed = seen(await c.send("/v1/auth/token/refresh", { refresh_token: session.refresh_token }));
    const next = await refreshed.json<SessionAnswer>();
    keep("rotated access token", next.access_token);
    keep("rotated refresh token", next.refresh_token);
    // TOTP: the secret, the activation code, the recovery codes, the MFA token.
    const enrol = seen(await c.send("/v1/auth/mfa/totp/enroll", undefined, { token: next.access_token }));
    const { secret } = await enrol.json<{ secret: string }>();
    keep("TOTP secret", secret);
    const activate = seen(await c.send("/v1/auth/mfa/totp/activate", { code: totpCode(secret) }, { token: next.access_token }));
    const { recovery_codes: codes } = await activate.json<{ recovery_codes: string[] }>();
    for (const code of codes) {
      keep("recovery code", code);
      keep("recovery code without dashes", code.replaceAll("-", ""));
    }
    const challengeRes = seen(await c.login(account));
    const { mfa_token: mfaToken } = await challengeRes.json<{ mfa_token: string }>();
    keep("MFA token", mfaToken);
    const aal2Res = seen(await c.verifyMfa(mfaToken, (codes[0] ?? "").toUpperCase()));
    const aal2 = await aal2Res.json<SessionAnswer>();
    keep("aal2 access token", aal2.access_token);
    keep("aal2 refresh token", aal2.refresh_token);
    const change = seen(
      await c.send("/v1/auth/password", { current_password: passwords[0], new_password: passwords[1] }, { token: aal2.access_token }),
    );
    expect(change.status).toBe(204);
    seen(await c.send("/v1/auth/password-reset/request", { email: account.email }));
    const resetToken = linkToken(await waitForEmail(account.email, /reset/i));
    keep("password reset token", resetToken);
    const reset = seen(await c.send("/v1/auth/password-reset/confirm", { token: resetToken, new_password: passwords[2] }));
    expect(reset.status).toBe(204);
    // The last event is stored after its response: wait for it before reading the trail.
    await waitForEvent(reset, "password_reset");
    flow.lines = logs.lines();
    flow.raw = logs.raw();
  });

  afterAll(() => {
    logs?.restore();
  });

  /** Each secret in full and a distinctive middle slice of it (a truncated copy is a leak too). */
  function leaksIn(text: string): string[] {
    return secrets.flatMap(({ label, value }) => {
      const slice = value.length > 24 ? value.slice(Math.floor(value.length / 2) - 8, Math.floor(value.length / 2) + 8) : value;
      return text.includes(value) || text.includes(slice) ? [label] : [];
    });
  }

  it("P16: the flow's events were all logged and stored", async () => {
    const logged = new Set(flow.lines.map((line) => line.event));
    const expected: SecurityEventType[] = [
      "signup",
      "email_verified",
      "login_failed",
      "login_succeeded",
      "mfa_enrolled",
      "mfa_verified",
      "recovery_code_used",
      "password_changed",
      "password_reset_requested",
      "password_reset",
    ];
    for (const type of expected) expect(logged, type).toContain(`${SECURITY_EVENT_PREFIX}${type}`);
    const stored = new Set((await eventsOfRequests(requestIds)).map((event) => event.type));
    for (const type of expected) expect(stored, type).toContain(type);
    expect(flow.lines.filter((line) => line.event === "security_event_not_stored")).toEqual([]);
  });

  it("P16: no log line of the flow contains a password, token, recovery code, the TOTP secret or the raw client IP", () => {
    expect(flow.raw.length).toBeGreaterThan(10);
    for (const line of flow.raw) expect(leaksIn(line), line).toEqual([]);
  });

  it("P16: no stored event of the flow holds a password, token, recovery code, the TOTP secret or the raw client IP", async () => {
    const events = [...(await eventsOfRequests(requestIds)), ...(await eventsOfUser(flow.userId))];
    expect(events.length).toBeGreaterThan(10);
    for (const event of events) {
      expect(leaksIn(JSON.stringify(event)), JSON.stringify(event)).toEqual([]);
      expect(event.ip_hash).toBe(await expectedIpHash(flow.ip));
    }
  });

  it("P16: every security log line is marked security_event with the vocabulary's severity", () => {
    const security = flow.lines.filter((line) => line.event.startsWith(SECURITY_EVENT_PREFIX));
    expect(security.length).toBeGreaterThan(10);
    for (const line of security) {
      const type = line.event.slice(SECURITY_EVENT_PREFIX.length);
      expect(Object.keys(SECURITY_EVENTS), line.event).toContain(type);
      const { severity } = SECURITY_EVENTS[type as SecurityEventType];
      expect(line, line.event).toMatchObject({ security_event: true, severity, level: severity === "info" ? "info" : "warn" });
      expect(typeof line.request_id).toBe("string");
    }
  });
});
