/**
 * (g) Identity: what a login, an access token and an authenticated request cost.
 * - bcrypt computations per login, counted exactly in the bench worker (it wraps
 *   bcryptjs's `compare` and `hash`, see worker.ts) while real logins run through the
 *   real app: right password, wrong password, unknown email (1 each), and logins the
 *   rate limit refuses (0): the account limit's 11th attempt from a new address, the
 *   IP limit's 21st from one address and the next one, which the isolate's cache refuses;
 * - a login's CPU in workerd at the default cost (identity-cpu.ts);
 * - `verifyAccessToken` in-isolate, blocks between fences as isolate.ts times app.fetch
 *   (wall time: on a loaded machine it includes waits for a core), beside its
 *   isolate-thread CPU (identity-cpu.ts);
 * - round trips of an authenticated request (`GET /v1/auth/sessions`, a real access
 *   token from a real login), counted at the stand-ins under a tag only these
 *   requests carry, and of one with a revoked session's token (refused before the handler);
 * - unknown email against wrong password, timed from Node against the app under
 *   `wrangler dev`, alternating, every answer checked to be 401 `invalid_credentials`.
 */
import { randomUUID } from "node:crypto";
import type { Stack } from "../stack/launcher.ts";
import { logIn, newEmail, randomIp, send, signUp, verifiedAccount, type Account, type RequestOptions } from "./identity-accounts.ts";
import { measureIdentityCpu } from "./identity-cpu.ts";
import { spreadLabel, spreadOf } from "./median.ts";
import type { Row } from "./table.ts";

const group = "identity";
/** Verifications per fenced block, and blocks. */
const JWT_N = 1000;
const JWT_BLOCKS = 12;
const JWT_GOAL_US = 100;
/** Requests per round-trip count. */
const REQUESTS = 20;
/** Logins of each kind in the timing comparison, and the accounts that take the wrong passwords (≤ 8 each, under the 10 per account). */
const TIMED = 60;
const TIMED_WARM_UP = 2;
const PER_ACCOUNT = 8;
const TIMING_TOLERANCE = 0.1;

/** One login through the bench worker's counted route. */
interface Attempt {
  readonly status: number;
  readonly code: string | undefined;
  /** bcrypt computations: calls of `bcrypt.compare` plus `bcrypt.hash`. */
  readonly hashes: number;
}

/** The `code` of a problem+json body, if the body is one. */
function problemCode(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON (an empty or plain-text answer): it carries no problem code.
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || !("code" in parsed)) return undefined;
  return typeof parsed.code === "string" ? parsed.code : undefined;
}

/** A request through the bench worker's `/identity/app` route; the bcrypt calls it made. */
async function counted(benchUrl: string, path: string, body: unknown, options: RequestOptions = {}): Promise<Attempt> {
  const res = await send(`${benchUrl}/identity/app${path}`, body, options);
  const calls = /^(\d+)\+(\d+)$/.exec(res.headers.get("x-bench-bcrypt") ?? "");
  const text = await res.text();
  if (calls === null) throw new Error(`${path}: no x-bench-bcrypt header (HTTP ${res.status}): not the bench worker's counted route`);
  if (res.headers.get("x-bench-overlap") !== null)
    throw new Error(`${path}: another counted request overlapped it, so its count is not its own`);
  return { status: res.status, code: problemCode(text), hashes: Number(calls[1]) + Number(calls[2]) };
}

/** `attempt`, after checking it was answered as `what` should be. */
function expectAnswer(attempt: Attempt, status: number, code: string | undefined, what: string): Attempt {
  if (attempt.status !== status || (code !== undefined && attempt.code !== code)) {
    throw new Error(`${what}: HTTP ${attempt.status} ${attempt.code ?? ""}, expected ${status} ${code ?? ""}`);
  }
  return attempt;
}

/** A hashes row: the mean, judged on every single attempt (a 0 and a 2 must not average to 1). */
function hashRow(name: string, attempts: readonly Attempt[], expected: 0 | 1): Row {
  const total = attempts.reduce((sum, a) => sum + a.hashes, 0);
  return {
    group,
    name: `password hashes per login: ${name} (each of ${attempts.length})`,
    value: total / attempts.length,
    unit: "",
    goal: `= ${expected}`,
    ok: attempts.every((a) => a.hashes === expected),
  };
}

async function hashCounts(benchUrl: string, appUrl: string, stack: Stack): Promise<Row[]> {
  const owner = await verifiedAccount(appUrl, stack, "hashes");
  const probe = await signUp(appUrl, "limited");
  const login = (account: Account, options?: RequestOptions): Promise<Attempt> => counted(benchUrl, "/v1/auth/login", account, options);
  const wrongPassword = (account: Account): Account => ({ email: account.email, password: `${account.password} wrong` });
  const stranger = (): Account => ({ email: newEmail("unknown"), password: "Rampart bench unknown horse" });
  const right: Attempt[] = [];
  const wrong: Attempt[] = [];
  const unknown: Attempt[] = [];
  for (let i = 0; i < 3; i++) {
    right.push(expectAnswer(await login(owner), 200, undefined, "login, right password"));
    wrong.push(expectAnswer(await login(wrongPassword(owner)), 401, "invalid_credentials", "login, wrong password"));
    unknown.push(expectAnswer(await login(stranger()), 401, "invalid_credentials", "login, unknown email"));
  }
  // The account limit (10 per 15 minutes): ten failures, each from its own address, then
  // two more from new addresses, which no success made known: refused (Turnstile is off).
  for (let i = 0; i < 10; i++) {
    wrong.push(expectAnswer(await login(wrongPassword(probe)), 401, "invalid_credentials", `login ${i + 1} of the account-limit probe`));
  }
  const byAccount: Attempt[] = [];
  for (let i = 0; i < 2; i++)
    byAccount.push(expectAnswer(await login(wrongPassword(probe)), 429, "rate_limited", "login past the account limit"));
  // The IP limit (20 per 15 minutes): twenty unknown addresses from one client address;
  // the 21st is refused by Redis, the 22nd by the isolate's cache of denials.
  const ip = randomIp();
  for (let i = 0; i < 20; i++) {
    unknown.push(expectAnswer(await login(stranger(), { ip }), 401, "invalid_credentials", `login ${i + 1} of the IP-limit probe`));
  }
  const byIp: Attempt[] = [];
  for (let i = 0; i < 2; i++) byIp.push(expectAnswer(await login(stranger(), { ip }), 429, "rate_limited", "login past the IP limit"));
  return [
    hashRow("verified account, right password (200)", right, 1),
    hashRow("wrong password (401)", wrong, 1),
    hashRow("unknown email (401)", unknown, 1),
    hashRow("refused by the account limit, 11th and 12th attempt from new addresses (429)", byAccount, 0),
    hashRow("refused by the IP limit, 21st from one address by Redis, 22nd by the isolate's cache (429)", byIp, 0),
  ];
}

async function jwtVerification(benchUrl: string): Promise<Row[]> {
  const res = await fetch(`${benchUrl}/identity/jwt?n=${JWT_N}&blocks=${JWT_BLOCKS}`);
  if (!res.ok) throw new Error(`identity/jwt: HTTP ${res.status} ${await res.text()}`);
  const t = (await res.json()) as { refused: number; verifyMs: number[]; emptyMs: number[] };
  if (t.refused !== 0) throw new Error(`identity/jwt: ${t.refused} verifications refused a valid token`);
  const perBlock = t.verifyMs.map((ms, i) => ((ms - (t.emptyMs[i] ?? 0)) * 1000) / JWT_N);
  const { median } = spreadOf(perBlock);
  return [
    {
      group,
      name: `verifyAccessToken in-isolate, wall time between fences (blocks of ${JWT_N}, ${spreadLabel(perBlock, "µs")})`,
      value: median,
      unit: "µs",
      goal: `≤ ${JWT_GOAL_US}`,
      ok: median <= JWT_GOAL_US,
    },
  ];
}

/** A row whose every request must have cost `expected`; the value is the mean. */
function roundTripRow(name: string, counts: readonly number[], expected: number): Row {
  const value = counts.reduce((a, b) => a + b, 0) / counts.length;
  return {
    group,
    name: `${name} (each of ${counts.length})`,
    value,
    unit: "",
    goal: `= ${expected}`,
    ok: counts.every((c) => c === expected),
  };
}

async function authenticatedRoundTrips(benchUrl: string, appUrl: string, stack: Stack): Promise<Row[]> {
  const viaApp = `${benchUrl}/identity/app`;
  const account = await verifiedAccount(appUrl, stack, "round-trips");
  // The login that opens the live session is counted too, under a tag of its own (for reference).
  const loginTag = `identity-login-${randomUUID().slice(0, 8)}`;
  const live = await logIn(viaApp, account, { headers: { "x-bench-tag": loginTag } });
  const loginDb = stack.neon.stats(loginTag);
  const loginRedis = stack.upstash.stats(loginTag).httpRequests;
  const revoked = await logIn(viaApp, account);
  // Revoked with its own token: the live session makes no request before the counted ones,
  // so its first counted request is its first in a minute (last-seen written).
  const revoke = await send(`${viaApp}/v1/auth/sessions/${revoked.sessionId}`, undefined, { method: "DELETE", token: revoked.accessToken });
  await revoke.arrayBuffer();
  if (revoke.status !== 204) throw new Error(`revoking a session: HTTP ${revoke.status}, expected 204`);

  // Only these requests carry the tag: nothing else reaching the stand-ins is counted.
  const tag = `identity-${randomUUID().slice(0, 8)}`;
  const counts = (): { db: number; redis: number } => {
    const neon = stack.neon.stats(tag);
    return { db: neon.httpRequests + neon.wsConnections, redis: stack.upstash.stats(tag).httpRequests };
  };
  const one = async (token: string, status: number, code?: string): Promise<{ db: number; redis: number }> => {
    const before = counts();
    const res = await send(`${viaApp}/v1/auth/sessions`, undefined, { token, headers: { "x-bench-tag": tag } });
    const text = await res.text();
    if (res.status !== status || (code !== undefined && problemCode(text) !== code)) {
      throw new Error(`GET /v1/auth/sessions: HTTP ${res.status} ${text.slice(0, 200)}, expected ${status} ${code ?? ""}`);
    }
    // The route answers after the app's after-response work, so this request's round trips are all in.
    const after = counts();
    return { db: after.db - before.db, redis: after.redis - before.redis };
  };
  // The session's first authenticated request: last-seen is written (after the response) once a minute.
  const first = await one(live.accessToken, 200);
  const seen: { db: number; redis: number }[] = [];
  for (let i = 0; i < REQUESTS; i++) seen.push(await one(live.accessToken, 200));
  const refused: { db: number; redis: number }[] = [];
  for (let i = 0; i < REQUESTS; i++) refused.push(await one(revoked.accessToken, 401, "invalid_token"));
  return [
    {
      group,
      name: "database per successful login: the account, the session, the security event after the response",
      value: loginDb.httpRequests + loginDb.wsConnections,
      unit: "",
    },
    {
      group,
      name: "Redis per successful login: limits + known-address read, known-address write after the response",
      value: loginRedis,
      unit: "",
    },
    roundTripRow(
      "Redis per authenticated GET /v1/auth/sessions: limits, revocation, last-seen in one pipeline",
      seen.map((c) => c.redis),
      1,
    ),
    roundTripRow(
      "database per authenticated GET /v1/auth/sessions: the handler's 1 query, none before it",
      seen.map((c) => c.db),
      1,
    ),
    {
      group,
      name: "database, the same, a session's first request in a minute (+ last_seen_at after the response)",
      value: first.db,
      unit: "",
    },
    roundTripRow(
      "database per GET /v1/auth/sessions with a revoked session's token (401 before the handler)",
      refused.map((c) => c.db),
      0,
    ),
    roundTripRow(
      "Redis per GET /v1/auth/sessions with a revoked session's token (401)",
      refused.map((c) => c.redis),
      1,
    ),
  ];
}

async function failureTiming(appUrl: string): Promise<Row[]> {
  const accounts: Account[] = [];
  for (let i = 0; i < Math.ceil((TIMED + TIMED_WARM_UP) / PER_ACCOUNT); i++) accounts.push(await signUp(appUrl, "timing"));
  const time = async (account: Account, what: string): Promise<number> => {
    const t0 = performance.now();
    const res = await send(`${appUrl}/v1/auth/login`, account);
    const text = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 401 || problemCode(text) !== "invalid_credentials") {
      throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 200)}, expected 401 invalid_credentials`);
    }
    return ms;
  };
  const unknownEmail = (): Promise<number> => time({ email: newEmail("nobody"), password: "Rampart bench unknown horse" }, "unknown email");
  let used = 0;
  const wrongPassword = (): Promise<number> => {
    const account = accounts[Math.floor(used++ / PER_ACCOUNT)];
    if (account === undefined) throw new Error("timing: more wrong-password logins than accounts allow");
    return time({ email: account.email, password: `${account.password} wrong` }, "wrong password");
  };
  for (let i = 0; i < TIMED_WARM_UP / 2; i++) {
    await unknownEmail();
    await wrongPassword();
  }
  const unknown: number[] = [];
  const wrong: number[] = [];
  // Alternating, and which goes first alternates too, so drift in the machine's load touches both alike.
  for (let i = 0; i < TIMED; i++) {
    if (i % 2 === 0) {
      unknown.push(await unknownEmail());
      wrong.push(await wrongPassword());
    } else {
      wrong.push(await wrongPassword());
      unknown.push(await unknownEmail());
    }
  }
  const u = spreadOf(unknown).median;
  const w = spreadOf(wrong).median;
  const ratio = u / w;
  // Each unknown-email login against the wrong-password login next to it in time, which met the same load.
  const paired = unknown.map((ms, i) => ms / (wrong[i] ?? Number.NaN));
  return [
    { group, name: `login, unknown email, from Node via wrangler dev (${spreadLabel(unknown, "ms")})`, value: u, unit: "ms" },
    { group, name: `login, known email + wrong password, the same (${spreadLabel(wrong, "ms")})`, value: w, unit: "ms" },
    {
      group,
      name: "unknown email / wrong password, medians (both 401 invalid_credentials)",
      value: ratio,
      unit: "×",
      goal: `${(1 - TIMING_TOLERANCE).toFixed(2)}–${(1 + TIMING_TOLERANCE).toFixed(2)}`,
      ok: Math.abs(1 - ratio) <= TIMING_TOLERANCE,
    },
    { group, name: `the same, each pair's ratio (${spreadLabel(paired, "×", 2)})`, value: spreadOf(paired).median, unit: "×" },
  ];
}

/**
 * The identity rows. `appUrl` is the app under `wrangler dev` (sign-ups, the timing
 * comparison), `benchUrl` the bench worker under `wrangler dev` (counted logins, JWT,
 * round trips); the login CPU row serves the bench worker's bundle with workerd itself.
 */
export async function measureIdentity(appUrl: string, benchUrl: string, stack: Stack): Promise<Row[]> {
  const hashes = await hashCounts(benchUrl, appUrl, stack);
  const cpu = await measureIdentityCpu(appUrl, stack);
  return [
    ...hashes,
    ...cpu.login,
    ...(await jwtVerification(benchUrl)),
    cpu.jwt,
    ...(await authenticatedRoundTrips(benchUrl, appUrl, stack)),
    ...(await failureTiming(appUrl)),
  ];
}
