/**
 * Accounts for the identity rows, made through the app's real API the way
 * test/helpers/identity.ts makes them for the tests (that helper reads the stack
 * through vitest's `inject`, so the bench has its own): sign up, read the
 * verification link the Resend stand-in captured, verify, log in. Every address is
 * fresh and every request comes from its own random client address
 * (`cf-connecting-ip`), so the sign-up, verification and login limits never meet.
 */
import { randomBytes, randomUUID } from "node:crypto";
import type { Stack } from "../stack/launcher.ts";

/** A random client address in 10.0.0.0/8, one per request (the limits count per address). */
export function randomIp(): string {
  const [a = 0, b = 0, c = 0] = randomBytes(3);
  return `10.${a}.${b}.${c}`;
}

/** Credentials of a bench account. */
export interface Account {
  readonly email: string;
  readonly password: string;
}

/** A fresh address nobody else uses. */
export const newEmail = (label: string): string => `bench-${label}+${randomUUID()}@example.org`;

/** A password the breach check passes (random, long). */
const newPassword = (): string => `Rampart bench ${randomUUID()} horse`;

/** What a request through the app adds: client address, bearer token, method, extra headers. */
export interface RequestOptions {
  readonly ip?: string;
  readonly token?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A request to `url`; JSON when `body` is given. No Origin header: a native client. */
export function send(url: string, body: unknown, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": options.ip ?? randomIp(), ...options.headers };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return fetch(url, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Throws with the answer unless it has `status`. */
async function expectStatus(res: Response, status: number, what: string): Promise<void> {
  if (res.status === status) return;
  throw new Error(`${what}: HTTP ${res.status}, expected ${status}: ${(await res.text()).slice(0, 300)}`);
}

/** Signs up at `appUrl` (the app's origin); the account stays unverified. */
export async function signUp(appUrl: string, label: string): Promise<Account> {
  const account = { email: newEmail(label), password: newPassword() };
  const res = await send(`${appUrl}/v1/auth/signup`, { ...account, name: "Bench User" });
  await expectStatus(res, 201, "signup");
  await res.arrayBuffer();
  return account;
}

/** Waits for the verification email (sent after the response), then verifies through its link's token. */
export async function verify(appUrl: string, stack: Stack, account: Account): Promise<void> {
  const deadline = Date.now() + 30_000;
  let text: string | undefined;
  while (text === undefined) {
    text = stack.resend.messages().find((m) => m.to.includes(account.email) && /verify/i.test(m.subject))?.text;
    if (text !== undefined) break;
    if (Date.now() > deadline) throw new Error(`no verification email to ${account.email} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const token = /[?&]token=([^\s"&<]+)/.exec(text)?.[1];
  if (token === undefined) throw new Error(`no token link in the verification email to ${account.email}`);
  const res = await send(`${appUrl}/v1/auth/verify-email`, { token: decodeURIComponent(token) });
  await expectStatus(res, 200, "verify-email");
  await res.arrayBuffer();
}

/** Signs up and verifies. */
export async function verifiedAccount(appUrl: string, stack: Stack, label: string): Promise<Account> {
  const account = await signUp(appUrl, label);
  await verify(appUrl, stack, account);
  return account;
}

/** A session as a login (no Origin) answers it. */
export interface Session {
  readonly accessToken: string;
  readonly sessionId: string;
}

/** Logs in at `baseUrl` (an origin, or the bench worker's `/identity/app` prefix); throws on anything but 200. */
export async function logIn(baseUrl: string, account: Account, options: RequestOptions = {}): Promise<Session> {
  const res = await send(`${baseUrl}/v1/auth/login`, account, options);
  await expectStatus(res, 200, "login");
  const body = (await res.json()) as { access_token?: unknown; session_id?: unknown };
  if (typeof body.access_token !== "string" || typeof body.session_id !== "string") throw new Error("login answered no session");
  return { accessToken: body.access_token, sessionId: body.session_id };
}
