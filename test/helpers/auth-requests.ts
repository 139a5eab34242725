/**
 * Auth requests for the identity security suites (P5, P6, P10): like the flows in
 * ./identity.ts, but every request comes from its own random client address
 * (`cf-connecting-ip`), so the per-IP auth presets (P4) never see one test file's
 * requests, or another file's, as a burst from one address. Plus what those suites
 * check as the database owner: rows behind RLS, and a search of every text column of
 * every table for secrets that must never be stored.
 */
import { createApp } from "../../src/app";
import { totpCode } from "./totp";
import type { Bindings } from "../../src/env";
import {
  linkToken,
  newEmail,
  nextStepCode,
  strongPassword,
  waitForEmail,
  workerDb,
  type SessionAnswer,
  type TestAccount,
} from "./identity";
import { asOwner } from "./tenants";
import { call, callApp, testEnv } from "./worker";

/** Subjects of the auth emails. */
export const SUBJECTS = {
  verify: /^Verify your email address/,
  existing: /^Someone tried to sign up/,
  reset: /^Reset your Rampart password/,
} as const;

/** A random private IPv4 address (a client nobody else is). */
export function randomIp(): string {
  const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

export interface AuthRequestOptions {
  readonly method?: string;
  /** A bearer token. */
  readonly token?: string;
  /** The client address; a random one unless given. */
  readonly ip?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Runs an app from `createApp()` in this isolate under these bindings instead of the worker's entry point. */
  readonly env?: Bindings;
  /**
   * Runs the app in this isolate and returns only once its after-response work
   * (emails, stored events) has finished, so a test can tell "nothing was sent".
   */
  readonly settled?: boolean;
}

let app: ReturnType<typeof createApp> | undefined;

/** A JSON request (POST unless told) to the worker from a random client address. */
export function authRequest(path: string, body: unknown, options: AuthRequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cf-connecting-ip": options.ip ?? randomIp(),
    ...options.headers,
  };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const init = { method: options.method ?? "POST", headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) };
  if (options.env === undefined && options.settled !== true) return call(path, init);
  app ??= createApp();
  return callApp(app, path, init, options.env ?? testEnv);
}

/** A fresh account (random address, breach-free password), not yet signed up. */
export function newAccount(overrides: Partial<TestAccount> = {}): TestAccount {
  return { email: newEmail("p"), password: strongPassword(), name: "Test User", ...overrides };
}

/** `POST /v1/auth/signup`. */
export function signUp(account: TestAccount, options: AuthRequestOptions = {}): Promise<Response> {
  return authRequest("/v1/auth/signup", { email: account.email, password: account.password, name: account.name }, options);
}

/** `POST /v1/auth/login`. */
export function logIn(email: string, password: string, options: AuthRequestOptions = {}): Promise<Response> {
  return authRequest("/v1/auth/login", { email, password }, options);
}

/** `POST /v1/auth/verify-email`. */
export function verifyEmail(token: unknown, options: AuthRequestOptions = {}): Promise<Response> {
  return authRequest("/v1/auth/verify-email", { token }, options);
}

/** `POST /v1/auth/password-reset/confirm`. */
export function confirmReset(token: unknown, newPassword: string, options: AuthRequestOptions = {}): Promise<Response> {
  return authRequest("/v1/auth/password-reset/confirm", { token, new_password: newPassword }, options);
}

/** Throws with the answer's body unless its status is `status`. */
export async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status) throw new Error(`${what} answered ${response.status}: ${await response.text()}`);
  return response;
}

/** The token of the `count`-th email to `email` whose subject matches. */
export async function emailedToken(email: string, subject: RegExp, count = 1): Promise<string> {
  return linkToken(await waitForEmail(email, subject, count));
}

/** Signs up (201) and returns the account, unverified, with its verification token. */
export async function signedUpAccount(overrides: Partial<TestAccount> = {}): Promise<TestAccount & { verifyToken: string }> {
  const account = newAccount(overrides);
  await expectStatus(await signUp(account), 201, "signup");
  return { ...account, verifyToken: await emailedToken(account.email, SUBJECTS.verify) };
}

/** Signs up and verifies through the emailed link. */
export async function verifiedAccount(overrides: Partial<TestAccount> = {}): Promise<TestAccount> {
  const { verifyToken, ...account } = await signedUpAccount(overrides);
  await expectStatus(await verifyEmail(verifyToken), 200, "verify-email");
  return account;
}

/** Logs in (no Origin: a native client) and returns the session. */
export async function sessionOf(account: TestAccount, options: AuthRequestOptions = {}): Promise<SessionAnswer> {
  const res = await expectStatus(await logIn(account.email, account.password, options), 200, "login");
  return res.json<SessionAnswer>();
}

/** Enrols and activates TOTP for a signed-in user; returns the secret and the recovery codes. */
export async function enableTotp(accessToken: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrol = await expectStatus(await authRequest("/v1/auth/mfa/totp/enroll", undefined, { token: accessToken }), 200, "enroll");
  const { secret } = await enrol.json<{ secret: string }>();
  const activate = await expectStatus(
    await authRequest("/v1/auth/mfa/totp/activate", { code: totpCode(secret) }, { token: accessToken }),
    200,
    "activate",
  );
  const { recovery_codes: recoveryCodes } = await activate.json<{ recovery_codes: string[] }>();
  return { secret, recoveryCodes };
}

/** The MFA token a password login with TOTP enrolled answers. */
export async function mfaTokenOf(account: TestAccount): Promise<string> {
  const res = await expectStatus(await logIn(account.email, account.password), 200, "login");
  const body = await res.json<{ mfa_required?: boolean; mfa_token?: string }>();
  if (body.mfa_required !== true || body.mfa_token === undefined) throw new Error("login did not ask for MFA");
  return body.mfa_token;
}

/** Completes an MFA login with the next TOTP step of `secret`. */
export async function mfaSession(mfaToken: string, secret: string): Promise<SessionAnswer> {
  const res = await expectStatus(
    await authRequest("/v1/auth/mfa/verify", { mfa_token: mfaToken, code: nextStepCode(secret) }),
    200,
    "mfa/verify",
  );
  return res.json<SessionAnswer>();
}

/** Rows of a query run as the database owner (behind RLS) on the worker's database. */
export function ownerQuery(text: string, ...params: unknown[]): Promise<Record<string, unknown>[]> {
  return asOwner(workerDb(), { text, params });
}

/** What the owner sees of a user. */
export interface UserRow {
  readonly id: string;
  readonly password_hash: string | null;
  readonly email_verified: boolean;
  readonly totp_secret: string | null;
}

/** The users with this address (as the owner): none, or one. */
export async function usersWithEmail(email: string): Promise<UserRow[]> {
  const rows = await ownerQuery(
    "select id::text as id, password_hash, email_verified_at is not null as email_verified, totp_secret from users where email = $1",
    email.trim().toLowerCase(),
  );
  return rows.map((r) => ({
    id: String(r.id),
    password_hash: typeof r.password_hash === "string" ? r.password_hash : null,
    email_verified: r.email_verified === true,
    totp_secret: typeof r.totp_secret === "string" ? r.totp_secret : null,
  }));
}

/** The one user with this address (as the owner). */
export async function userWithEmail(email: string): Promise<UserRow> {
  const [row, ...more] = await usersWithEmail(email);
  if (row === undefined || more.length > 0) throw new Error(`expected one user ${email}, found ${more.length + (row ? 1 : 0)}`);
  return row;
}

/** The user's email tokens of one purpose, oldest first (as the owner). */
export async function emailTokensOf(
  userId: string,
  purpose: "verify_email" | "password_reset",
): Promise<{ id: string; digest: string; used: boolean; lifetimeSeconds: number }[]> {
  const rows = await ownerQuery(
    `select id::text as id, digest, used_at is not null as used, extract(epoch from expires_at - created_at)::float8 as lifetime
       from email_tokens where user_id = $1 and purpose = $2 order by created_at, id`,
    userId,
    purpose,
  );
  return rows.map((r) => ({ id: String(r.id), digest: String(r.digest), used: r.used === true, lifetimeSeconds: Number(r.lifetime) }));
}

/** Moves every email token of the user for `purpose` into the past (expired a second ago), as the owner. */
export async function expireEmailTokens(userId: string, purpose: "verify_email" | "password_reset"): Promise<void> {
  await ownerQuery(
    "update email_tokens set created_at = now() - interval '2 days', expires_at = now() - interval '1 second' where user_id = $1 and purpose = $2",
    userId,
    purpose,
  );
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * Where any of `secrets` (name → plaintext) occurs as a substring of any text,
 * varchar, json, jsonb or text-array column of any table outside the system schemas,
 * as the owner (RLS does not hide rows from it): `"<name> in <schema>.<table>.<column>"`
 * for each hit. Each column is read once, its values joined, every secret looked for in it.
 */
export async function whereStored(secrets: Readonly<Record<string, string>>): Promise<string[]> {
  const columns = await ownerQuery(
    `select c.table_schema as s, c.table_name as t, c.column_name as c
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where t.table_type = 'BASE TABLE'
        and c.table_schema not in ('pg_catalog', 'information_schema')
        and c.table_schema not like 'pg\\_%'
        and c.udt_name in ('text', 'varchar', 'bpchar', 'json', 'jsonb', '_text', '_varchar')
      order by 1, 2, 3`,
  );
  if (columns.length === 0) throw new Error("no text columns found: the search would prove nothing");
  const names = Object.keys(secrets);
  const values = names.map((n) => secrets[n] ?? "");
  if (values.some((v) => v.length < 8)) throw new Error("every secret searched for must be at least 8 characters");
  const parts = columns.map((col) => {
    const [schema, table, column] = [String(col.s), String(col.t), String(col.c)];
    const where = `${schema}.${table}.${column}`;
    return `select ${quoteLiteral(where)} as loc, (select string_agg(x.${quoteIdent(column)}::text, chr(1)) from ${quoteIdent(schema)}.${quoteIdent(table)} x) as agg`;
  });
  const rows = await ownerQuery(
    `select q.loc, s.i::int as i
       from (${parts.join("\n union all ")}) q
       cross join lateral unnest($1::text[]) with ordinality as s(v, i)
      where q.agg is not null and strpos(q.agg, s.v) > 0
      order by 1, 2`,
    values,
  );
  return rows.map((r) => `${names[Number(r.i) - 1] ?? "?"} in ${String(r.loc)}`);
}

/** Base64url without padding. */
export function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** SHA-1 or SHA-256 of a string's UTF-8 bytes, computed here with WebCrypto. */
export async function digestOf(algorithm: "SHA-1" | "SHA-256", text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, new TextEncoder().encode(text)));
}

/**
 * The keyed digest the worker should store for a token of `purpose`, computed here
 * independently with WebCrypto: HMAC-SHA-256 under TOKEN_HASH_SECRET of
 * `digest:<purpose>` NUL token, base64url.
 */
export async function keyedDigest(purpose: "refresh" | "email" | "mfa" | "recovery", token: string): Promise<string> {
  const secret = testEnv.TOKEN_HASH_SECRET;
  if (secret === undefined) throw new Error("the test env has no TOKEN_HASH_SECRET");
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`digest:${purpose}\u0000${token}`));
  return toBase64url(new Uint8Array(mac));
}
