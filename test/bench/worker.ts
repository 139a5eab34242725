/**
 * Benchmark worker.
 * - `GET /healthz`: a bare Hono route, the req/s baseline for the app's /healthz.
 * - `GET /isolate?target=pipeline|bare|empty&n=N&path=/healthz`: runs N `app.fetch`
 *   calls inside this one request and reports the elapsed time. Timers in workerd only
 *   move on I/O, so the loop is fenced by a fetch before and after; the `empty` target
 *   measures the fences alone, to be subtracted.
 */
import { Hono } from "hono";
import { createApp } from "../../src/app";

interface BenchEnv {
  BENCH_FENCE_URL: string;
}

const bare = new Hono();
bare.get("/healthz", (c) => c.json({ status: "ok" }));

const app = createApp();

async function fence(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return performance.now();
}

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname !== "/isolate") return bare.fetch(request, env, ctx);

    const target = url.searchParams.get("target") ?? "empty";
    const n = Math.min(Number(url.searchParams.get("n") ?? "1000"), 100_000);
    const path = url.searchParams.get("path") ?? "/healthz";
    const runner = target === "pipeline" ? app : target === "bare" ? bare : undefined;
    const requestUrl = `https://bench.rampart.test${path}`;

    const start = await fence(env.BENCH_FENCE_URL);
    if (runner) {
      for (let i = 0; i < n; i++) {
        const res = await runner.fetch(new Request(requestUrl), env, ctx);
        await res.arrayBuffer();
      }
    }
    const end = await fence(env.BENCH_FENCE_URL);
    return Response.json({ target, n, elapsedMs: end - start });
  },
};
