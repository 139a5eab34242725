/**
 * (a) In-isolate cost per request: N app.fetch calls inside one workerd request,
 * minus the fences-only run, for the pipeline's /healthz and a bare Hono /healthz.
 * Rounds alternate the two targets so drift on the shared machine hits both.
 */
import type { Row } from "./table.ts";

const N = 2000;
const ROUNDS = 5;

async function run(benchUrl: string, target: "pipeline" | "bare" | "empty"): Promise<number> {
  const res = await fetch(`${benchUrl}/isolate?target=${target}&n=${N}&path=/healthz`);
  if (!res.ok) throw new Error(`isolate ${target}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { elapsedMs: number };
  return body.elapsedMs;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

export async function measureIsolate(benchUrl: string): Promise<Row[]> {
  await run(benchUrl, "pipeline"); // warm-up: JIT and first-use allocations
  await run(benchUrl, "bare");
  const pipeline: number[] = [];
  const bare: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    empty.push(await run(benchUrl, "empty"));
    pipeline.push(await run(benchUrl, "pipeline"));
    bare.push(await run(benchUrl, "bare"));
  }
  const fenceMs = median(empty);
  const perReq = (xs: number[]): number => ((median(xs) - fenceMs) * 1000) / N;
  const p = perReq(pipeline);
  const b = perReq(bare);
  const ratio = p / b;
  return [
    { group: "in-isolate", name: "pipeline GET /healthz", value: p, unit: "µs/req" },
    { group: "in-isolate", name: "bare Hono GET /healthz", value: b, unit: "µs/req" },
    { group: "in-isolate", name: "pipeline / bare", value: ratio, unit: "×", goal: "≤ 1.5", ok: ratio <= 1.5 },
  ];
}
