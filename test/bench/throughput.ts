/**
 * (b) Requests per second for the app's /healthz against a bare Hono worker's
 * /healthz, alternating rounds in the same run, two ways:
 * - through `wrangler dev`, as a developer runs it (every request also crosses
 *   wrangler's Node proxy, whose per-header cost weighs on the app's secure headers);
 * - in the workers runtime itself: the deploy bundles (`wrangler deploy --dry-run`)
 *   served by the `workerd` binary, no proxy in between. The goal is judged here.
 * autocannon runs in a child process on other cores than the server (cpu-pin.ts),
 * so the two do not take turns on one core and the ratio measures the worker.
 * In workerd a third server joins each round for reference: bare Hono behind Hono's
 * own request-id and secure-headers middleware, answering the app's headers (checked
 * first), which shows what of the ratio the promised headers take on their own.
 * Then the same three, one at a time under valgrind, give the instructions a request
 * executes (instructions.ts): the steady figure beside the noisy req/s one.
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
import { callgrindAvailable, instructionsPerRequest } from "./instructions.ts";
import { onCpus, pinDevServers, pinPlan, type PinPlan } from "./cpu-pin.ts";
import { spreadOf } from "./median.ts";
import type { Row } from "./table.ts";

const ROUND_SECONDS = 4;
const ROUNDS = 15;
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

/** The response headers that must agree between the app and the reference: all but the per-request ones. */
async function headerSet(url: string): Promise<Map<string, string>> {
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return new Map([...response.headers].filter(([name]) => !["x-request-id", "date", "content-length"].includes(name)));
}

/** Fails when the reference does not answer with the app's headers: then it would not measure what they cost. */
async function requireSameHeaders(appUrl: string, referenceUrl: string): Promise<void> {
  const [app, reference] = await Promise.all([headerSet(appUrl), headerSet(referenceUrl)]);
  const differ = [...new Set([...app.keys(), ...reference.keys()])].filter((name) => app.get(name) !== reference.get(name));
  if (differ.length > 0) throw new Error(`the secure-headers reference answers other headers than the app: ${differ.join(", ")}`);
}

async function compare(
  group: string,
  urls: { readonly app: string; readonly bare: string; readonly reference?: string },
  plan: PinPlan,
  goal: boolean,
): Promise<Row[]> {
  const servers = [urls.app, urls.bare, ...(urls.reference === undefined ? [] : [urls.reference])];
  if (urls.reference !== undefined) await requireSameHeaders(urls.app, urls.reference);
  for (const url of servers) await rps(url, plan); // warm-up
  const rounds: number[][] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Which server goes first alternates, so a drift of the machine favours none.
    const order = i % 2 === 0 ? servers : [...servers].reverse();
    const measured = new Map<string, number>();
    for (const url of order) measured.set(url, await rps(url, plan));
    rounds.push(servers.map((url) => measured.get(url) ?? 0));
  }
  // Each round's servers are measured back to back: the median of the rounds' ratios resists a noisy round.
  const column = (k: number): number[] => rounds.map((round) => round[k] ?? 0);
  const apps = column(0);
  const ratioTo = (k: number) => spreadOf(apps.map((app, i) => app / (column(k)[i] ?? app)));
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const label = ({ min, max }: { min: number; max: number }): string =>
    `median of ${ROUNDS} rounds, range ${min.toFixed(2)}–${max.toFixed(2)}`;
  const bare = ratioTo(1);
  const rows: Row[] = [
    { group, name: "pipeline GET /healthz", value: mean(apps), unit: "req/s" },
    { group, name: "bare Hono GET /healthz", value: mean(column(1)), unit: "req/s" },
    goal
      ? {
          group,
          name: `pipeline / bare (${plan.label}; ${label(bare)})`,
          value: bare.median,
          unit: "×",
          goal: `≥ ${GOAL}`,
          ok: bare.median >= GOAL,
        }
      : { group, name: `pipeline / bare (wrangler's proxy included; ${plan.label}; ${label(bare)})`, value: bare.median, unit: "×" },
  ];
  if (urls.reference !== undefined) {
    const reference = ratioTo(2);
    const share = spreadOf(column(2).map((secure, i) => secure / (column(1)[i] ?? secure)));
    rows.push(
      { group, name: "bare Hono + hono/request-id + hono/secure-headers, the app's headers", value: mean(column(2)), unit: "req/s" },
      {
        group,
        name: `that reference / bare: what the promised headers cost done Hono's way (${label(share)})`,
        value: share.median,
        unit: "×",
      },
      { group, name: `pipeline / that reference (${label(reference)})`, value: reference.median, unit: "×" },
    );
  }
  return rows;
}

/** Through `wrangler dev`, as started by the launcher; its process groups are pinned for the run, then released. */
export async function measureThroughputWranglerDev(appUrl: string, benchUrl: string): Promise<Row[]> {
  const plan = pinPlan();
  const release = plan.pinned ? pinDevServers([appUrl, benchUrl], plan.serverCpus) : undefined;
  try {
    return await compare("wrangler dev", { app: `${appUrl}/healthz`, bare: `${benchUrl}/healthz` }, plan, false);
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
  // Plain http is served only for the configured loopback dev origin (P1).
  const bindingsFor = (url: string): Record<string, string> => ({
    ...wranglerVars(),
    ...secrets,
    ...stack.workerVars(),
    APP_ENV: "development",
    LOCAL_DEV_ORIGIN: url,
  });
  const serve = async (mainPath: string): Promise<{ url: string; stop(): Promise<void> }> => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const server = await serveWithWorkerd({ mainPath, port, bindings: bindingsFor(url), cpus: plan.pinned ? plan.serverCpus : undefined });
    return { url, stop: () => server.stop() };
  };
  const appServer = await serve(app.mainPath);
  const bareServer = await serve(bare.mainPath);
  let rows: Row[];
  try {
    rows = await compare(
      "workerd",
      { app: `${appServer.url}/healthz`, bare: `${bareServer.url}/healthz`, reference: `${bareServer.url}/healthz-secure` },
      plan,
      true,
    );
  } finally {
    await Promise.all([appServer.stop(), bareServer.stop()]);
  }
  if (!callgrindAvailable()) {
    console.log("throughput: valgrind is not installed, so the instruction counts are skipped (apt install valgrind)");
    return rows;
  }
  // One server at a time under valgrind, after the req/s rounds (it would slow them).
  const pipeline = await instructionsPerRequest(app.mainPath, "/healthz", bindingsFor);
  const plain = await instructionsPerRequest(bare.mainPath, "/healthz", bindingsFor);
  const reference = await instructionsPerRequest(bare.mainPath, "/healthz-secure", bindingsFor);
  const group = "workerd";
  return [
    ...rows,
    { group, name: "instructions per request, pipeline GET /healthz (callgrind, user space)", value: Math.round(pipeline), unit: "instr" },
    { group, name: "instructions per request, bare Hono GET /healthz", value: Math.round(plain), unit: "instr" },
    { group, name: "instructions per request, the headers reference", value: Math.round(reference), unit: "instr" },
    {
      group,
      name: "bare / pipeline in instructions (steady; no kernel share, so below the req/s ratio)",
      value: plain / pipeline,
      unit: "×",
    },
    { group, name: "bare / reference in instructions", value: plain / reference, unit: "×" },
  ];
}
