/**
 * (b) Requests per second for the app's /healthz against a bare Hono worker's
 * /healthz, alternating rounds in the same run, two ways:
 * - through `wrangler dev`, as a developer runs it (every request also crosses
 *   wrangler's Node proxy, whose per-header cost weighs on the app's secure headers);
 * - in the workers runtime itself: the deploy bundles (`wrangler deploy --dry-run`)
 *   served by the `workerd` binary, no proxy in between. The goal is judged here.
 * autocannon runs in a child process on other cores than the server (cpu-pin.ts),
 * so the two do not take turns on one core and the ratio measures the worker.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Result } from "autocannon";
import { serveWithWorkerd } from "./workerd.ts";
import { freePort, repoRoot } from "../stack/dev-server.ts";
import type { Stack } from "../stack/launcher.ts";
import { ensureDevVars } from "../stack/secrets.ts";
import { buildWorker, wranglerVars } from "./build.ts";
import { onCpus, pinDevServers, pinPlan, type PinPlan } from "./cpu-pin.ts";
import { spreadOf } from "./median.ts";
import type { Row } from "./table.ts";

const ROUND_SECONDS = 4;
const ROUNDS = 5;
const CONNECTIONS = 16;
const GOAL = 0.75;
const AUTOCANNON = join(repoRoot, "node_modules/autocannon/autocannon.js");

const run = promisify(execFile);

/** One autocannon round in its own process (on the plan's load CPUs); its JSON report's average req/s. */
async function rps(url: string, plan: PinPlan): Promise<number> {
  const args = [AUTOCANNON, "--json", "--no-progress", "-c", String(CONNECTIONS), "-d", String(ROUND_SECONDS), url];
  const [file, argv] = onCpus(plan.pinned ? plan.loadCpus : undefined, process.execPath, args);
  const { stdout } = await run(file, argv, { maxBuffer: 16 * 1024 * 1024 });
  const result = JSON.parse(stdout) as Pick<Result, "non2xx" | "errors" | "requests">;
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx and ${result.errors} errors during the load run`);
  }
  return result.requests.average;
}

async function compare(group: string, appUrl: string, bareUrl: string, plan: PinPlan, goal: boolean): Promise<Row[]> {
  await rps(appUrl, plan); // warm-up
  await rps(bareUrl, plan);
  const apps: number[] = [];
  const bares: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Which server goes first alternates, so a drift of the machine favours neither.
    if (i % 2 === 0) {
      apps.push(await rps(appUrl, plan));
      bares.push(await rps(bareUrl, plan));
    } else {
      bares.push(await rps(bareUrl, plan));
      apps.push(await rps(appUrl, plan));
    }
  }
  // Each round's pair is measured back to back: the median of the pairs' ratios resists a noisy round.
  const ratios = apps.map((app, i) => app / (bares[i] ?? app));
  const { median: ratio, min, max } = spreadOf(ratios);
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const label = `median of ${ROUNDS} pairs, range ${min.toFixed(2)}–${max.toFixed(2)}`;
  return [
    { group, name: "pipeline GET /healthz", value: mean(apps), unit: "req/s" },
    { group, name: "bare Hono GET /healthz", value: mean(bares), unit: "req/s" },
    goal
      ? { group, name: `pipeline / bare (${plan.label}; ${label})`, value: ratio, unit: "×", goal: `≥ ${GOAL}`, ok: ratio >= GOAL }
      : { group, name: `pipeline / bare (wrangler's proxy included; ${plan.label}; ${label})`, value: ratio, unit: "×" },
  ];
}

/** Through `wrangler dev`, as started by the launcher; its process groups are pinned for the run, then released. */
export async function measureThroughputWranglerDev(appUrl: string, benchUrl: string): Promise<Row[]> {
  const plan = pinPlan();
  const release = plan.pinned ? pinDevServers([appUrl, benchUrl], plan.serverCpus) : undefined;
  try {
    return await compare("wrangler dev", `${appUrl}/healthz`, `${benchUrl}/healthz`, plan, false);
  } finally {
    release?.();
  }
}

/** The deploy bundles in workerd, bound to the same stand-ins and secrets. */
export async function measureThroughputWorkerd(stack: Stack): Promise<Row[]> {
  const plan = pinPlan();
  const app = buildWorker({ outdir: join(repoRoot, ".bench/throughput/app") });
  const bare = buildWorker({ outdir: join(repoRoot, ".bench/throughput/bare"), config: join(repoRoot, "test/bench/wrangler.toml") });
  const { vars: secrets } = await ensureDevVars(join(repoRoot, ".dev.vars"));
  const serve = async (mainPath: string): Promise<{ url: string; stop(): Promise<void> }> => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // Plain http is served only for the configured loopback dev origin (P1).
    const bindings = { ...wranglerVars(), ...secrets, ...stack.workerVars(), APP_ENV: "development", LOCAL_DEV_ORIGIN: url };
    const server = await serveWithWorkerd({ mainPath, port, bindings, cpus: plan.pinned ? plan.serverCpus : undefined });
    return { url, stop: () => server.stop() };
  };
  const appServer = await serve(app.mainPath);
  const bareServer = await serve(bare.mainPath);
  try {
    return await compare("workerd", `${appServer.url}/healthz`, `${bareServer.url}/healthz`, plan, true);
  } finally {
    await Promise.all([appServer.stop(), bareServer.stop()]);
  }
}
