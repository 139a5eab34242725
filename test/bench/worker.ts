/**
 * Benchmark worker.
 * - `GET /healthz`: a bare Hono route, the req/s baseline for the app's /healthz.
 * - `GET /healthz-secure`: the same route behind Hono's own request-id and secure-headers
 *   middleware, set to the headers the app promises (P1, P2): what those headers cost
 *   done the standard way, a reference beside the baseline.
 * - `GET /rate-limited/<probe path>`: the tests' rate-limit probe routes (P4), for the
 *   Redis round-trip count at the Upstash stand-in (X-Probe-* headers pass through).
 * - `GET /tenant?org=ID&user=ID`: one tenant-scoped request through the data layer
 *   (context + two statements), for the round-trip count at the Neon stand-in.
 * - `GET /isolate?n=N&blocks=B&path=/healthz`: inside this one request, B times in
 *   turn: N `app.fetch` calls of the real app, N of a bare Hono app, and nothing,
 *   each between two fences (workerd's clock only moves between event-loop turns);
 *   the empty blocks measure the fences, to be subtracted.
 *   Alternating small blocks makes noise on a shared machine hit both sides alike.
 * - `POST /waf-isolate?n=N&blocks=B` with `{ requests: [{ request, exclude }] }`: the
 *   WAF engine alone in workerd, as the middleware runs it (rules compiled at the
 *   app's paranoia 1, each request with its route's exclusions): B times in turn, N
 *   passes of `inspect` over every request, then nothing, each between two fences;
 *   answers the totals and how many requests matched a rule (benign: 0 expected).
 * - `GET /waf-adversarial?cap=BYTES&blocks=B&prefilter=0|1&from=I&to=J`: the adversarial
 *   bodies I to J (of `bodies`) of waf-adversarial.ts at the inspection cap, each through `inspect` (paranoia 1, as the
 *   app compiles it; `prefilter=0` without the engine's prefilter, for reference) after
 *   one warm-up call: B blocks of one call between fences, each followed by an empty
 *   block; answers every body's median milliseconds.
 * - `<METHOD> /identity/app/<path>`: the request, headers and body as sent, through
 *   the real app (`app.fetch`). The app's after-response work (`waitUntil`: security
 *   events, the known-address write, last-seen, the limiters' `pending`) is awaited
 *   before answering, so everything the request costs is over when the answer
 *   arrives. `x-bench-tag: T` runs it with Redis and database URLs tagged `T` (the
 *   stand-ins count round trips per tag). The answer carries `x-bench-bcrypt`: the
 *   calls of `bcrypt.compare` and `bcrypt.hash` it made (bcryptjs's default-export
 *   object is wrapped at module load; src looks both up on it at call time).
 * - `GET /identity/bcrypt?n=N`: N bare `bcrypt.compare` at cost 10 (a matching
 *   password, so the whole computation runs).
 * - `GET /identity/jwt?n=N&blocks=B`: an access token signed with the configured key,
 *   then B times in turn N `verifyAccessToken` calls and nothing, each between two
 *   fences; answers every block's milliseconds.
 * - `/evidence/…`: direct R2 puts and gets, and signed-URL signing + verification (evidence-worker.ts).
 */
import bcrypt from "bcryptjs";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { count } from "drizzle-orm";
import { createApp } from "../../src/app";
import { createDatabase, inTenant, schema } from "../../src/db";
import { signAccessToken, verifyAccessToken } from "../../src/crypto/jwt";
import { getConfig, type Bindings } from "../../src/env";
import { compileRules, exclusionTest, inspect, type ExclusionTest, type WafExclusion, type WafRequest } from "../../src/pipeline/waf";
import { rateLimitProbeApp } from "../helpers/rate-limit-probe";
import { adversarialBodies } from "./waf-adversarial";
import { evidenceBench } from "./evidence-worker";

/** bcrypt computations so far: every call of the two functions on bcryptjs's default export. */
const bcryptCalls = { compare: 0, hash: 0 };

/**
 * Replaces `bcrypt[name]` with a counting wrapper. src/crypto/passwords.ts calls
 * `bcrypt.compare(…)` / `bcrypt.hash(…)` on the same object, looked up at call time,
 * so every call the app makes from now on is counted. (bcryptjs's `compare` calls
 * its module-local `hash`, not the object's: one compare counts once.)
 */
function countCalls(name: keyof typeof bcryptCalls): void {
  const original: unknown = Reflect.get(bcrypt, name);
  if (typeof original !== "function") throw new TypeError(`bcryptjs has no ${name} function`);
  const counted = function (this: unknown, ...args: unknown[]): unknown {
    bcryptCalls[name]++;
    const result: unknown = Reflect.apply(original, this, args);
    return result;
  };
  if (!Reflect.set(bcrypt, name, counted) || Reflect.get(bcrypt, name) !== counted) {
    throw new TypeError(`bcryptjs's default export does not take a wrapper for ${name}`);
  }
}
countCalls("compare");
countCalls("hash");

/** A cost-10 bcrypt hash of {@link BCRYPT_PASSWORD} (made once with bcryptjs), for the bare compare. */
const BCRYPT_HASH = "$2b$10$ZSMGWGYIR3v/yA.cTC5yEudQiozsUIT9pSmpNO4pBmrh9j9mBs4wu";
const BCRYPT_PASSWORD = "rampart bench password";

const bare = new Hono();
bare.get("/healthz", (c) => c.json({ status: "ok" }));

// The app's API header list (src/pipeline/edge/headers.ts) in hono/secure-headers' terms;
// throughput.ts checks that both answer with the same headers before it measures.
const bareSecure = new Hono();
bareSecure.use(
  requestId(),
  secureHeaders({
    strictTransportSecurity: "max-age=63072000; includeSubDomains; preload",
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    xContentTypeOptions: "nosniff",
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    // The API's JSON carries neither (documents do): off, as in the app.
    crossOriginOpenerPolicy: false,
    xFrameOptions: false,
    permissionsPolicy: Object.fromEntries(
      [
        "accelerometer",
        "autoplay",
        "camera",
        "displayCapture",
        "encryptedMedia",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idleDetection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "pictureInPicture",
        "publickeyCredentialsGet",
        "screenWakeLock",
        "serial",
        "syncXhr",
        "usb",
        "xrSpatialTracking",
      ].map((feature) => [feature, []]),
    ),
    crossOriginEmbedderPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  }),
);
bareSecure.get("/healthz-secure", (c) => c.json({ status: "ok" }));

const app = createApp();
// A separate app, so the in-isolate measurement of `app` is unchanged.
const rateLimited = rateLimitProbeApp().app;

/**
 * Lets workerd's clock catch up and reads it. Timers only move between event-loop
 * turns; a zero-delay timer is such a turn without the jitter of network I/O
 * (measured: 30 ms of busy work reads as 31 ms across it).
 */
async function fence(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  return performance.now();
}

async function block(
  runner: { fetch(request: Request, env: Bindings, ctx: ExecutionContext): Response | Promise<Response> } | undefined,
  n: number,
  url: string,
  env: Bindings,
  ctx: ExecutionContext,
): Promise<void> {
  if (!runner) return;
  for (let i = 0; i < n; i++) {
    const res = await runner.fetch(new Request(url), env, ctx);
    await res.arrayBuffer();
  }
}

async function tenantRequest(url: URL, env: Bindings): Promise<Response> {
  const config = getConfig(env);
  if (!config.ok) return new Response("bad config", { status: 500 });
  const context = {
    orgId: url.searchParams.get("org") ?? "",
    actor: { kind: "user", userId: url.searchParams.get("user") ?? "" },
  } as const;
  const [risks, vendors] = await inTenant(await createDatabase(config.value.database), context, (tx) => [
    tx.select({ id: schema.risks.id, title: schema.risks.title }).from(schema.risks).limit(50),
    tx.select({ n: count() }).from(schema.vendors),
  ]);
  return Response.json({ risks, vendors: vendors[0]?.n ?? 0 });
}

/** Bindings with Redis and database URLs tagged for the stand-ins' per-tag counts, one object per tag (config is cached per env object). */
const taggedEnvs = new Map<string, Bindings>();

function taggedEnv(env: Bindings, tag: string): Bindings {
  const known = taggedEnvs.get(tag);
  if (known !== undefined) return known;
  const withTag = (url: string): string => {
    const u = new URL(url);
    u.searchParams.set("tag", tag);
    return u.toString();
  };
  const { NEON_HTTP_ENDPOINT: http, NEON_WS_PROXY: ws, UPSTASH_REDIS_REST_URL: redis } = env;
  if (http === undefined || ws === undefined || redis === undefined) throw new Error("the bench worker's env lacks the stand-ins' URLs");
  const tagged: Bindings = {
    ...env,
    UPSTASH_REDIS_REST_URL: `${redis.replace(/\/$/, "")}/tag/${tag}`,
    NEON_HTTP_ENDPOINT: withTag(http),
    NEON_WS_PROXY: withTag(ws),
  };
  taggedEnvs.set(tag, tagged);
  return tagged;
}

/** Counted requests in flight: the counts are only exact when they do not overlap. */
let counting = 0;

/**
 * One request through the real app, its after-response work awaited, answered with
 * the bcrypt calls it made (`x-bench-bcrypt: <compare>+<hash>`) and whether another
 * counted request overlapped it (`x-bench-overlap: 1`, which the bench refuses).
 */
async function throughApp(request: Request, url: URL, env: Bindings, ctx: ExecutionContext): Promise<Response> {
  const tag = request.headers.get("x-bench-tag");
  const headers = new Headers(request.headers);
  headers.delete("x-bench-tag");
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
  const inner = new Request(`https://bench.rampart.test${url.pathname.slice("/identity/app".length)}${url.search}`, {
    method: request.method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const after: Promise<unknown>[] = [];
  // The app's ctx: waitUntil collects the work to await here; the rest is the real context's.
  const innerCtx = new Proxy(ctx, {
    get: (target, property): unknown => {
      if (property === "waitUntil") return (work: Promise<unknown>) => after.push(work);
      const value: unknown = Reflect.get(target, property);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  counting++;
  const overlapped = counting > 1;
  const before = { ...bcryptCalls };
  try {
    const res = await app.fetch(inner, tag === null ? env : taggedEnv(env, tag), innerCtx);
    const answer = await res.arrayBuffer();
    // Work added while earlier work ran (a follow-up) is awaited too. allSettled: a failed
    // after-response task does not change the answer in production either (the app logs its own).
    for (let settled = 0; settled < after.length;) {
      const batch = after.slice(settled);
      settled = after.length;
      await Promise.allSettled(batch);
    }
    const out = new Response(answer, { status: res.status, headers: res.headers });
    out.headers.set("x-bench-bcrypt", `${bcryptCalls.compare - before.compare}+${bcryptCalls.hash - before.hash}`);
    if (overlapped || counting > 1) out.headers.set("x-bench-overlap", "1");
    return out;
  } finally {
    counting--;
  }
}

/** `n` bare bcrypt.compare at cost 10; every one must match. */
async function bareCompare(url: URL): Promise<Response> {
  const n = Math.min(Number(url.searchParams.get("n") ?? "1"), 100);
  for (let i = 0; i < n; i++) {
    if (!(await bcrypt.compare(BCRYPT_PASSWORD, BCRYPT_HASH))) return new Response("bcrypt.compare did not match", { status: 500 });
  }
  return Response.json({ n });
}

/** Blocks of `verifyAccessToken` between fences, each followed by an empty block; every block's milliseconds. */
async function jwtIsolate(url: URL, env: Bindings): Promise<Response> {
  const n = Math.min(Number(url.searchParams.get("n") ?? "1000"), 100_000);
  const blocks = Math.min(Number(url.searchParams.get("blocks") ?? "12"), 1000);
  const config = getConfig(env);
  if (!config.ok) return new Response("bad config", { status: 500 });
  const claims = { userId: crypto.randomUUID(), sessionId: crypto.randomUUID(), aal: "aal1", amr: ["pwd"], superAdmin: false } as const;
  const { token } = await signAccessToken(config.value, claims);
  let refused = 0;
  const run = async (): Promise<void> => {
    for (let i = 0; i < n; i++) if (!(await verifyAccessToken(config.value, token)).ok) refused++;
  };
  await run(); // warm-up: key import (once per config), JIT
  refused = 0;
  const verifyMs: number[] = [];
  const emptyMs: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const t0 = await fence();
    await run();
    const t1 = await fence();
    const t2 = await fence();
    verifyMs.push(t1 - t0);
    emptyMs.push(t2 - t1);
  }
  return Response.json({ n, blocks, refused, verifyMs, emptyMs });
}

/** What `POST /waf-isolate` reads: the requests as the WAF sees them, each with its route's exclusions. */
interface WafIsolateInput {
  readonly requests: readonly { readonly request: WafRequest; readonly exclude?: readonly WafExclusion[] }[];
}

async function wafIsolate(request: Request, url: URL): Promise<Response> {
  const n = Math.min(Number(url.searchParams.get("n") ?? "5"), 1000);
  const blocks = Math.min(Number(url.searchParams.get("blocks") ?? "40"), 1000);
  const input = await request.json<WafIsolateInput>();
  // Built before the clock runs, as the middleware has them: compiled once per isolate, exclusions per route.
  const rules = compileRules(1, { skipAppRules: true });
  const cases: { readonly request: WafRequest; readonly excluded: ExclusionTest | undefined }[] = input.requests.map((c) => ({
    request: c.request,
    excluded: exclusionTest(c.exclude ?? []),
  }));
  let matched = 0;
  const run = (): void => {
    for (let i = 0; i < n; i++) for (const c of cases) if (inspect(c.request, rules, c.excluded).length > 0) matched++;
  };
  run(); // warm-up: JIT, and the plain gates the rules build on first use
  matched = 0;
  const totals = { inspectMs: 0, emptyMs: 0 };
  for (let b = 0; b < blocks; b++) {
    const t0 = await fence();
    run();
    const t1 = await fence();
    const t2 = await fence();
    totals.inspectMs += t1 - t0;
    totals.emptyMs += t2 - t1;
  }
  return Response.json({ n, blocks, requests: cases.length, matched: matched / (n * blocks), ...totals });
}

/** One body's CPU in `inspect`: the median of `blocks` fenced single calls, the empty block after each subtracted. */
async function medianInspectMs(run: () => void, blocks: number): Promise<number> {
  const samples: number[] = [];
  for (let b = 0; b < blocks; b++) {
    const t0 = await fence();
    run();
    const t1 = await fence();
    const t2 = await fence();
    samples.push(t1 - t0 - (t2 - t1));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? 0;
}

// The score at which the WAF middleware refuses (WAF_THRESHOLD's default) and the engine
// stops reading, in block mode: what one body costs the isolate in production.
const BLOCK_AT = 5;

async function wafAdversarial(url: URL): Promise<Response> {
  const cap = Math.min(Number(url.searchParams.get("cap") ?? String(64 * 1024)), 1024 * 1024);
  const blocks = Math.min(Number(url.searchParams.get("blocks") ?? "5"), 100);
  // `prefilter=0`: every rule on the whole value, the reference the prefilter's figure is compared with in the same run.
  const prefilter = url.searchParams.get("prefilter") !== "0";
  const rules = compileRules(1, { skipAppRules: true, prefilter });
  const results: { label: string; ms: number; matched: number }[] = [];
  const bodies = adversarialBodies(cap);
  const from = Number(url.searchParams.get("from") ?? "0");
  const to = Math.min(Number(url.searchParams.get("to") ?? String(bodies.length)), bodies.length);
  for (const c of bodies.slice(from, to)) {
    const run = (): number => inspect(c.request, rules, undefined, BLOCK_AT).length;
    const matched = run(); // warm-up: JIT, plain gates
    results.push({ label: c.label, ms: await medianInspectMs(run, blocks), matched });
  }
  return Response.json({ cap, blocks, bodies: bodies.length, results });
}

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/tenant") return tenantRequest(url, env);
    if (url.pathname === "/waf-isolate" && request.method === "POST") return wafIsolate(request, url);
    if (url.pathname === "/waf-adversarial") return wafAdversarial(url);
    if (url.pathname.startsWith("/identity/app/")) return throughApp(request, url, env, ctx);
    if (url.pathname === "/identity/bcrypt") return bareCompare(url);
    if (url.pathname === "/identity/jwt") return jwtIsolate(url, env);
    if (url.pathname.startsWith("/evidence/")) return evidenceBench(request, url, env);
    if (url.pathname.startsWith("/rate-limited/")) {
      const target = `https://bench.rampart.test${url.pathname.slice("/rate-limited".length)}`;
      return rateLimited.fetch(new Request(target, { headers: request.headers }), env, ctx);
    }
    if (url.pathname === "/healthz-secure") return bareSecure.fetch(request, env, ctx);
    if (url.pathname !== "/isolate") return bare.fetch(request, env, ctx);

    const n = Math.min(Number(url.searchParams.get("n") ?? "500"), 10_000);
    const blocks = Math.min(Number(url.searchParams.get("blocks") ?? "20"), 1000);
    const requestUrl = `https://bench.rampart.test${url.searchParams.get("path") ?? "/healthz"}`;
    const totals = { pipelineMs: 0, bareMs: 0, emptyMs: 0 };
    for (let b = 0; b < blocks; b++) {
      const t0 = await fence();
      await block(app, n, requestUrl, env, ctx);
      const t1 = await fence();
      await block(bare, n, requestUrl, env, ctx);
      const t2 = await fence();
      await block(undefined, n, requestUrl, env, ctx);
      const t3 = await fence();
      totals.pipelineMs += t1 - t0;
      totals.bareMs += t2 - t1;
      totals.emptyMs += t3 - t2;
    }
    return Response.json({ n, blocks, ...totals });
  },
};
