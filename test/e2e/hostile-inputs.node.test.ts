/**
 * Issue 16: the hostile-input suite. Against the real worker under `wrangler dev` (real
 * HTTP, from outside), generated from the served OpenAPI document (test/e2e/hostile-cases.ts):
 * for every operation, requests without credentials, with forged, expired or tampered
 * tokens and a forged API key, with tenant A's principals on tenant B's ids, and with
 * fields missing, of the wrong type, oversized or carrying injection payloads.
 *
 * Pass, per response: never a 5xx; a 4xx is `application/problem+json` whose `code` the
 * operation documents (or one of the pipeline's own codes, PIPELINE_CODES), whose
 * `status` matches, and whose body leaks no stack, SQL or internals; a 2xx only where the
 * case says so (`allow2xx`). Then nothing was written: every table's rows of tenant A
 * and tenant B (and every table's total) are counted before and after, directly in the
 * database as its owner; the only rows allowed to appear are security events of the
 * refusal kinds (REFUSAL_EVENT_TYPES) and the organizations an accepted POST /v1/orgs
 * created (with their own rows); both audit chains verify and are unchanged (over the API).
 *
 * Rate limits: every request comes from its own client address (`cf-connecting-ip`, which
 * `wrangler dev` passes through) and tenant A's principals are pools (four users, three API
 * keys), so the per-address and per-principal limits rarely meet and most cases reach the
 * stage they probe; a 429 still passes (it is a documented refusal) and is counted.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logIn, randomIp, verifiedAccount, type Account } from "../bench/identity-accounts.ts";
import { repoRoot, startDevServer, type DevServer } from "../stack/dev-server.ts";
import { ensureDevVars } from "../stack/secrets.ts";
import {
  CREATES_OWN_ORG,
  generateCases,
  operationsOf,
  PIPELINE_CODES,
  resolve,
  sample,
  type CaseContext,
  type Category,
  type Credential,
  type HostileCase,
  type OpenApiDocument,
  type TenantIds,
} from "./hostile-cases.ts";

const CONCURRENCY = 8;
const PROBLEM_JSON = "application/problem+json";
/** Collections of the compliance records; one of each is created in tenant B. */
const RECORD_COLLECTIONS = ["risks", "vendors", "incidents", "policies", "trainings", "controls", "assessments", "evidence"] as const;
/** 503s that mean "nothing was done, send it again" (a slow stand-in on a busy machine), retried up to UNAVAILABLE_ATTEMPTS times. */
const RETRIED_503 = new Set(["rate_limit_unavailable", "auth_unavailable", "database_unavailable"]);
const UNAVAILABLE_ATTEMPTS = 5;
/**
 * Security events a refused request may store (P16): its refusal, a failed login (an
 * unknown address, a wrong password), a challenged login, a sign-up of an existing address,
 * a refused administrator route, and the alerts such volumes raise. Anything else is a write.
 */
const REFUSAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  "request_refused",
  "login_failed",
  "login_challenged",
  "signup_existing_account",
  "admin_access_refused",
  "alert_raised",
  "mfa_failed",
]);
/**
 * Responses that break the rules but are known, each with its reason (reported, not fixed
 * here): which outcomes, and why. Each one is counted in the output.
 */
const KNOWN_FAILURES: readonly { readonly matches: (c: HostileCase, status: number) => boolean; readonly reason: string }[] = [
  {
    matches: (c, status) => c.name === "body:not-allowed-chunked" && status < 400,
    reason:
      "A GET with a chunked body (Transfer-Encoding, no Content-Length) is served as if it had none under `wrangler dev`: " +
      "the local runtime hands the worker neither the body nor its framing header, so the WAF cannot answer 400 " +
      "`body_not_allowed` (it does for the same request built inside workerd, test/security/p03-waf-failsafe.test.ts, " +
      "and for a GET with a Content-Length body here). Nothing reads the body.",
  },
];
const knownFailure = (c: HostileCase, status: number): string | undefined => KNOWN_FAILURES.find((k) => k.matches(c, status))?.reason;
/** What must never appear in an error body: stack frames, source paths, SQL, driver errors. */
const LEAKS: readonly RegExp[] = [
  /\n\s+at [\w$.<>]+ \(/,
  /\.(?:ts|js|mjs):\d+/,
  /node_modules/,
  /\b(?:select|insert|update|delete)\b[^"]{0,80}\b(?:from|into|set|where)\b/i,
  /syntax error|relation "|violates [\w ]*constraint|duplicate key|SQLSTATE|NeonDbError|PostgresError|TypeError|ReferenceError|drizzle/i,
  /<script/i,
];

let server: DevServer | undefined;
let api = "";
let doc: OpenApiDocument | undefined;

interface Principal {
  readonly account: Account;
  readonly token: string;
  readonly userId: string;
  readonly sessionId: string;
}
interface Tenant {
  readonly owner: Principal;
  readonly ids: TenantIds;
  readonly keys: readonly string[];
}
let tenantA: Tenant | undefined;
let tenantB: Tenant | undefined;
/** Tenant A's users (its owner and three members) and API keys: the attackers, round-robin. */
let attackerUsers: string[] = [];
let attackerKeys: string[] = [];
/** Tenant A's members besides its owner. */
const members: Principal[] = [];
let forgedTokens: Record<Exclude<Credential, "none" | "attacker-user" | "attacker-key" | "attacker-owner">, string> | undefined;

interface Outcome {
  readonly case: HostileCase;
  readonly status: number;
  readonly contentType: string;
  readonly code: string | undefined;
  readonly text: string;
  readonly violations: readonly string[];
  /** The reason from KNOWN_FAILURES, when this outcome broke a rule for a known reason. */
  readonly known: string | undefined;
}
const outcomes: Outcome[] = [];
let retries = 0;
let runMs = 0;
/** Organizations an accepted POST /v1/orgs created (their rows are allowed to appear). */
const createdOrgs = new Set<string>();

// ---------------------------------------------------------------- requests

interface SendInit {
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A GET with a body, which fetch refuses to send: through node:http. */
function getWithBody(url: string, init: SendInit): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: init.method, headers: init.headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) if (typeof value === "string") headers.set(name, value);
        resolve(new Response(Buffer.concat(chunks), { status: incoming.statusCode ?? 0, headers }));
      });
      incoming.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(init.body);
  });
}

/** A request to the dev server from its own client address; the 503s that did nothing are sent again. */
async function request(target: string, init: SendInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const headers = { "cf-connecting-ip": randomIp(), ...init.headers };
    const response =
      init.method === "GET" && init.body !== undefined
        ? await getWithBody(`${api}${target}`, { ...init, headers })
        : await fetch(`${api}${target}`, {
            method: init.method,
            headers,
            redirect: "manual",
            ...(init.body === undefined ? {} : { body: init.body }),
          });
    if (response.status !== 503 || attempt >= UNAVAILABLE_ATTEMPTS) return response;
    const text = await response.clone().text();
    if (![...RETRIED_503].some((code) => text.includes(`"${code}"`))) return response;
    retries++;
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

/** A JSON request as `token`; throws unless it answers `status`. */
async function call<T>(method: string, target: string, token: string | undefined, body: unknown, status: number): Promise<T> {
  const response = await request(target, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status !== status)
    throw new Error(`${method} ${target}: HTTP ${response.status}, expected ${status}: ${text.slice(0, 400)}`);
  return (text === "" ? undefined : JSON.parse(text)) as T;
}

// ---------------------------------------------------------------- setup

async function signedIn(label: string): Promise<Principal> {
  // Lower case: the API stores addresses lowercased, and the capture is searched by the exact address.
  const account = await verifiedAccount(api, server!.stack, `hostile-${label.toLowerCase()}`);
  const session = await logIn(api, account);
  const me = await call<{ id: string }>("GET", "/v1/auth/me", session.accessToken, undefined, 200);
  return { account, token: session.accessToken, userId: me.id, sessionId: session.sessionId };
}

/** The invitation link's token in the email to `address` (sent after the response). */
async function invitationToken(address: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const text = server!.stack.resend.messages().find((m) => m.to.includes(address) && /invit/i.test(m.subject))?.text;
    const token = text === undefined ? undefined : /[?&]token=([^\s"&<]+)/.exec(text)?.[1];
    if (token !== undefined) return decodeURIComponent(token);
    if (Date.now() > deadline) throw new Error(`no invitation email to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A minimal valid body for `POST path` from the document (required fields only). */
function createBody(path: string): unknown {
  const op = operationsOf(doc!).find((o) => o.key === `POST ${path}`);
  if (op?.jsonBody === undefined) throw new Error(`no JSON body for POST ${path}`);
  return sample(doc!, resolve(doc!, op.jsonBody), {
    a: tenantIdsStub,
    b: tenantIdsStub,
    existingEmails: [],
    unique: () => crypto.randomUUID(),
  });
}
const tenantIdsStub: TenantIds = { org: "", user: "", session: "", invitation: "", apiKey: "", records: {} };

async function createTenant(label: string, keys: number, records: boolean): Promise<Tenant> {
  const owner = await signedIn(`${label}-owner`);
  const org = await call<{ id: string }>("POST", "/v1/orgs", owner.token, { name: `Hostile ${label}` }, 201);
  const scopes = ["records:read", "records:write", "audit:read", "evidence:read", "evidence:write"];
  const created: { id: string; key: string }[] = [];
  for (let i = 0; i < keys; i++)
    created.push(await call("POST", `/v1/orgs/${org.id}/api-keys`, owner.token, { name: `hostile ${label} ${i}`, scopes }, 201));
  const invitation = await call<{ id: string }>(
    "POST",
    `/v1/orgs/${org.id}/invitations`,
    owner.token,
    { email: `hostile-invitee+${crypto.randomUUID()}@example.org`, role: "viewer" },
    201,
  );
  const recordIds: Record<string, string> = {};
  if (records) {
    for (const collection of RECORD_COLLECTIONS) {
      const path = `/v1/orgs/{org}/${collection}`;
      recordIds[collection] = (await call<{ id: string }>("POST", path.replace("{org}", org.id), owner.token, createBody(path), 201)).id;
    }
  }
  return {
    owner,
    keys: created.map((k) => k.key),
    ids: {
      org: org.id,
      user: owner.userId,
      session: owner.sessionId,
      invitation: invitation.id,
      apiKey: created[0]?.id ?? crypto.randomUUID(),
      records: recordIds,
    },
  };
}

/** A member of `tenant` (invited, accepted), signed in. */
async function member(tenant: Tenant, label: string): Promise<Principal> {
  const principal = await signedIn(label);
  await call("POST", `/v1/orgs/${tenant.ids.org}/invitations`, tenant.owner.token, { email: principal.account.email, role: "member" }, 201);
  const token = await invitationToken(principal.account.email);
  await call("POST", "/v1/invitations/accept", principal.token, { token }, 201);
  return principal;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The forged credentials, made from tenant A's real token (and, for `expired`, the dev server's own signing key). */
async function forge(realToken: string, b: Tenant): Promise<NonNullable<typeof forgedTokens>> {
  const header = decodeProtectedHeader(realToken);
  const claims = decodeJwt(realToken);
  const [head = "", , signature = ""] = realToken.split(".");
  const tail = signature.slice(-4) === "AAAA" ? "BBBB" : "AAAA";
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const sign = (payload: JWTPayload, key: Parameters<SignJWT["sign"]>[0]): Promise<string> =>
    new SignJWT(payload).setProtectedHeader({ alg: header.alg ?? "EdDSA", kid: header.kid ?? "", typ: "at+jwt" }).sign(key);
  const { vars } = await ensureDevVars(join(repoRoot, ".dev.vars"));
  const [serverKey] = JSON.parse(vars.JWT_SIGNING_KEYS ?? "[]") as JWK[];
  if (serverKey === undefined) throw new Error(".dev.vars has no JWT_SIGNING_KEYS");
  const now = Math.floor(Date.now() / 1000);
  const apiKey = tenantA!.keys[0] ?? "rk_live_";
  const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  return {
    "forged-signature": `${realToken.split(".").slice(0, 2).join(".")}.${signature.slice(0, -4)}${tail}`,
    "foreign-key": await sign(claims, privateKey),
    expired: await sign({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, await importJWK(serverKey, serverKey.alg)),
    "alg-none": `${b64url({ alg: "none", typ: "at+jwt" })}.${b64url(claims)}.`,
    "tampered-claims": `${head}.${b64url({ ...claims, sub: b.ids.user, sid: b.ids.session, adm: true })}.${signature}`,
    "forged-api-key": `rk_live_${[...randomBytes(apiKey.length - 8)].map((x) => base62[x % 62]).join("")}`,
  };
}

// ---------------------------------------------------------------- what is in the database

interface Snapshot {
  /** `schema.table` → tenant (org id, `-` for rows of no organization, `*` for tables without one) → rows. */
  readonly rows: Map<string, Map<string, number>>;
  /** Security events by `org|type`. */
  readonly events: Map<string, number>;
  /** Each organization's audit head, `seq:hash`. */
  readonly heads: Map<string, string>;
}

async function snapshot(): Promise<Snapshot> {
  neonConfig.fetchEndpoint = server!.stack.neon.httpEndpoint;
  const sql = neon(server!.stack.neon.connectionString);
  const tables = (await sql.query(
    `select c.table_schema as s, c.table_name as t, bool_or(c.column_name = 'org_id') as has_org
       from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where t.table_type = 'BASE TABLE' and c.table_schema not in ('pg_catalog', 'information_schema')
      group by 1, 2 order by 1, 2`,
  )) as { s: string; t: string; has_org: boolean }[];
  const rows = new Map<string, Map<string, number>>();
  const queries = tables.map((table) => {
    const name = `"${table.s}"."${table.t}"`;
    const tenant = table.s === "public" && table.t === "organizations" ? "id::text" : table.has_org ? "coalesce(org_id::text, '-')" : "'*'";
    return sql.query(`select ${tenant} as tenant, count(*)::int as n from ${name} group by 1`);
  });
  const results = (await sql.transaction(queries)) as { tenant: string; n: number }[][];
  tables.forEach((table, i) => rows.set(`${table.s}.${table.t}`, new Map((results[i] ?? []).map((r) => [r.tenant, r.n]))));
  const events = (await sql.query(
    `select coalesce(org_id::text, '-') || '|' || type as k, count(*)::int as n from security_events group by 1`,
  )) as { k: string; n: number }[];
  const heads = (await sql.query(`select org_id::text as org, seq::text || ':' || hash as h from audit.heads`)) as {
    org: string;
    h: string;
  }[];
  return { rows, events: new Map(events.map((e) => [e.k, e.n])), heads: new Map(heads.map((h) => [h.org, h.h])) };
}

/** What changed between two snapshots that the rules do not allow. */
function unexpectedWrites(before: Snapshot, after: Snapshot): string[] {
  const problems: string[] = [];
  for (const [table, counts] of after.rows) {
    const earlier = before.rows.get(table) ?? new Map<string, number>();
    if (table === "public.security_events") continue; // judged by type below
    for (const tenant of new Set([...counts.keys(), ...earlier.keys()])) {
      const was = earlier.get(tenant) ?? 0;
      const is = counts.get(tenant) ?? 0;
      if (was === is || createdOrgs.has(tenant)) continue;
      problems.push(`${table} [${tenant}]: ${was} → ${is} rows`);
    }
  }
  for (const [key, is] of after.events) {
    const was = before.events.get(key) ?? 0;
    const [org = "", type = ""] = key.split("|");
    if (is !== was && !REFUSAL_EVENT_TYPES.has(type) && !createdOrgs.has(org)) problems.push(`security_events ${key}: ${was} → ${is}`);
  }
  for (const [key, was] of before.events) if ((after.events.get(key) ?? 0) < was) problems.push(`security_events ${key}: rows removed`);
  for (const [org, head] of before.heads)
    if (after.heads.get(org) !== head) problems.push(`audit.heads [${org}]: ${head} → ${after.heads.get(org) ?? "gone"}`);
  return problems;
}

interface ChainVerification {
  readonly valid: boolean;
  readonly checked: number;
  readonly first_broken_seq: number | null;
}
const verifyChain = (tenant: Tenant): Promise<ChainVerification> =>
  call<ChainVerification>("GET", `/v1/orgs/${tenant.ids.org}/audit-log/verify`, tenant.owner.token, undefined, 200);

// ---------------------------------------------------------------- judging

function authorization(credential: Credential, index: number): Record<string, string> {
  if (credential === "none") return {};
  const token =
    credential === "attacker-owner"
      ? tenantA!.owner.token
      : credential === "attacker-user"
        ? attackerUsers[index % attackerUsers.length]
        : credential === "attacker-key"
          ? attackerKeys[index % attackerKeys.length]
          : forgedTokens![credential];
  return { authorization: `Bearer ${token ?? ""}` };
}

/** The rules a response breaks (empty: a pass). */
function judge(c: HostileCase, status: number, contentType: string, text: string): string[] {
  const problems: string[] = [];
  if (status >= 500) return [`${status} (a server error)`];
  if (status < 400) {
    if (!c.allow2xx) problems.push(`${status}: accepted, but this case must be refused`);
    return problems;
  }
  if (!contentType.startsWith(PROBLEM_JSON)) problems.push(`content-type ${contentType || "(none)"}`);
  let problem: { code?: unknown; status?: unknown } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    problems.push("body is not JSON");
  }
  const code = typeof problem.code === "string" ? problem.code : undefined;
  if (code === undefined) problems.push("no code");
  else if (!c.op.documented.has(code) && !PIPELINE_CODES.has(code)) problems.push(`code ${code} is not documented for ${c.op.key}`);
  if (problem.status !== status) problems.push(`problem status ${String(problem.status)} ≠ ${status}`);
  if (c.statuses !== undefined && status !== 429 && !c.statuses.includes(status))
    problems.push(`${status} ${code ?? ""}, expected ${c.statuses.join("/")}`);
  for (const leak of LEAKS) if (leak.test(text)) problems.push(`body leaks ${leak.source}: ${text.slice(0, 200)}`);
  return problems;
}

/** For an accepted POST /v1/orgs: the organization it created, kept for the write check; its name must be stored as sent. */
function accountFor(c: HostileCase, text: string): string[] {
  if (c.op.key !== CREATES_OWN_ORG) return [];
  const created = JSON.parse(text) as { id?: unknown; name?: unknown };
  if (typeof created.id === "string") createdOrgs.add(created.id);
  const sent = JSON.parse(c.body ?? "{}") as { name?: unknown };
  return typeof sent.name === "string" && created.name !== sent.name.trim() ? [`stored name ${JSON.stringify(created.name)} ≠ sent`] : [];
}

async function runCase(c: HostileCase, index: number): Promise<void> {
  const response = await request(c.target, {
    method: c.op.method,
    headers: { ...c.headers, ...authorization(c.credential, index) },
    ...(c.body === undefined ? {} : { body: c.body }),
  });
  const text = await response.text();
  const contentType = response.headers.get("content-type") ?? "";
  let violations = judge(c, response.status, contentType, text);
  if (violations.length === 0 && response.status >= 200 && response.status < 300) violations = accountFor(c, text);
  const known = violations.length > 0 ? knownFailure(c, response.status) : undefined;
  let code: string | undefined;
  try {
    const parsed = JSON.parse(text) as { code?: unknown };
    code = typeof parsed.code === "string" ? parsed.code : undefined;
  } catch {
    code = undefined; // not a problem body (judged above)
  }
  outcomes.push({ case: c, status: response.status, contentType, code, text, violations: known === undefined ? violations : [], known });
}

async function runAll(cases: readonly HostileCase[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const index = next++;
      const c = cases[index];
      if (c !== undefined) await runCase(c, index);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

// ---------------------------------------------------------------- report

function report(operations: number): void {
  const byCategory = new Map<Category, Map<string, number>>();
  for (const o of outcomes) {
    const table = byCategory.get(o.case.category) ?? new Map<string, number>();
    const key = o.status < 400 ? String(o.status) : `${o.status} ${o.code ?? "?"}`;
    table.set(key, (table.get(key) ?? 0) + 1);
    byCategory.set(o.case.category, table);
  }
  const lines = [
    `hostile inputs: ${operations} operations, ${outcomes.length} cases in ${(runMs / 1000).toFixed(1)} s (concurrency ${CONCURRENCY}), ` +
      `${outcomes.filter((o) => o.status >= 500).length} 5xx, ${outcomes.filter((o) => o.status === 429).length} 429, ` +
      `${outcomes.filter((o) => o.status < 400 && o.violations.length === 0 && o.known === undefined).length} accepted (2xx/3xx, allowed cases), ` +
      `${outcomes.filter((o) => o.known !== undefined).length} known failures, ${retries} retried 503s, ${createdOrgs.size} organizations created by accepted cases`,
  ];
  for (const [category, table] of byCategory) {
    const total = [...table.values()].reduce((a, b) => a + b, 0);
    lines.push(
      `  ${category.padEnd(13)} ${String(total).padStart(5)}  ${[...table]
        .sort((x, y) => y[1] - x[1])
        .map(([k, n]) => `${k}: ${n}`)
        .join(", ")}`,
    );
  }
  console.log(lines.join("\n"));
}

// ---------------------------------------------------------------- the suite

beforeAll(async () => {
  server = await startDevServer({
    // The longest Redis deadline allowed: on a busy machine the default 500 ms turns rate-limited routes into 503s.
    extraVars: { RATE_LIMIT_TIMEOUT_MS: "1000" },
  });
  api = server.url;
  doc = (await (await fetch(`${api}/openapi.json`)).json()) as OpenApiDocument;
  tenantA = await createTenant("A", 3, false);
  tenantB = await createTenant("B", 1, true);
  for (let i = 0; i < 3; i++) members.push(await member(tenantA, `A-member-${i}`));
  attackerUsers = [tenantA.owner.token, ...members.map((m) => m.token)];
  attackerKeys = [...tenantA.keys];
  forgedTokens = await forge(tenantA.owner.token, tenantB);
  // Emails and security events of the setup leave after their responses: let them land before counting.
  await new Promise((resolve) => setTimeout(resolve, 1500));
}, 240_000);

afterAll(async () => {
  await server?.stop();
});

describe("hostile inputs from outside, generated from the OpenAPI document (issue 16)", () => {
  let before: Snapshot | undefined;
  let chainsBefore: ChainVerification[] = [];
  let operations = 0;

  it("refuses every hostile request with a documented 4xx problem, never a 5xx", async () => {
    const a = tenantA!;
    const b = tenantB!;
    const ctx: CaseContext = {
      a: a.ids,
      b: b.ids,
      existingEmails: [a.owner.account.email, b.owner.account.email, ...members.map((m) => m.account.email)],
      unique: () => crypto.randomUUID(),
    };
    const cases = generateCases(doc!, ctx);
    operations = operationsOf(doc!).length;
    // Every operation of the document is probed.
    const probed = new Set(cases.map((c) => c.op.key));
    expect(
      operationsOf(doc!)
        .filter((op) => !probed.has(op.key))
        .map((op) => op.key),
    ).toEqual([]);

    chainsBefore = [await verifyChain(a), await verifyChain(b)];
    before = await snapshot();
    const started = performance.now();
    await runAll(cases);
    runMs = performance.now() - started;
    report(operations);
    // HOSTILE_OUTCOMES=<file>: every case and its answer as JSON, to study a run.
    const dump = process.env.HOSTILE_OUTCOMES;
    if (dump !== undefined && dump !== "")
      writeFileSync(
        dump,
        JSON.stringify(
          outcomes.map((o) => ({
            op: o.case.op.key,
            case: o.case.name,
            credential: o.case.credential,
            status: o.status,
            code: o.code,
            violations: o.violations,
          })),
          null,
          1,
        ),
      );

    const failures = outcomes
      .filter((o) => o.violations.length > 0)
      .map((o) => `${o.case.op.key} ${o.case.name} [${o.case.credential}] → ${o.violations.join("; ")} :: ${o.text.slice(0, 160)}`);
    if (failures.length > 0) console.log(`violations (${failures.length}):\n${failures.slice(0, 200).join("\n")}`);
    const known = outcomes.filter((o) => o.known !== undefined);
    if (known.length > 0)
      console.log(
        `known failures (allow-listed, ${known.length}): ${[...new Set(known.map((o) => o.known))].join(" | ")}\n  ${known.map((o) => `${o.case.op.key} ${o.case.name} → ${o.status}`).join("\n  ")}`,
      );
    expect(failures).toEqual([]);
    expect(outcomes).toHaveLength(cases.length);
  }, 600_000);

  it("wrote nothing: row counts of both tenants (and every table), security events and audit heads", async () => {
    expect(before).toBeDefined();
    // Refusal events and last-seen updates are written after their responses.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await snapshot();
    expect(unexpectedWrites(before!, after)).toEqual([]);
    // The tenants' own rows were all there before, and still are (a sanity check of the count itself).
    expect(before!.rows.get("public.risks")?.get(tenantB!.ids.org)).toBe(1);
  });

  it("left both audit chains valid and unchanged (verified over the API)", async () => {
    const after = [await verifyChain(tenantA!), await verifyChain(tenantB!)];
    expect(after).toEqual(chainsBefore);
    for (const chain of after) expect(chain).toMatchObject({ valid: true, first_broken_seq: null });
    expect(chainsBefore[1]!.checked).toBeGreaterThanOrEqual(RECORD_COLLECTIONS.length);
  });

  it("can fail: one real write (a risk created in tenant A by its owner) shows in the counts and the audit head", async () => {
    const a = tenantA!;
    await call("POST", `/v1/orgs/${a.ids.org}/risks`, a.owner.token, { title: "Control write of the hostile suite" }, 201);
    const after = await snapshot();
    expect(unexpectedWrites(before!, after)).toEqual(
      expect.arrayContaining([`public.risks [${a.ids.org}]: 0 → 1 rows`, expect.stringContaining(`audit.heads [${a.ids.org}]`)]),
    );
  });
});
