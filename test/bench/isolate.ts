/**
 * (a) In-isolate cost per request: the pipeline's /healthz against a bare Hono
 * /healthz, N `app.fetch` calls per block, blocks alternating inside one workerd
 * request (see worker.ts), minus the fences. Several runs; the reported run is the
 * median by ratio.
 */
import type { Row } from "./table.ts";

const N = 500;
const BLOCKS = 40;
const RUNS = 9;

interface Run {
  readonly pipeline: number;
  readonly bare: number;
  readonly ratio: number;
}

async function run(benchUrl: string): Promise<Run> {
  const res = await fetch(`${benchUrl}/isolate?n=${N}&blocks=${BLOCKS}&path=/healthz`);
  if (!res.ok) throw new Error(`isolate: HTTP ${res.status} ${await res.text()}`);
  const t = (await res.json()) as { pipelineMs: number; bareMs: number; emptyMs: number };
  const perReq = (ms: number): number => ((ms - t.emptyMs) * 1000) / (N * BLOCKS);
  const pipeline = perReq(t.pipelineMs);
  const bare = perReq(t.bareMs);
  return { pipeline, bare, ratio: pipeline / bare };
}

export async function measureIsolate(benchUrl: string): Promise<Row[]> {
  await run(benchUrl); // warm-up: JIT and first-use allocations
  const runs: Run[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await run(benchUrl));
  const sorted = [...runs].sort((a, b) => a.ratio - b.ratio);
  const mid = sorted[Math.floor(sorted.length / 2)] ?? runs[0];
  if (!mid) throw new Error("isolate: no runs");
  return [
    { group: "in-isolate", name: "pipeline GET /healthz", value: mid.pipeline, unit: "µs/req" },
    { group: "in-isolate", name: "bare Hono GET /healthz", value: mid.bare, unit: "µs/req" },
    {
      group: "in-isolate",
      name: `pipeline / bare (median of ${RUNS}, range ${sorted[0]?.ratio.toFixed(2)}–${sorted.at(-1)?.ratio.toFixed(2)})`,
      value: mid.ratio,
      unit: "×",
      goal: "≤ 1.5",
      ok: mid.ratio <= 1.5,
    },
  ];
}
