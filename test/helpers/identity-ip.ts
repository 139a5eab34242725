/**
 * Identity flows from a client address of their own. The auth presets limit per IP
 * (login 20, signup 10, MFA 20 … per window), and a request without
 * `cf-connecting-ip` counts as IP "unknown", shared by every test file: so every
 * request here carries the client's random address. Thin wrappers over
 * test/helpers/identity.ts (same emails, same capture server), plus what the MFA
 * and security-event suites need: TOTP time-step arithmetic, the payload of an
 * access token, and the rows of `security_events` read as the owner.
 */
import { TOTP_PERIOD, totpCode } from "./totp";
import { linkToken, newEmail, strongPassword, waitForEmail, workerDb, type SessionAnswer, type TestAccount } from "./identity";
import { asOwner } from "./tenants";
import { call } from "./worker";

/** How a client reaches the worker: `call` (the real entry point) or a `callApp` with another env. */
export type Transport = (target: string, init?: RequestInit<RequestInitCfProperties>) => Promise<Response>;

/** A random private IPv4 address (16 million of them: files and tests never share one). */
export function randomIp(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(3));
  return `10.${bytes[0] ?? 0}.${bytes[1] ?? 0}.${bytes[2] ?? 0}`;
}

/** Options of one request. */
export interface SendOptions {
  readonly method?: string;
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** TOTP enabled through the API: the secret, the recovery codes, and the step the activation used. */
export interface TotpEnrolment {
  readonly secret: string;
  readonly recoveryCodes: string[];
  readonly activationStep: number;
}

/** What login answers when TOTP is on. */
export interface MfaChallengeAnswer {
  readonly mfa_required: true;
  readonly mfa_token: string;
  readonly expires_in: number;
}

/** A client with its own address; every request it sends carries `cf-connecting-ip`. */
export class IpClient {
  readonly ip: string;
  readonly #transport: Transport;

  constructor(ip: string = randomIp(), transport: Transport = call) {
    this.ip = ip;
    this.#transport = transport;
  }

  /** A JSON request (POST unless told), with an optional bearer token. */
  send(path: string, body?: unknown, options: SendOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { "cf-connecting-ip": this.ip, ...options.headers };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    return this.#transport(path, {
      method: options.method ?? "POST",
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** A bodiless request with a bearer token (GET unless told). */
  authed(path: string, token: string, method = "GET"): Promise<Response> {
    return this.send(path, undefined, { method, token });
  }

  /** Signs up (201) and returns the account, unverified, and the answer. */
  async signUp(overrides: Partial<TestAccount> = {}): Promise<{ account: TestAccount; response: Response }> {
    const account = { email: newEmail(), password: strongPassword(), name: "Test User", ...overrides };
    const response = await this.send("/v1/auth/signup", account);
    if (response.status !== 201) throw new Error(`signup answered ${response.status}: ${await response.text()}`);
    return { account, response };
  }

  /** Signs up and verifies through the emailed link. */
  async verifiedAccount(overrides: Partial<TestAccount> = {}): Promise<TestAccount> {
    const { account } = await this.signUp(overrides);
    const token = linkToken(await waitForEmail(account.email, /verify/i));
    const res = await this.send("/v1/auth/verify-email", { token });
    if (res.status !== 200) throw new Error(`verify-email answered ${res.status}: ${await res.text()}`);
    return account;
  }

  /** POST /v1/auth/login with the account's address and password (or another password). */
  login(account: TestAccount, password: string = account.password): Promise<Response> {
    return this.send("/v1/auth/login", { email: account.email, password });
  }

  /** Logs in (no Origin: a native client) and returns the session; throws on anything else. */
  async loggedIn(account: TestAccount): Promise<SessionAnswer> {
    const res = await this.login(account);
    const body = await res.json<Partial<SessionAnswer>>();
    if (res.status !== 200 || body.access_token === undefined) throw new Error(`login answered ${res.status}: ${JSON.stringify(body)}`);
    return body as SessionAnswer;
  }

  /** A verified account with an aal1 session. */
  async signedIn(): Promise<{ account: TestAccount; session: SessionAnswer }> {
    const account = await this.verifiedAccount();
    return { account, session: await this.loggedIn(account) };
  }

  /** Enrols TOTP (200) and returns the secret and otpauth URL. */
  async enrol(accessToken: string): Promise<{ secret: string; otpauth_url: string }> {
    const res = await this.send("/v1/auth/mfa/totp/enroll", undefined, { token: accessToken });
    if (res.status !== 200) throw new Error(`enroll answered ${res.status}: ${await res.text()}`);
    return res.json<{ secret: string; otpauth_url: string }>();
  }

  /**
   * Enrols and activates TOTP with the code of the current step plus `offset` (-1: the
   * previous step, still accepted as clock drift), computed away from a step's edge.
   */
  async withTotp(accessToken: string, offset = 0): Promise<TotpEnrolment> {
    const { secret } = await this.enrol(accessToken);
    await awayFromStepEdge();
    const activationStep = currentStep() + offset;
    const res = await this.send("/v1/auth/mfa/totp/activate", { code: stepCode(secret, activationStep) }, { token: accessToken });
    if (res.status !== 200) throw new Error(`activate answered ${res.status}: ${await res.text()}`);
    const { recovery_codes: recoveryCodes } = await res.json<{ recovery_codes: string[] }>();
    return { secret, recoveryCodes, activationStep };
  }

  /** Logs in to an account with TOTP on and returns the `mfa_token`; throws on anything else. */
  async mfaToken(account: TestAccount): Promise<string> {
    const res = await this.login(account);
    const body = await res.json<Partial<MfaChallengeAnswer>>();
    if (res.status !== 200 || body.mfa_token === undefined) throw new Error(`login answered ${res.status}: ${JSON.stringify(body)}`);
    return body.mfa_token;
  }

  /** POST /v1/auth/mfa/verify. */
  verifyMfa(mfaToken: string, code: string): Promise<Response> {
    return this.send("/v1/auth/mfa/verify", { mfa_token: mfaToken, code });
  }

  /** Logs in and passes the second step with `code`; throws on anything but a session. */
  async mfaSession(account: TestAccount, code: string): Promise<SessionAnswer> {
    const res = await this.verifyMfa(await this.mfaToken(account), code);
    if (res.status !== 200) throw new Error(`mfa/verify answered ${res.status}: ${await res.text()}`);
    return res.json<SessionAnswer>();
  }
}

// ── TOTP steps ──────────────────────────────────────────────────────────────────

/** The TOTP time step of `nowMs`. */
export const currentStep = (nowMs: number = Date.now()): number => Math.floor(nowMs / 1000 / TOTP_PERIOD);

/** The code an authenticator shows during `step`. */
export const stepCode = (secret: string, step: number): string => totpCode(secret, step * TOTP_PERIOD * 1000);

/**
 * Waits, if less than `marginMs` is left of the current step, for the next one: a
 * test that means "the current step" or "two steps away" must not see the step
 * change between computing a code and the worker checking it.
 */
export async function awayFromStepEdge(marginMs = 3000): Promise<void> {
  const left = TOTP_PERIOD * 1000 - (Date.now() % (TOTP_PERIOD * 1000));
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

/** A six-digit code that no step within ±`around` of now produces for `secret`. */
export function wrongCode(secret: string, around = 3): string {
  const now = currentStep();
  const valid = new Set(Array.from({ length: 2 * around + 1 }, (_, i) => stepCode(secret, now - around + i)));
  for (;;) {
    const candidate = String(crypto.getRandomValues(new Uint32Array(1))[0] ?? 0)
      .padStart(6, "0")
      .slice(-6);
    if (!valid.has(candidate)) return candidate;
  }
}

// ── Tokens ──────────────────────────────────────────────────────────────────────

/** The decoded payload of a JWT (no verification: the worker's answer already came from it). */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (part === undefined) throw new Error("not a JWT");
  const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** The request id of an answer (every response carries one). */
export function requestIdOf(response: Response): string {
  const id = response.headers.get("x-request-id");
  if (id === null) throw new Error("response without x-request-id");
  return id;
}

// ── The database, as the owner ──────────────────────────────────────────────────

/** One parameterised statement as the owner (behind RLS), on the worker's database. */
export function ownerQuery(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  return asOwner(workerDb(), { text, params });
}

/** The single number a `select count(*)::int as n …` statement returns. */
export async function ownerCount(text: string, params: unknown[] = []): Promise<number> {
  const [row] = await ownerQuery(text, params);
  return Number(row?.n);
}

/** A row of `security_events`. */
export interface StoredEvent {
  readonly type: string;
  readonly severity: string;
  readonly org_id: string | null;
  readonly actor_user_id: string | null;
  readonly request_id: string | null;
  readonly ip_hash: string | null;
  readonly details: Record<string, unknown>;
}

const EVENT_COLUMNS = "type, severity, org_id, actor_user_id, request_id, ip_hash, details";

function asEvent(row: Record<string, unknown>): StoredEvent {
  const details: unknown = typeof row.details === "string" ? JSON.parse(row.details) : row.details;
  return {
    type: String(row.type),
    severity: String(row.severity),
    org_id: typeof row.org_id === "string" ? row.org_id : null,
    actor_user_id: typeof row.actor_user_id === "string" ? row.actor_user_id : null,
    request_id: typeof row.request_id === "string" ? row.request_id : null,
    ip_hash: typeof row.ip_hash === "string" ? row.ip_hash : null,
    details: typeof details === "object" && details !== null ? (details as Record<string, unknown>) : {},
  };
}

/** Every stored event of these requests. */
export async function eventsOfRequests(requestIds: readonly string[]): Promise<StoredEvent[]> {
  const rows = await ownerQuery(`select ${EVENT_COLUMNS} from security_events where request_id = any($1::text[]) order by created_at, id`, [
    requestIds,
  ]);
  return rows.map(asEvent);
}

/** Every stored event whose actor is `userId`. */
export async function eventsOfUser(userId: string): Promise<StoredEvent[]> {
  const rows = await ownerQuery(`select ${EVENT_COLUMNS} from security_events where actor_user_id = $1 order by created_at, id`, [userId]);
  return rows.map(asEvent);
}

/**
 * Waits (events are stored after the response) for the `type` event of the request
 * that answered `response` (or of a request id), and returns it.
 */
export async function waitForEvent(request: Response | string, type: string, timeoutMs = 5000): Promise<StoredEvent> {
  const requestId = typeof request === "string" ? request : requestIdOf(request);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await eventsOfRequests([requestId])).find((event) => event.type === type);
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no ${type} event stored for request ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
