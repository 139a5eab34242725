/**
 * P8 in a real browser: the web app's CORS and its refresh cookie, with headless
 * Chromium (see test/helpers/browser.ts) against the real worker under `wrangler dev`.
 *
 * The "web app" is a blank page served by a tiny Node server on port P2; the API is
 * the dev server on port P1. The page is opened at `http://localhost:P2` (the one
 * origin in CORS_ORIGINS, and the same site as `http://localhost:P1`, so the
 * SameSite=Strict cookie travels with its credentialed fetches) or at
 * `http://127.0.0.1:P2` (an origin that is not listed). Every call the app makes is
 * a `fetch(…, { credentials: "include", mode: "cors" })` run in the page; what the
 * browser cannot show (a preflight's exact answer, a request from another site) is
 * checked from Node with the same headers a browser would send.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Cookie, Page } from "playwright-core";
import { findChromium, launchBrowser } from "../helpers/browser.ts";
import { startDevServer, type DevServer } from "../stack/dev-server.ts";

const REFRESH_COOKIE = "__Host-rampart-refresh";
const PROBLEM_JSON = "application/problem+json";
const EVIL_ORIGIN = "https://evil.example";

// Unset only if beforeAll failed part way (then no test runs, and afterAll stops what did start).
let server: DevServer | undefined;
let webApp: Server | undefined;
let browser: Browser | undefined;
/** `http://localhost:P1`: the API as the web app calls it. */
let api = "";
/** `http://localhost:P2`: the web app's origin, the one in CORS_ORIGINS. */
let appOrigin = "";
/** `http://127.0.0.1:P2`: the same page under an origin that is not listed. */
let refusedOrigin = "";
const account = {
  email: `p08-cors+${crypto.randomUUID()}@example.org`,
  password: `Rampart cors ${crypto.randomUUID()} horse`,
  name: "CORS Tester",
};
const contexts: BrowserContext[] = [];
/** The console errors of each page opened (the browser says there why it withheld an answer). */
const consoleErrorsOf = new WeakMap<Page, string[]>();

/** A captured email, as the Resend stand-in lists it. */
interface CapturedEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly text?: string;
}

/** What a fetch run in the page saw: the answer as the page's script can read it, or the error it rejected with. */
type PageFetch =
  | { readonly ok: true; readonly status: number; readonly headers: Record<string, string>; readonly text: string }
  | { readonly ok: false; readonly error: string };

/** The body of a browser's session answer (login, refresh). */
interface SessionBody {
  readonly access_token?: unknown;
  readonly token_type?: unknown;
  readonly session_id?: unknown;
  readonly refresh_token?: unknown;
}

/** The blank page of the web app, on 127.0.0.1 and a free port. */
async function startWebApp(): Promise<{ server: Server; port: number }> {
  const app = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end("<!doctype html><title>app</title>");
  });
  await new Promise<void>((resolve, reject) => {
    app.once("error", reject);
    app.listen(0, "127.0.0.1", () => resolve());
  });
  return { server: app, port: (app.address() as AddressInfo).port };
}

async function closeServer(target: Server): Promise<void> {
  target.closeAllConnections();
  await new Promise<void>((resolve, reject) => target.close((error) => (error ? reject(error) : resolve())));
}

/** Waits (emails leave after the response) for the verification email to `address`. */
async function verificationEmail(address: string): Promise<CapturedEmail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${server!.stack.resend.url}/__rampart/messages`);
    const found = ((await res.json()) as CapturedEmail[]).find((m) => m.to.includes(address) && /verif/i.test(m.subject));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no verification email to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How often a request is sent again after 503 `rate_limit_unavailable` (see RATE_LIMIT_TIMEOUT_MS below). */
const UNAVAILABLE_ATTEMPTS = 5;
/** Requests sent again after a 503 `rate_limit_unavailable`, reported at the end. */
let unavailableRetries = 0;

/** Whether an answer is 503 `rate_limit_unavailable`: Redis missed its deadline, nothing was done (safe to send again). */
function rateLimitUnavailable(status: number, text: string): boolean {
  return status === 503 && text.includes('"rate_limit_unavailable"');
}

/** Sends `attempt` again (up to UNAVAILABLE_ATTEMPTS times) while it answers 503 `rate_limit_unavailable`. */
async function retryUnavailable<T>(attempt: () => Promise<T>, unavailable: (answer: T) => Promise<boolean> | boolean): Promise<T> {
  for (let tries = 1; ; tries++) {
    const answer = await attempt();
    if (tries >= UNAVAILABLE_ATTEMPTS || !(await unavailable(answer))) return answer;
    unavailableRetries++;
    await new Promise((resolve) => setTimeout(resolve, 250 * tries));
  }
}

/** A request from Node (no Origin unless given), JSON body when `body` is given. */
function nodeRequest(path: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return retryUnavailable(
    () =>
      fetch(`${api}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async (response) => response.status === 503 && rateLimitUnavailable(response.status, await response.clone().text()),
  );
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  if (response.status !== status) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
}

/** A fresh browser profile (its own cookie jar and preflight cache) with the web app open at `origin`. */
async function openApp(origin: string): Promise<{ context: BrowserContext; page: Page; consoleErrors: string[] }> {
  const context = await browser!.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  consoleErrorsOf.set(page, consoleErrors);
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  const response = await page.goto(`${origin}/`, { waitUntil: "load" });
  expect(response?.status()).toBe(200);
  expect(await page.title()).toBe("app");
  return { context, page, consoleErrors };
}

/** A credentialed CORS fetch of the API run in the page, as the web app makes it. */
function pageFetch(page: Page, path: string, method: string, options: { body?: unknown; token?: string } = {}): Promise<PageFetch> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const body = options.body === undefined ? null : JSON.stringify(options.body);
  const send = (): Promise<PageFetch> =>
    page.evaluate(
      async ({ url, method, headers, body }): Promise<PageFetch> => {
        try {
          const response = await fetch(url, { method, headers, body, credentials: "include", mode: "cors" });
          const readable: Record<string, string> = {};
          response.headers.forEach((value, name) => {
            readable[name] = value;
          });
          return { ok: true, status: response.status, headers: readable, text: await response.text() };
        } catch (error) {
          return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
        }
      },
      { url: `${api}${path}`, method, headers, body },
    );
  return retryUnavailable(send, (result) => result.ok && rateLimitUnavailable(result.status, result.text));
}

/** The answer of a page fetch that must have reached the script, with `status`. */
function answered(page: Page, result: PageFetch, status: number, what: string): { headers: Record<string, string>; text: string } {
  if (!result.ok) {
    const said = (consoleErrorsOf.get(page) ?? []).join("\n  ");
    throw new Error(`${what}: the page's fetch rejected (${result.error}); the browser's console:\n  ${said}`);
  }
  if (result.status !== status) throw new Error(`${what} answered ${result.status}: ${result.text}`);
  return result;
}

/** A comma-separated header value as lower-case items. */
function headerList(value: string | null | undefined): string[] {
  return (value ?? "")
    .toLowerCase()
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/** The refresh cookie in the browser profile's jar, if any. */
async function refreshCookie(context: BrowserContext): Promise<Cookie | undefined> {
  return (await context.cookies(api)).find((cookie) => cookie.name === REFRESH_COOKIE);
}

/** Logs in from the page (allowed origin) and returns the session body; the cookie is then in the profile's jar. */
async function browserLogin(page: Page): Promise<{ body: SessionBody; headers: Record<string, string> }> {
  const result = answered(
    page,
    await pageFetch(page, "/v1/auth/login", "POST", { body: { email: account.email, password: account.password } }),
    200,
    "login",
  );
  return { body: JSON.parse(result.text) as SessionBody, headers: result.headers };
}

function accessToken(body: SessionBody): string {
  if (typeof body.access_token !== "string" || body.access_token === "") throw new Error(`no access_token in ${JSON.stringify(body)}`);
  return body.access_token;
}

beforeAll(async () => {
  const started = await startWebApp();
  webApp = started.server;
  appOrigin = `http://localhost:${started.port}`;
  refusedOrigin = `http://127.0.0.1:${started.port}`;
  server = await startDevServer({
    // A grace of 0: a rotated refresh token presented again is reuse at once (revokes the
    // session), so a rotation the cross-site attempt should not have made would show.
    // The longest Redis deadline allowed: on a busy machine the default 500 ms turns rate-limited
    // routes into 503 `rate_limit_unavailable` (sent again below, but rarely so).
    extraVars: { CORS_ORIGINS: appOrigin, REFRESH_REUSE_GRACE_SECONDS: "0", RATE_LIMIT_TIMEOUT_MS: "1000" },
  });
  api = `http://localhost:${new URL(server.url).port}`;
  browser = await launchBrowser();
  console.log(`CORS tests: Chromium ${browser.version()} (${(await findChromium()).detail}); app ${appOrigin}, API ${api}`);

  // The account, from Node (no Origin: a native client): sign up, read the link, verify.
  await expectStatus(await nodeRequest("/v1/auth/signup", "POST", account), 201, "signup");
  const match = /[?&]token=([^\s"&<]+)/.exec((await verificationEmail(account.email)).text ?? "");
  if (match?.[1] === undefined) throw new Error("no token link in the verification email");
  await expectStatus(await nodeRequest("/v1/auth/verify-email", "POST", { token: decodeURIComponent(match[1]) }), 200, "verify-email");
}, 120_000);

afterAll(async () => {
  if (unavailableRetries > 0) console.log(`CORS tests: ${unavailableRetries} request(s) sent again after 503 rate_limit_unavailable`);
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  if (webApp) await closeServer(webApp);
  await server?.stop();
});

describe("P8: the browser app's CORS and refresh cookie, in Chromium", () => {
  it("P8: login from the allowed origin gives the access token in the body and the refresh token only in an HttpOnly, Secure, SameSite=Strict __Host- cookie", async () => {
    const { context, page } = await openApp(appOrigin);
    const { body, headers } = await browserLogin(page);

    accessToken(body);
    expect(body.token_type).toBe("Bearer");
    expect(typeof body.session_id).toBe("string");
    expect(body).not.toHaveProperty("refresh_token");
    // Exposed by Access-Control-Expose-Headers: the script can read it.
    expect(headers["x-request-id"]).toMatch(/\S/);

    // HttpOnly: the page's scripts never see it (cookies ignore ports, so it would be in scope here).
    expect(await page.evaluate(() => document.cookie)).not.toContain(REFRESH_COOKIE);
    const cookie = await refreshCookie(context);
    expect(cookie).toBeDefined();
    expect(cookie).toMatchObject({ domain: "localhost", path: "/", httpOnly: true, secure: true, sameSite: "Strict" });
    expect(cookie!.value).not.toBe("");
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000);
  });

  it("P8: refresh from the allowed origin rotates the cookie, the new access token works from the page, and preflights name exactly the route's methods", async () => {
    const { context, page } = await openApp(appOrigin);
    // The browser's own preflights and their answers, as DevTools sees them (Playwright does not report preflights).
    const cdp = await context.newCDPSession(page);
    const preflights = new Map<string, Record<string, string>>();
    cdp.on("Network.responseReceived", (event) => {
      if (event.type !== "Preflight") return;
      const headers = Object.fromEntries(Object.entries(event.response.headers).map(([name, value]) => [name.toLowerCase(), value]));
      preflights.set(event.response.url, { status: String(event.response.status), ...headers });
    });
    await cdp.send("Network.enable");

    const login = await browserLogin(page);
    const before = await refreshCookie(context);
    expect(before).toBeDefined();

    const refreshed = answered(page, await pageFetch(page, "/v1/auth/token/refresh", "POST", { body: {} }), 200, "refresh");
    const body = JSON.parse(refreshed.text) as SessionBody;
    const token = accessToken(body);
    expect(body.session_id).toBe(login.body.session_id);
    expect(body).not.toHaveProperty("refresh_token");
    const after = await refreshCookie(context);
    expect(after).toMatchObject({ path: "/", httpOnly: true, secure: true, sameSite: "Strict" });
    expect(after!.value).not.toBe(before!.value);

    // Authorization is not a simple header: the browser asks first, and the preflight allows it.
    const me = answered(page, await pageFetch(page, "/v1/auth/me", "GET", { token }), 200, "GET /me");
    expect(JSON.parse(me.text)).toMatchObject({ email: account.email, aal: "aal1" });
    const expected = ["login", "token/refresh", "me"].map((path) => `${api}/v1/auth/${path}`);
    await expect.poll(() => [...preflights.keys()]).toEqual(expect.arrayContaining(expected));
    await cdp.detach();
    // The refresh (JSON body) and /me (Authorization) each needed a preflight, answered with the route's methods only.
    const refreshPreflight = preflights.get(`${api}/v1/auth/token/refresh`);
    expect(refreshPreflight).toMatchObject({
      status: "204",
      "access-control-allow-methods": "POST",
      "access-control-allow-origin": appOrigin,
      "access-control-allow-credentials": "true",
    });
    expect(headerList(refreshPreflight?.["access-control-allow-headers"])).toContain("content-type");
    const mePreflight = preflights.get(`${api}/v1/auth/me`);
    expect(mePreflight).toMatchObject({
      status: "204",
      "access-control-allow-methods": "GET,HEAD",
      "access-control-allow-origin": appOrigin,
      "access-control-allow-credentials": "true",
    });
    expect(headerList(mePreflight?.["access-control-allow-headers"])).toContain("authorization");

    // The same preflights from Node, and one for a route with another method.
    const preflight = async (path: string, method: string): Promise<Response> =>
      nodeRequest(path, "OPTIONS", undefined, {
        origin: appOrigin,
        "access-control-request-method": method,
        "access-control-request-headers": "authorization,content-type",
      });
    const forRefresh = await preflight("/v1/auth/token/refresh", "POST");
    expect(forRefresh.status).toBe(204);
    expect(forRefresh.headers.get("access-control-allow-methods")).toBe("POST");
    expect(forRefresh.headers.get("access-control-allow-origin")).toBe(appOrigin);
    expect(forRefresh.headers.get("access-control-allow-credentials")).toBe("true");
    expect(headerList(forRefresh.headers.get("access-control-allow-headers"))).toEqual(
      expect.arrayContaining(["authorization", "content-type"]),
    );
    const forSession = await preflight(`/v1/auth/sessions/${String(body.session_id)}`, "DELETE");
    expect(forSession.status).toBe(204);
    expect(forSession.headers.get("access-control-allow-methods")).toBe("DELETE");
    expect(forSession.headers.get("access-control-allow-origin")).toBe(appOrigin);
    expect(forSession.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("P8 (refuses): an origin not in CORS_ORIGINS is refused: the browser withholds the answer, the API answers 403 origin_not_allowed, and a cross-site refresh rotates nothing", async () => {
    // The same page under 127.0.0.1: another origin (and another site) than the one listed.
    const refused = await openApp(refusedOrigin);
    const attempt = await pageFetch(refused.page, "/v1/auth/login", "POST", { body: { email: account.email, password: account.password } });
    expect(attempt).toEqual({ ok: false, error: expect.stringMatching(/^TypeError: /) as unknown });
    await expect.poll(() => refused.consoleErrors.join("\n")).toMatch(/blocked by CORS policy/);
    expect(await refreshCookie(refused.context)).toBeUndefined();

    // The same request from Node, Origin as the browser sent it.
    const fromNode = await nodeRequest(
      "/v1/auth/login",
      "POST",
      { email: account.email, password: account.password },
      { origin: refusedOrigin },
    );
    expect(fromNode.status).toBe(403);
    expect(fromNode.headers.get("content-type")).toContain(PROBLEM_JSON);
    expect(fromNode.headers.get("access-control-allow-origin")).toBeNull();
    expect(fromNode.headers.get("set-cookie")).toBeNull();
    const problem = (await fromNode.json()) as { code?: unknown; status?: unknown };
    expect(problem).toMatchObject({ code: "origin_not_allowed", status: 403 });
    expect(problem).not.toHaveProperty("access_token");

    // A real session in the allowed app; its cookie replayed by another site.
    const { context, page } = await openApp(appOrigin);
    await browserLogin(page);
    const cookie = await refreshCookie(context);
    expect(cookie).toBeDefined();
    const crossSite = await nodeRequest(
      "/v1/auth/token/refresh",
      "POST",
      {},
      { origin: EVIL_ORIGIN, cookie: `${REFRESH_COOKIE}=${cookie!.value}` },
    );
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get("content-type")).toContain(PROBLEM_JSON);
    expect(crossSite.headers.get("access-control-allow-origin")).toBeNull();
    expect(crossSite.headers.get("set-cookie")).toBeNull();
    expect(await crossSite.json()).toMatchObject({ code: "origin_not_allowed", status: 403 });

    // Not rotated: the cookie still refreshes from the app (with a grace of 0, a rotated one would have revoked the session).
    const refreshed = answered(
      page,
      await pageFetch(page, "/v1/auth/token/refresh", "POST", { body: {} }),
      200,
      "refresh after the cross-site attempt",
    );
    accessToken(JSON.parse(refreshed.text) as SessionBody);
    expect((await refreshCookie(context))?.value).not.toBe(cookie!.value);
  });

  it("P8: logout from the allowed origin clears the cookie, and a refresh afterwards is 401 invalid_refresh_token", async () => {
    const { context, page } = await openApp(appOrigin);
    const token = accessToken((await browserLogin(page)).body);
    const cookie = await refreshCookie(context);
    expect(cookie).toBeDefined();

    const logout = await pageFetch(page, "/v1/auth/logout", "POST", { token });
    expect(logout).toMatchObject({ ok: true, status: 204, text: "" });
    expect(await refreshCookie(context)).toBeUndefined();

    // From the page: no cookie left to send.
    const refresh = answered(page, await pageFetch(page, "/v1/auth/token/refresh", "POST", { body: {} }), 401, "refresh after logout");
    expect(refresh.headers["content-type"]).toContain(PROBLEM_JSON);
    expect(JSON.parse(refresh.text)).toMatchObject({ code: "invalid_refresh_token", status: 401 });
    // The old cookie, kept by someone, from the allowed origin: the session is revoked.
    const replay = await nodeRequest(
      "/v1/auth/token/refresh",
      "POST",
      {},
      { origin: appOrigin, cookie: `${REFRESH_COOKIE}=${cookie!.value}` },
    );
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: "invalid_refresh_token" });
    // And the session's access token stopped working.
    const me = answered(page, await pageFetch(page, "/v1/auth/me", "GET", { token }), 401, "GET /me after logout");
    expect(JSON.parse(me.text)).toMatchObject({ status: 401 });
  });
});
