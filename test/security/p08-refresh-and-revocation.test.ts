/**
 * P8 Sessions: refresh tokens, revocation and the sessions list. Attacks covered:
 * a stolen refresh token (rotation on every use; reuse of a rotated one after the
 * grace window revokes the whole session, so the thief and the victim both lose it
 * and the access tokens stop at once); a session kept alive forever (idle timeout,
 * absolute maximum); someone else's refresh token or session id (another user's
 * session cannot be obtained, revoked or listed); a cross-site page using the
 * browser's refresh cookie (allowed origins only, `__Host-` HttpOnly Secure
 * SameSite=Strict, never a body token for browsers); a stolen access token outliving
 * a logout, a revoked device, a password change or reset (refused on the very next
 * request, not at expiry); junk refresh tokens reaching the database (4xx, never 500).
 * And what the sessions list reveals: a truncated network and a browser summary,
 * never the raw address or User-Agent.
 */
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { REFRESH_COOKIE } from "../../src/pipeline/rate-limit";
import { expectProblem } from "../helpers/expect";
import { linkToken, strongPassword, waitForEmail, type SessionAnswer } from "../helpers/identity";
import {
  expectStatus,
  expireSession,
  get,
  login,
  me,
  post,
  refresh,
  request,
  sessionOf,
  sessionRow,
  signedInUser,
  verifiedUser,
  type User,
  type Via,
} from "../helpers/session-client";
import { envWith } from "../helpers/worker";

const APP_ORIGIN = "https://app.rampart.test";
const browserEnv = envWith({ CORS_ORIGINS: APP_ORIGIN });
const noGraceEnv = envWith({ REFRESH_REUSE_GRACE_SECONDS: "0" });
const browser: Via = { env: browserEnv, origin: APP_ORIGIN };
const FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0";

/** What a refresh answers (the body of a session answer, refresh token only for native clients). */
type Tokens = Omit<SessionAnswer, "refresh_token"> & { refresh_token?: string };

async function refreshed(response: Response): Promise<Tokens> {
  return (await expectStatus(response, 200, "refresh")).json<Tokens>();
}

/** The refresh cookie a response sets: its value and attributes; undefined when none. */
function refreshCookie(response: Response): { value: string; attributes: string[] } | undefined {
  const header = response.headers.get("set-cookie");
  if (header === null) return undefined;
  const [pair = "", ...attributes] = header.split(";").map((part) => part.trim());
  const [name, value = ""] = pair.split(/=(.*)/s);
  return name === REFRESH_COOKIE ? { value, attributes } : undefined;
}

async function expectRefreshRefused(response: Response): Promise<void> {
  await expectProblem(response, 401, "invalid_refresh_token");
}

async function expectTokenRefused(accessToken: string): Promise<void> {
  await expectProblem(await me(accessToken), 401, "invalid_token");
}

describe("P8 refresh: native clients", () => {
  it("P8: a native client gets the refresh token in the body, and refreshing rotates it", async () => {
    const { user, session } = await signedInUser();
    expect(session.refresh_token).toMatch(/^rt_[\w-]{43}$/);
    const next = await refreshed(await refresh(session.refresh_token));
    expect(next.refresh_token).toMatch(/^rt_[\w-]{43}$/);
    expect(next.refresh_token).not.toBe(session.refresh_token);
    expect(next.session_id).toBe(session.session_id);
    expect(decodeJwt(next.access_token)).toMatchObject({ sub: user.id, sid: session.session_id });
    expect((await me(next.access_token)).status).toBe(200);
  });

  it("P8 (refuses): a rotated refresh token used after the grace window revokes the whole session at once", async () => {
    const { session } = await signedInUser();
    const next = await refreshed(await refresh(session.refresh_token, { env: noGraceEnv }));
    expect((await me(next.access_token)).status).toBe(200);
    // The thief (or the victim) replays the rotated token.
    await expectRefreshRefused(await refresh(session.refresh_token, { env: noGraceEnv }));
    await expectTokenRefused(next.access_token);
    await expectRefreshRefused(await refresh(next.refresh_token));
    expect(await sessionRow(session.session_id)).toMatchObject({ revoked_reason: "refresh_reuse" });
  });

  it("P8: a retry of the just-rotated token within the grace window gets the same successor (a lost response does not log out)", async () => {
    const { session } = await signedInUser();
    const first = await refreshed(await refresh(session.refresh_token));
    const retry = await refreshed(await refresh(session.refresh_token));
    expect(retry.refresh_token).toBe(first.refresh_token);
    expect(retry.session_id).toBe(session.session_id);
    // The session lives on: the successor rotates as usual.
    const after = await refreshed(await refresh(first.refresh_token));
    expect((await me(after.access_token)).status).toBe(200);
    expect((await sessionRow(session.session_id)).revoked_at).toBeNull();
  });

  it("P8 (refuses): a session idle past its timeout cannot be refreshed", async () => {
    const { session } = await signedInUser();
    await expireSession(session.session_id, "expires_at");
    await expectRefreshRefused(await refresh(session.refresh_token));
  });

  it("P8 (refuses): a session past its absolute maximum cannot be refreshed, however active", async () => {
    const { session } = await signedInUser();
    await expireSession(session.session_id, "absolute_expires_at");
    await expectRefreshRefused(await refresh(session.refresh_token));
  });

  it("P8: another user's refresh token yields that user's session only, never the caller's", async () => {
    const alice = await signedInUser();
    const bob = await signedInUser();
    const answer = await refreshed(await refresh(bob.session.refresh_token, { token: alice.session.access_token }));
    expect(answer.session_id).toBe(bob.session.session_id);
    expect(decodeJwt(answer.access_token)).toMatchObject({ sub: bob.user.id, sid: bob.session.session_id });
    expect(decodeJwt(answer.access_token).sub).not.toBe(alice.user.id);
  });

  it.each<[string, unknown, number, string]>([
    ["no refresh_token at all", {}, 401, "invalid_refresh_token"],
    ["a short garbage string", { refresh_token: "x" }, 401, "invalid_refresh_token"],
    ["a well-shaped token nobody issued", { refresh_token: `rt_${"A".repeat(43)}` }, 401, "invalid_refresh_token"],
    ["characters outside base64url", { refresh_token: `rt_${"é".repeat(43)}` }, 401, "invalid_refresh_token"],
    ["an access token", { refresh_token: "eyJhbGciOiJFZERTQSJ9.e30.c2ln" }, 401, "invalid_refresh_token"],
    ["512 characters", { refresh_token: "A".repeat(512) }, 401, "invalid_refresh_token"],
    ["513 characters", { refresh_token: "A".repeat(513) }, 422, "validation_failed"],
    ["10 KB", { refresh_token: "A".repeat(10 * 1024) }, 422, "validation_failed"],
    ["an empty string", { refresh_token: "" }, 422, "validation_failed"],
    ["a number", { refresh_token: 42 }, 422, "validation_failed"],
    ["null", { refresh_token: null }, 422, "validation_failed"],
  ])("P8 (refuses): a refresh with %s is refused with a 4xx problem, never a 500", async (_, body, status, code) => {
    await expectProblem(await post("/v1/auth/token/refresh", body), status, code);
  });
});

describe("P8 refresh: browser clients", () => {
  it("P8: a browser login from an allowed origin gets the refresh token only as a __Host- HttpOnly Secure SameSite=Strict cookie", async () => {
    const user = await verifiedUser();
    const response = await expectStatus(await login(user, browser), 200, "browser login");
    const body = await response.json<Tokens>();
    expect(body).not.toHaveProperty("refresh_token");
    expect(body.access_token).toEqual(expect.any(String));
    const cookie = refreshCookie(response);
    expect(cookie?.value).toMatch(/^rt_[\w-]{43}$/);
    expect(cookie?.attributes).toEqual(expect.arrayContaining(["Path=/", "Secure", "HttpOnly", "SameSite=Strict"]));
    expect(cookie?.attributes.some((a) => /^domain=/i.test(a))).toBe(false);
    expect(Number(cookie?.attributes.find((a) => /^max-age=/i.test(a))?.split("=")[1])).toBeGreaterThan(0);
  });

  it("P8: a browser refreshes with the cookie from the allowed origin and gets a new cookie, not a body token", async () => {
    const user = await verifiedUser();
    const cookie = refreshCookie(await expectStatus(await login(user, browser), 200, "browser login"))?.value ?? "";
    const response = await expectStatus(await refresh(undefined, { ...browser, cookie }), 200, "browser refresh");
    expect(await response.json()).not.toHaveProperty("refresh_token");
    const next = refreshCookie(response);
    expect(next?.value).toMatch(/^rt_[\w-]{43}$/);
    expect(next?.value).not.toBe(cookie);
    expect(next?.attributes).toEqual(expect.arrayContaining(["Path=/", "Secure", "HttpOnly", "SameSite=Strict"]));
  });

  it("P8 (refuses): the refresh cookie sent from a disallowed origin is refused with 403 origin_not_allowed", async () => {
    const user = await verifiedUser();
    const cookie = refreshCookie(await expectStatus(await login(user, browser), 200, "browser login"))?.value ?? "";
    const response = await refresh(undefined, { env: browserEnv, origin: "https://evil.example", cookie });
    await expectProblem(response, 403, "origin_not_allowed");
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(refreshCookie(response)).toBeUndefined();
  });

  it("P8 (refuses): a browser cannot refresh with a body token: an allowed origin without the cookie gets 401", async () => {
    const { session } = await signedInUser();
    await expectRefreshRefused(await refresh(session.refresh_token, browser));
    // The token itself was fine: the same request without Origin (a native client) is served.
    expect((await refresh(session.refresh_token, { env: browserEnv })).status).toBe(200);
  });

  it("P8 (refuses): a login from a disallowed origin is refused with 403 origin_not_allowed and sets no cookie", async () => {
    const user = await verifiedUser();
    const response = await login(user, { env: browserEnv, origin: "https://evil.example" });
    await expectProblem(response, 403, "origin_not_allowed");
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  it("P8: logout from the allowed origin clears the cookie (Max-Age=0) and the cookie no longer refreshes", async () => {
    const user = await verifiedUser();
    const response = await expectStatus(await login(user, browser), 200, "browser login");
    const { access_token: accessToken } = await response.json<Tokens>();
    const cookie = refreshCookie(response)?.value ?? "";
    const out = await expectStatus(await post("/v1/auth/logout", undefined, { ...browser, token: accessToken }), 204, "logout");
    const cleared = refreshCookie(out);
    expect(cleared?.value).toBe("");
    expect(cleared?.attributes).toEqual(expect.arrayContaining(["Max-Age=0", "Path=/", "Secure"]));
    await expectRefreshRefused(await refresh(undefined, { ...browser, cookie }));
    await expectTokenRefused(accessToken);
  });
});

describe("P8 revocation at once", () => {
  it("P8 (refuses): after logout the session's access token fails on the very next request, and its refresh token too", async () => {
    const { session } = await signedInUser();
    expect((await me(session.access_token)).status).toBe(200);
    await expectStatus(await post("/v1/auth/logout", undefined, { token: session.access_token }), 204, "logout");
    await expectTokenRefused(session.access_token);
    await expectRefreshRefused(await refresh(session.refresh_token));
  });

  it("P8 (refuses): revoking another of one's sessions stops its access token at once; the current one keeps working", async () => {
    const { user, session: laptop } = await signedInUser();
    const phone = await sessionOf(user);
    expect((await me(laptop.access_token)).status).toBe(200);
    const revoke = await request(`/v1/auth/sessions/${laptop.session_id}`, "DELETE", undefined, { token: phone.access_token });
    await expectStatus(revoke, 204, "revoke");
    await expectTokenRefused(laptop.access_token);
    await expectRefreshRefused(await refresh(laptop.refresh_token));
    expect((await me(phone.access_token)).status).toBe(200);
  });

  it("P8 (refuses): another user's session id answers 404 like an unknown one, and that session keeps working", async () => {
    const alice = await signedInUser();
    const bob = await signedInUser();
    const path = `/v1/auth/sessions/${bob.session.session_id}`;
    await expectProblem(await request(path, "DELETE", undefined, { token: alice.session.access_token }), 404, "not_found");
    const unknown = `/v1/auth/sessions/${crypto.randomUUID()}`;
    await expectProblem(await request(unknown, "DELETE", undefined, { token: alice.session.access_token }), 404, "not_found");
    await expectProblem(
      await request("/v1/auth/sessions/not-a-uuid", "DELETE", undefined, { token: alice.session.access_token }),
      422,
      "validation_failed",
    );
    expect((await me(bob.session.access_token)).status).toBe(200);
    expect((await refresh(bob.session.refresh_token)).status).toBe(200);
    expect((await sessionRow(bob.session.session_id)).revoked_at).toBeNull();
  });

  it("P8 (refuses): a password change revokes every other session at once; the current one keeps working", async () => {
    const { user, session: current } = await signedInUser();
    const others = [await sessionOf(user), await sessionOf(user)];
    const change = await post(
      "/v1/auth/password",
      { current_password: user.password, new_password: strongPassword() },
      { token: current.access_token },
    );
    await expectStatus(change, 204, "password change");
    for (const other of others) {
      await expectTokenRefused(other.access_token);
      await expectRefreshRefused(await refresh(other.refresh_token));
    }
    expect((await me(current.access_token)).status).toBe(200);
    expect((await refresh(current.refresh_token)).status).toBe(200);
  });

  it("P8 (refuses): a password reset through the emailed link revokes every session at once", async () => {
    const { user, session: first } = await signedInUser();
    const second = await sessionOf(user);
    await expectStatus(await post("/v1/auth/password-reset/request", { email: user.email }), 202, "reset request");
    const token = linkToken(await waitForEmail(user.email, /reset/i));
    const password = strongPassword();
    await expectStatus(await post("/v1/auth/password-reset/confirm", { token, new_password: password }), 204, "reset confirm");
    for (const session of [first, second]) {
      await expectTokenRefused(session.access_token);
      await expectRefreshRefused(await refresh(session.refresh_token));
    }
    expect((await login({ ...user, password })).status).toBe(200);
  });
});

describe("P8 sessions list", () => {
  // Documentation networks; the host part is random so that reruns against a persistent Redis
  // never add up on one address's login limit (the shown network is the same).
  const random = crypto.getRandomValues(new Uint16Array(2));
  const ipv4 = `203.0.113.${2 + ((random[0] ?? 0) % 250)}`;
  const ipv6 = `2001:db8:abcd:${(random[1] ?? 0).toString(16)}::1`;
  let user: User;
  let desktop: SessionAnswer;
  let mobile: SessionAnswer;

  beforeAll(async () => {
    user = await verifiedUser();
    desktop = await sessionOf(user, { ip: ipv4, userAgent: FIREFOX_ON_LINUX });
    mobile = await sessionOf(user, { ip: ipv6, userAgent: "okhttp/4.12.0" });
  });

  interface Listed {
    id: string;
    created_at: string;
    last_seen_at: string;
    expires_at: string;
    aal: string;
    ip: string | null;
    user_agent: string | null;
    current: boolean;
  }

  async function listAs(accessToken: string): Promise<{ data: Listed[]; text: string }> {
    const text = await (await expectStatus(await get("/v1/auth/sessions", { token: accessToken }), 200, "sessions")).text();
    return { data: (JSON.parse(text) as { data: Listed[] }).data, text };
  }

  it("P8: the list shows each live session newest first, with a truncated network and a browser summary, current only for the caller's", async () => {
    const { data, text } = await listAs(mobile.access_token);
    expect(data.map((s) => s.id)).toEqual([mobile.session_id, desktop.session_id]);
    const [newest, older] = data;
    expect(older).toMatchObject({ ip: "203.0.113.0/24", user_agent: "Firefox on Linux", aal: "aal1", current: false });
    expect(newest).toMatchObject({ ip: "2001:db8:abcd::/48", user_agent: "okhttp", aal: "aal1", current: true });
    for (const session of data) {
      for (const field of [session.created_at, session.last_seen_at, session.expires_at]) expect(new Date(field).toISOString()).toBe(field);
      expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());
    }
    // Never the raw address or User-Agent.
    for (const raw of [ipv4, ipv6, "rv:131.0", "X11", "okhttp/4.12.0"]) expect(text).not.toContain(raw);
    // The same list from the other session marks that one current.
    expect((await listAs(desktop.access_token)).data.filter((s) => s.current).map((s) => s.id)).toEqual([desktop.session_id]);
  });

  it("P8 (refuses): revoked sessions are not listed, and another user's sessions never are", async () => {
    const spare = await sessionOf(user);
    const bob = await signedInUser();
    await expectStatus(
      await request(`/v1/auth/sessions/${spare.session_id}`, "DELETE", undefined, { token: mobile.access_token }),
      204,
      "revoke",
    );
    const ids = (await listAs(mobile.access_token)).data.map((s) => s.id);
    expect(ids).toEqual([mobile.session_id, desktop.session_id]);
    expect(ids).not.toContain(bob.session.session_id);
    expect((await listAs(bob.session.access_token)).data.map((s) => s.id)).toEqual([bob.session.session_id]);
  });
});
