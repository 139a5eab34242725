/**
 * Identity flows for tests, through the worker's real entry point and the local
 * stand-ins: sign up, read the email the capture server kept, verify, log in, enrol
 * TOTP. Every account is unique (random address), so test files can share the
 * database and the capture server.
 */
import { inject } from "vitest";
import { totpCode } from "./totp";
import { asOwner, dbTargets } from "./tenants";
import { call } from "./worker";

const { resendControlUrl } = inject("stack");

/** The database the worker under test uses (the stack's primary target). */
export const workerDb = (): ReturnType<typeof dbTargets>[number] => {
  const [primary] = dbTargets();
  if (primary === undefined) throw new Error("no database target");
  return primary;
};

/** A message as the capture server keeps it. */
export interface CapturedEmail {
  readonly id: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
}

/** A fresh address nobody else uses. */
export const newEmail = (label = "user"): string => `${label}+${crypto.randomUUID()}@example.org`;

/** A password that passes the breach check (random, long). */
export const strongPassword = (): string => `Rampart test ${crypto.randomUUID()} horse`;

/** Every email captured for `address` so far. */
export async function emailsTo(address: string): Promise<CapturedEmail[]> {
  const res = await fetch(`${resendControlUrl}/__rampart/messages`);
  const all = await res.json<CapturedEmail[]>();
  return all.filter((m) => m.to.includes(address));
}

/** Waits (emails leave after the response) for the `count`-th email to `address` whose subject matches. */
export async function waitForEmail(address: string, subject: RegExp, count = 1, timeoutMs = 10_000): Promise<CapturedEmail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const matching = (await emailsTo(address)).filter((m) => subject.test(m.subject));
    const found = matching[count - 1];
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no email #${count} to ${address} matching ${String(subject)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The `token` query parameter of the first link in an email. */
export function linkToken(email: CapturedEmail): string {
  const match = /[?&]token=([^\s"&<]+)/.exec(email.text ?? "");
  if (match?.[1] === undefined) throw new Error(`no token link in "${email.subject}"`);
  return decodeURIComponent(match[1]);
}

/** JSON POST (or other method) to the worker, optionally with a bearer token and extra headers. */
export function send(
  path: string,
  body: unknown,
  options: { method?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return call(path, { method: options.method ?? "POST", headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** GET (or DELETE) with a bearer token. */
export function authed(path: string, token: string, method = "GET", headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { method, headers: { authorization: `Bearer ${token}`, ...headers } });
}

/** An account created and verified through the API. */
export interface TestAccount {
  readonly email: string;
  readonly password: string;
  readonly name: string;
}

/** Signs up (201) and returns the account, unverified. */
export async function signedUp(overrides: Partial<TestAccount> = {}): Promise<TestAccount> {
  const account = { email: newEmail(), password: strongPassword(), name: "Test User", ...overrides };
  const res = await send("/v1/auth/signup", account);
  if (res.status !== 201) throw new Error(`signup answered ${res.status}: ${await res.text()}`);
  return account;
}

/** Signs up and verifies through the emailed link. */
export async function verifiedAccount(overrides: Partial<TestAccount> = {}): Promise<TestAccount> {
  const account = await signedUp(overrides);
  const token = linkToken(await waitForEmail(account.email, /verify/i));
  const res = await send("/v1/auth/verify-email", { token });
  if (res.status !== 200) throw new Error(`verify-email answered ${res.status}: ${await res.text()}`);
  return account;
}

/** What a successful login (no Origin) answers. */
export interface SessionAnswer {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly session_id: string;
  readonly expires_in: number;
  readonly token_type: "Bearer";
}

/** Logs in (no Origin: a native client) and returns the session; throws on anything else. */
export async function loggedIn(account: TestAccount): Promise<SessionAnswer> {
  const res = await send("/v1/auth/login", { email: account.email, password: account.password });
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
  return res.json<SessionAnswer>();
}

/** A verified account with a session. */
export async function signedIn(): Promise<{ account: TestAccount; session: SessionAnswer }> {
  const account = await verifiedAccount();
  return { account, session: await loggedIn(account) };
}

/** The user id of an address (as the owner). */
export async function userIdOf(email: string): Promise<string> {
  const [row] = await asOwner(workerDb(), { text: "select id from users where email = $1", params: [email] });
  if (typeof row?.id !== "string") throw new Error(`no user ${email}`);
  return row.id;
}

/** Enrols and activates TOTP for a signed-in user; returns the secret and the recovery codes. */
export async function withTotp(accessToken: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrol = await send("/v1/auth/mfa/totp/enroll", undefined, { token: accessToken });
  if (enrol.status !== 200) throw new Error(`enroll answered ${enrol.status}: ${await enrol.text()}`);
  const { secret } = await enrol.json<{ secret: string }>();
  const activate = await send("/v1/auth/mfa/totp/activate", { code: totpCode(secret) }, { token: accessToken });
  if (activate.status !== 200) throw new Error(`activate answered ${activate.status}: ${await activate.text()}`);
  const { recovery_codes: recoveryCodes } = await activate.json<{ recovery_codes: string[] }>();
  return { secret, recoveryCodes };
}

/** The code an authenticator shows one step (30 s) later than now: a fresh step after activation used the current one. */
export const nextStepCode = (secret: string): string => totpCode(secret, Date.now() + 30_000);
