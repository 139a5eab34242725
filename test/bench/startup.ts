/**
 * (f) Worker start-up CPU: the bundle's top-level evaluation, goal ≤ 50 ms.
 *
 * Judged on the isolate thread's CPU time (thread-cpu.ts): the deploy bundle is
 * served by the `workerd` binary behind an entry module that answers without
 * touching it, except on /import, where it `import()`s it. The thread's CPU over
 * that request, minus its CPU over an identical request that imports nothing, is
 * the evaluation (a fresh workerd per run; the workerd clock cannot time it, as
 * it stands still between I/O). workerd compiles the modules when it loads the
 * worker; the same measurement with the `new_module_registry` flag, which
 * compiles a module at its first import, adds V8's compilation of the bundle.
 *
 * Beside it, wrangler's own check (startup-profile.ts): CPU from the V8 profile of
 * `wrangler check startup`, and that profile as wrangler summarises it. Sampled,
 * so a busy machine makes it err high (cpuprofile.ts).
 *
 * Start-up builds only the app's shell; each module is built on the first request
 * that needs it (src/app.modules.ts). So that this moves no cost out of sight, each
 * module also gets a row: the same thread's CPU over the evaluation plus one first
 * request to a path of that module (a fresh workerd each, the dev keys bound so the
 * configuration parses), which is what a cold isolate spends before its first answer.
 * The last row is a first request that needs every module: GET /openapi.json, which
 * also generates the document.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort, repoRoot } from "../stack/dev-server.ts";
import { ensureDevVars } from "../stack/secrets.ts";
import { buildWorker, wranglerVars } from "./build.ts";
import type { ProfileCpu } from "./cpuprofile.ts";
import { profileStartup } from "./startup-profile.ts";
import type { Row } from "./table.ts";
import { cpuBetween, threadCpu } from "./thread-cpu.ts";
import { serveWithWorkerd } from "./workerd.ts";

const RUNS = 7;
/** Runs of each first-request row (thirteen modules, a fresh workerd each). */
const FIRST_REQUEST_RUNS = 3;
const GOAL_MS = 50;

/** Answers every path without the bundle, except /import, which evaluates it. */
const ENTRY = `export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/import") await import("./worker.js");
    return new Response("ok");
  },
};
`;

/**
 * Answers every path without the bundle, except /first?path=…, which imports it and
 * sends it one GET of that path (from the loopback origin the dev configuration serves).
 */
const FIRST_REQUEST_ENTRY = `export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname !== "/first") return new Response("ok");
    const { default: worker } = await import("./worker.js");
    const response = await worker.fetch(new Request(new URL(url.searchParams.get("path"), url.origin)), env, ctx);
    await response.arrayBuffer();
    return new Response(String(response.status));
  },
};
`;

/** Service addresses on a closed port (9, discard): the configuration parses, a connection would be refused at once. */
const CLOSED_SERVICES = {
  DATABASE_URL: "postgres://rampart_app:unused@127.0.0.1:9/rampart",
  NEON_HTTP_ENDPOINT: "http://127.0.0.1:9/sql",
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
};

/** Lets workerd's helper threads (GC, compilers) finish what a request started before the next snapshot. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

interface ThreadRun {
  /** The busiest thread's CPU during the import, minus its CPU during the empty request. */
  readonly isolateMs: number;
  /** All of workerd's threads, the same way. */
  readonly processMs: number;
}

/** What one fresh workerd is asked: the entry module, the measured path, the bindings. */
interface Probe {
  readonly entry: string;
  readonly path: (origin: string) => string;
  readonly bindings: (origin: string) => Record<string, string>;
  readonly compatibilityFlags: readonly string[];
}

/** The bundle's evaluation alone. */
const evaluationProbe = (compatibilityFlags: readonly string[]): Probe => ({
  entry: ENTRY,
  path: () => "/import",
  bindings: () => wranglerVars(),
  compatibilityFlags,
});

async function measureOnce(mainPath: string, probe: Probe): Promise<ThreadRun & { readonly answer: string }> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = await serveWithWorkerd({
    mainPath,
    port,
    bindings: probe.bindings(origin),
    entry: probe.entry,
    compatibilityFlags: probe.compatibilityFlags,
  });
  try {
    const get = async (path: string): Promise<string> => {
      const res = await fetch(`${origin}${path}`);
      const text = await res.text();
      if (!res.ok) throw new Error(`startup: ${path} answered ${res.status}`);
      await settle();
      return text;
    };
    await get("/noop"); // the entry module's own first request
    const s0 = threadCpu(server.pid);
    await get("/noop");
    const s1 = threadCpu(server.pid);
    const answer = await get(probe.path(origin));
    const s2 = threadCpu(server.pid);
    const empty = cpuBetween(s0, s1);
    const load = cpuBetween(s1, s2);
    const [tid, ms] = [...load].reduce((a, b) => (b[1] > a[1] ? b : a));
    const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    return { isolateMs: ms - (empty.get(tid) ?? 0), processMs: sum(load) - sum(empty), answer };
  } finally {
    await server.stop();
  }
}

/** One GET per module, to the first path of its routes (parameters: a well-formed id), and the document. */
async function firstRequestPaths(): Promise<{ label: string; path: string }[]> {
  const { MODULE_ROUTES } = (await import(new URL("../../src/app.routes.ts", import.meta.url).href)) as {
    MODULE_ROUTES: Record<string, readonly string[]>;
  };
  const id = "3f1c2a9e-8d4b-4c1a-9f2e-7b6d5c4a3e21";
  return [
    ...Object.entries(MODULE_ROUTES).flatMap(([name, paths]) => {
      const path = paths[0]?.replace(/:[^/]+/g, id);
      return path === undefined ? [] : [{ label: `module ${name}`, path }];
    }),
    { label: "every module, and the document", path: "/openapi.json" },
  ];
}

/** Median and range of `values`, for a row. */
function spread(values: readonly number[]): { median: number; label: string } {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (median === undefined) throw new Error("startup: no runs");
  return { median, label: `median of ${values.length}, range ${sorted[0]?.toFixed(1)}–${sorted.at(-1)?.toFixed(1)} ms` };
}

/** One build; RUNS of each measurement, interleaved so a change in the machine's load touches all alike. */
export async function measureStartup(): Promise<Row[]> {
  const dir = join(repoRoot, ".bench/startup");
  const upload = join(dir, "worker.bundle");
  mkdirSync(dir, { recursive: true });
  const { mainPath } = buildWorker({ outdir: join(dir, "dist"), outfile: upload });
  const evaluation: ThreadRun[] = [];
  const compiled: ThreadRun[] = [];
  const profiles: ProfileCpu[] = [];
  for (let i = 0; i < RUNS; i++) {
    evaluation.push(await measureOnce(mainPath, evaluationProbe([])));
    compiled.push(await measureOnce(mainPath, evaluationProbe(["new_module_registry"])));
    profiles.push(profileStartup(upload, join(dir, `startup-${i}.cpuprofile`)));
  }
  const isolate = spread(evaluation.map((r) => r.isolateMs));
  const allThreads = spread(evaluation.map((r) => r.processMs));
  const withCompile = spread(compiled.map((r) => r.isolateMs));
  const profiled = spread(profiles.map((p) => p.cpuMs));
  const summarised = spread(profiles.map((p) => p.wranglerActiveMs));
  const group = "startup";
  const { vars: secrets } = await ensureDevVars(join(repoRoot, ".dev.vars"));
  const firstRequests: Row[] = [];
  for (const { label, path } of await firstRequestPaths()) {
    const runs: number[] = [];
    const answers = new Set<string>();
    for (let i = 0; i < FIRST_REQUEST_RUNS; i++) {
      const run = await measureOnce(mainPath, {
        entry: FIRST_REQUEST_ENTRY,
        path: () => `/first?path=${encodeURIComponent(path)}`,
        bindings: (origin) => ({
          ...wranglerVars(),
          ...secrets,
          // Plain http is served only for the configured loopback dev origin (P1).
          APP_ENV: "development",
          LOCAL_DEV_ORIGIN: origin,
          // No stack: the services are a closed port. The rows' requests are refused before any I/O.
          ...CLOSED_SERVICES,
        }),
        compatibilityFlags: [],
      });
      runs.push(run.isolateMs);
      answers.add(run.answer);
    }
    // A 404 would mean the module was never loaded, a 5xx that the request failed before its
    // route (an invalid configuration): either way the row would not time what it names.
    const wrong = [...answers].filter((status) => status === "404" || status.startsWith("5"));
    if (wrong.length > 0) throw new Error(`startup: GET ${path} answered ${wrong.join(", ")}; its route did not run`);
    const cpu = spread(runs);
    firstRequests.push({
      group,
      name: `start-up + first request, ${label}: GET ${path} → ${[...answers].join("/")} (${cpu.label})`,
      value: cpu.median,
      unit: "ms",
    });
  }
  return [
    {
      group,
      name: `top-level evaluation, isolate thread CPU (${isolate.label})`,
      value: isolate.median,
      unit: "ms",
      goal: `≤ ${GOAL_MS}`,
      ok: isolate.median <= GOAL_MS,
    },
    {
      group,
      name: `the same, all workerd threads: GC and compiler helpers too (${allThreads.label})`,
      value: allThreads.median,
      unit: "ms",
    },
    {
      group,
      name: `compile + top-level evaluation, isolate thread (new_module_registry; ${withCompile.label})`,
      value: withCompile.median,
      unit: "ms",
    },
    { group, name: `top-level evaluation, wrangler check startup's CPU profile (${profiled.label})`, value: profiled.median, unit: "ms" },
    {
      group,
      name: `the same profiles as wrangler summarises them, silence counted (${summarised.label})`,
      value: summarised.median,
      unit: "ms",
    },
    ...firstRequests,
  ];
}
