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
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort, repoRoot } from "../stack/dev-server.ts";
import { buildWorker, wranglerVars } from "./build.ts";
import type { ProfileCpu } from "./cpuprofile.ts";
import { profileStartup } from "./startup-profile.ts";
import type { Row } from "./table.ts";
import { cpuBetween, threadCpu } from "./thread-cpu.ts";
import { serveWithWorkerd } from "./workerd.ts";

const RUNS = 7;
const GOAL_MS = 50;

/** Answers every path without the bundle, except /import, which evaluates it. */
const ENTRY = `export default {
  async fetch(request) {
    if (new URL(request.url).pathname === "/import") await import("./worker.js");
    return new Response("ok");
  },
};
`;

/** Lets workerd's helper threads (GC, compilers) finish what a request started before the next snapshot. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

interface ThreadRun {
  /** The busiest thread's CPU during the import, minus its CPU during the empty request. */
  readonly isolateMs: number;
  /** All of workerd's threads, the same way. */
  readonly processMs: number;
}

async function measureOnce(mainPath: string, compatibilityFlags: readonly string[]): Promise<ThreadRun> {
  const port = await freePort();
  const server = await serveWithWorkerd({ mainPath, port, bindings: wranglerVars(), entry: ENTRY, compatibilityFlags });
  try {
    const get = async (path: string): Promise<void> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.text();
      if (!res.ok) throw new Error(`startup: ${path} answered ${res.status}`);
      await settle();
    };
    await get("/noop"); // the entry module's own first request
    const s0 = threadCpu(server.pid);
    await get("/noop");
    const s1 = threadCpu(server.pid);
    await get("/import");
    const s2 = threadCpu(server.pid);
    const empty = cpuBetween(s0, s1);
    const load = cpuBetween(s1, s2);
    const [tid, ms] = [...load].reduce((a, b) => (b[1] > a[1] ? b : a));
    const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    return { isolateMs: ms - (empty.get(tid) ?? 0), processMs: sum(load) - sum(empty) };
  } finally {
    await server.stop();
  }
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
    evaluation.push(await measureOnce(mainPath, []));
    compiled.push(await measureOnce(mainPath, ["new_module_registry"]));
    profiles.push(profileStartup(upload, join(dir, `startup-${i}.cpuprofile`)));
  }
  const isolate = spread(evaluation.map((r) => r.isolateMs));
  const allThreads = spread(evaluation.map((r) => r.processMs));
  const withCompile = spread(compiled.map((r) => r.isolateMs));
  const profiled = spread(profiles.map((p) => p.cpuMs));
  const summarised = spread(profiles.map((p) => p.wranglerActiveMs));
  const group = "startup";
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
  ];
}
