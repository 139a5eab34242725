/**
 * The WAF's CPU in workerd, judged like the start-up and login rows: on the isolate
 * thread's CPU as Linux accounts it (thread-cpu.ts), not on the wall clock between
 * fences. The bench worker's bundle is served by the `workerd` binary (workerd.ts),
 * and each figure is the busiest thread's CPU over a call that runs the work
 * `blocks` times minus over the same call with no block (what the call costs
 * besides: parsing, the warm-up pass, the response). Why: workerd's clock only
 * moves between fences, in whole milliseconds, and on a loaded machine the time
 * between two fences includes the time the thread waited for a core; the CPU a
 * thread used does not.
 * - each adversarial body at the inspection cap (`GET /waf-adversarial`, one body
 *   per call): CPU per `inspect`, the mean of `blocks` calls;
 * - the benign ~1 KiB requests (`POST /waf-isolate`): CPU per request.
 */
import { join } from "node:path";
import { freePort, repoRoot } from "../stack/dev-server.ts";
import { ensureDevVars } from "../stack/secrets.ts";
import { buildWorker, wranglerVars } from "./build.ts";
import { cpuBetween, threadCpu, type ThreadCpu } from "./thread-cpu.ts";
import { serveWithWorkerd, type WorkerdServer } from "./workerd.ts";

/** Lets workerd's helper threads finish what a call started before the next snapshot. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 60));

/** A workerd serving the bench worker, and what a call costs its isolate thread. */
export interface WafCpuServer {
  readonly url: string;
  /** Milliseconds of isolate-thread CPU the work of `path` costs: with `blocks` blocks minus with none, per block. */
  perBlock(path: (blocks: number) => string, blocks: number, init?: RequestInit): Promise<number>;
  stop(): Promise<void>;
}

async function call(url: string, init: RequestInit | undefined): Promise<void> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
}

/** Builds the bench worker and serves it with workerd on loopback. */
export async function startWafCpuServer(): Promise<WafCpuServer> {
  const config = join(repoRoot, "test/bench/wrangler.toml");
  const bench = buildWorker({ outdir: join(repoRoot, ".bench/waf-cpu"), config });
  const { vars: secrets } = await ensureDevVars(join(repoRoot, ".dev.vars"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server: WorkerdServer = await serveWithWorkerd({
    mainPath: bench.mainPath,
    port,
    bindings: { ...wranglerVars(config), ...secrets, APP_ENV: "development", LOCAL_DEV_ORIGIN: url },
  });
  const snapshot = async (path: string, init: RequestInit | undefined): Promise<ThreadCpu> => {
    await call(`${url}${path}`, init);
    await settle();
    return threadCpu(server.pid);
  };
  return {
    url,
    async perBlock(path, blocks, init) {
      const s0 = threadCpu(server.pid);
      const s1 = await snapshot(path(0), init);
      const s2 = await snapshot(path(blocks), init);
      // The isolate's thread is the busiest one during the blocks.
      const work = cpuBetween(s1, s2);
      const [tid, ms] = [...work].reduce((a, b) => (b[1] > a[1] ? b : a));
      const base = cpuBetween(s0, s1).get(tid) ?? 0;
      return (ms - base) / blocks;
    },
    stop: () => server.stop(),
  };
}
