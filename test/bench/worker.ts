/**
 * Benchmark worker.
 * - `GET /healthz`: a bare Hono route, the req/s baseline for the app's /healthz.
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
 */
import { Hono } from "hono";
import { count } from "drizzle-orm";
import { createApp } from "../../src/app";
import { createDatabase, inTenant, schema } from "../../src/db";
import { getConfig, type Bindings } from "../../src/env";
import { compileRules, exclusionTest, inspect, type ExclusionTest, type WafExclusion, type WafRequest } from "../../src/pipeline/waf";
import { rateLimitProbeApp } from "../helpers/rate-limit-probe";

const bare = new Hono();
bare.get("/healthz", (c) => c.json({ status: "ok" }));

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
  const [risks, vendors] = await inTenant(createDatabase(config.value.database), context, (tx) => [
    tx.select({ id: schema.risks.id, title: schema.risks.title }).from(schema.risks).limit(50),
    tx.select({ n: count() }).from(schema.vendors),
  ]);
  return Response.json({ risks, vendors: vendors[0]?.n ?? 0 });
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

export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/tenant") return tenantRequest(url, env);
    if (url.pathname === "/waf-isolate" && request.method === "POST") return wafIsolate(request, url);
    if (url.pathname.startsWith("/rate-limited/")) {
      const target = `https://bench.rampart.test${url.pathname.slice("/rate-limited".length)}`;
      return rateLimited.fetch(new Request(target, { headers: request.headers }), env, ctx);
    }
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
