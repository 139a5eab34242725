/**
 * Identity requests for the P8 suites. Every request goes through an app built by
 * `createApp` with `callApp` (the worker's own pipeline, in this isolate), so what a
 * handler defers with `waitUntil` (emails, revocation retries, last-seen writes) has
 * finished when the call returns, and any env (another signing key, a tagged
 * stand-in URL, a closed Redis port) can be passed per request. Every request
 * carries a random `cf-connecting-ip`: the auth presets limit per IP, and requests
 * without the header would all count as one client across test files.
 */
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/env";
import { REFRESH_COOKIE } from "../../src/pipeline/rate-limit";
import { linkToken, newEmail, strongPassword, waitForEmail, workerDb, type SessionAnswer, type TestAccount } from "./identity";
import { asOwner } from "./tenants";
import { callApp, testEnv } from "./worker";

/** The app the P8 suites call (built once, like an isolate's). */
export const authApp = createApp();

/** A random address in 198.18.0.0/15 (benchmarking range), a new client for every limit. */
export function randomIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `198.${18 + ((bytes[0] ?? 0) & 1)}.${bytes[1] ?? 0}.${bytes[2] ?? 0}`;
}

/** How a request is sent: which env, from which client, with which credentials. */
export interface Via {
  readonly env?: Bindings;
  /** `cf-connecting-ip`; random when absent. */
  readonly ip?: string;
  /** An access token, sent as `Authorization: Bearer`. */
  readonly token?: string;
  /** The `Origin` header (a browser). */
  readonly origin?: string;
  /** The refresh cookie's value. */
  readonly cookie?: string;
  readonly userAgent?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One request to the app, JSON body when `body` is given. */
export function request(path: string, method: string, body: unknown, via: Via = {}): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": via.ip ?? randomIp() };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (via.token !== undefined) headers.authorization = `Bearer ${via.token}`;
  if (via.origin !== undefined) headers.origin = via.origin;
  if (via.cookie !== undefined) headers.cookie = `${REFRESH_COOKIE}=${via.cookie}`;
  if (via.userAgent !== undefined) headers["user-agent"] = via.userAgent;
  Object.assign(headers, via.headers);
  return callApp(authApp, path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, via.env ?? testEnv);
}

/** POST with a JSON body. */
export const post = (path: string, body: unknown, via: Via = {}): Promise<Response> => request(path, "POST", body, via);
/** GET. */
export const get = (path: string, via: Via = {}): Promise<Response> => request(path, "GET", undefined, via);
/** GET /v1/auth/me with `token`. */
export const me = (token: string, via: Via = {}): Promise<Response> => get("/v1/auth/me", { ...via, token });
/** POST /v1/auth/token/refresh; `refreshToken` in the body when given (native clients). */
export const refresh = (refreshToken: string | undefined, via: Via = {}): Promise<Response> =>
  post("/v1/auth/token/refresh", refreshToken === undefined ? {} : { refresh_token: refreshToken }, via);

/** Throws with the answer's body unless it has `status`. */
export async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return response;
}

/** A verified account and its user id. */
export interface User extends TestAccount {
  readonly id: string;
}

/** Signs up, verifies through the emailed link and returns the account with its id. */
export async function verifiedUser(): Promise<User> {
  const account = { email: newEmail("p08"), password: strongPassword(), name: "Session Tester" };
  await expectStatus(await post("/v1/auth/signup", account), 201, "signup");
  const token = linkToken(await waitForEmail(account.email, /verify/i));
  await expectStatus(await post("/v1/auth/verify-email", { token }), 200, "verify-email");
  const [row] = await asOwner(workerDb(), { text: "select id from users where email = $1", params: [account.email] });
  if (typeof row?.id !== "string") throw new Error(`no user ${account.email}`);
  return { ...account, id: row.id };
}

/** POST /v1/auth/login for `account`. */
export const login = (account: TestAccount, via: Via = {}): Promise<Response> =>
  post("/v1/auth/login", { email: account.email, password: account.password }, via);

/** A new session of `account` as a native client (no Origin); throws on anything but 200. */
export async function sessionOf(account: TestAccount, via: Via = {}): Promise<SessionAnswer> {
  return (await expectStatus(await login(account, via), 200, "login")).json<SessionAnswer>();
}

/** A verified user with one native session. */
export async function signedInUser(): Promise<{ user: User; session: SessionAnswer }> {
  const user = await verifiedUser();
  return { user, session: await sessionOf(user) };
}

/** A session's row as the owner sees it (behind RLS). */
export interface SessionRow {
  readonly id: string;
  readonly user_id: string;
  readonly last_seen_at: string;
  readonly expires_at: string;
  readonly absolute_expires_at: string;
  readonly revoked_at: string | null;
  readonly revoked_reason: string | null;
}

/** The row of session `id`, read as the owner. */
export async function sessionRow(id: string): Promise<SessionRow> {
  const [row] = await asOwner(workerDb(), {
    text: `select id::text, user_id::text, last_seen_at::text, expires_at::text, absolute_expires_at::text,
                  revoked_at::text, revoked_reason from sessions where id = $1`,
    params: [id],
  });
  if (row === undefined) throw new Error(`no session ${id}`);
  return row as unknown as SessionRow;
}

/** Moves one of session `id`'s deadlines into the past, as the owner (time travel without waiting). */
export async function expireSession(id: string, column: "expires_at" | "absolute_expires_at"): Promise<void> {
  await asOwner(workerDb(), { text: `update sessions set ${column} = now() - interval '1 minute' where id = $1`, params: [id] });
}
