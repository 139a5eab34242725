/**
 * The bank connection flow for tests, as a browser walks it: the app's connect route
 * (302 to the bank, binding cookie), the bank stand-in's authorize endpoint (it approves
 * at once and redirects back with `code`, `state` and `iss`), and the callback with the
 * cookie. The stand-in's requests list shows what the worker sent the bank; files share
 * the stand-in, so a test picks out its own requests by the digest of the credential
 * each carried (a code it saw, a token it opened from its row).
 */
import { expect, inject } from "vitest";
import { open } from "../../src/crypto/envelope";
import type { Person } from "./orgs";
import { someIp } from "./orgs";
import { ownerQuery } from "./identity-ip";
import { call, testEnv } from "./worker";

const { bankControlUrl } = inject("stack");

/** The binding cookie's name. */
export const BINDING_COOKIE = "__Host-rampart-bank-oauth";

/** One request the bank stand-in received. */
export interface BankRequest {
  readonly method: string;
  readonly path: string;
  readonly grantType?: string;
  readonly client?: string;
  readonly status: number;
  /** SHA-256 (hex, 32) of the credential presented: code, refresh token, bearer or revoked token. */
  readonly subject?: string;
  /** SHA-256 (hex, 32) of the refresh token issued. */
  readonly issued?: string;
}

/** The digest the stand-in lists for a credential. */
export async function digestOf(value: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)));
  return [...hash]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .slice(0, 32);
}

/** Requests since `before` that presented one of `credentials` (in clear; compared by digest). */
export async function requestsWith(before: number, ...credentials: (string | undefined)[]): Promise<BankRequest[]> {
  const subjects = new Set(await Promise.all(credentials.filter((c): c is string => c !== undefined).map(digestOf)));
  return (await bankRequestsSince(before)).filter((r) => r.subject !== undefined && subjects.has(r.subject));
}

/** The organization's tokens in clear, opened from its row with `keys` (the test deployment's by default). */
export async function tokensOf(
  orgId: string,
  keys: string = testEnv.DATA_ENCRYPTION_KEYS ?? "",
): Promise<{ access?: string; refresh?: string }> {
  const row = await connectionRow(orgId);
  if (row === null) return {};
  const access = await open(keys, String(row.access_token_sealed), { orgId, integration: "bank", column: "access_token" });
  const sealedRefresh = typeof row.refresh_token_sealed === "string" ? row.refresh_token_sealed : undefined;
  const refresh =
    sealedRefresh === undefined ? undefined : await open(keys, sealedRefresh, { orgId, integration: "bank", column: "refresh_token" });
  return { ...(access === undefined ? {} : { access }), ...(refresh === undefined ? {} : { refresh }) };
}

/** Everything the bank stand-in received so far. */
export async function bankRequests(): Promise<BankRequest[]> {
  return (await fetch(`${bankControlUrl}/__rampart/requests`)).json<BankRequest[]>();
}

/** Requests the bank received after `before` (a snapshot's length). */
export async function bankRequestsSince(before: number): Promise<BankRequest[]> {
  return (await bankRequests()).slice(before);
}

/** A started connection: the bank's authorize URL, the state in it and the binding cookie. */
export interface Started {
  readonly response: Response;
  readonly authorizeUrl: URL;
  readonly state: string;
  /** The cookie's value (`<session id>.<nonce>`). */
  readonly cookie: string;
  readonly setCookie: string;
}

/** GET …/integrations/bank/connect as `who`: must answer 302. */
export async function startConnect(orgId: string, who: Person | string): Promise<Started> {
  const token = typeof who === "string" ? who : who.token;
  const response = await call(`/v1/orgs/${orgId}/integrations/bank/connect`, {
    headers: { authorization: `Bearer ${token}`, "cf-connecting-ip": someIp() },
    redirect: "manual",
  });
  if (response.status !== 302) throw new Error(`connect answered ${response.status}: ${await response.text()}`);
  const authorizeUrl = new URL(response.headers.get("location") ?? "");
  const setCookie = response.headers.get("set-cookie") ?? "";
  const cookie = new RegExp(`${BINDING_COOKIE}=([^;]+)`).exec(setCookie)?.[1] ?? "";
  return { response, authorizeUrl, state: authorizeUrl.searchParams.get("state") ?? "", cookie: decodeURIComponent(cookie), setCookie };
}

/** The bank approves: its redirect back to the callback (with code, state, iss). */
export async function approve(started: Started): Promise<URL> {
  const res = await fetch(started.authorizeUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location") ?? "");
}

/** The browser arrives at the callback, with the binding cookie (or another, or none). */
export function callback(url: URL | string, cookie: string | null): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": someIp() };
  if (cookie !== null) headers.cookie = `${BINDING_COOKIE}=${encodeURIComponent(cookie)}`;
  const target = typeof url === "string" ? url : `${url.pathname}${url.search}`;
  return call(target, { headers, redirect: "manual" });
}

/** Connects the bank for `orgId` as `who`, all the way; returns the callback's answer. */
export async function connectBank(orgId: string, who: Person): Promise<Response> {
  const started = await startConnect(orgId, who);
  return callback(await approve(started), started.cookie);
}

/** The organization's connection row as the owner sees it (null when none). */
export async function connectionRow(orgId: string): Promise<Record<string, unknown> | null> {
  const [row] = await ownerQuery("select * from bank_connections where org_id = $1", [orgId]);
  return row ?? null;
}

/** The `result` (and `reason`) the callback sent the browser back to the app with. */
export function appResult(response: Response): { path: string; result: string | null; reason: string | null } {
  const location = new URL(response.headers.get("location") ?? "");
  return { path: location.pathname, result: location.searchParams.get("result"), reason: location.searchParams.get("reason") };
}
