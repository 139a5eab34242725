/**
 * Instructions per request in workerd, counted by valgrind's callgrind: a second
 * view of the throughput row that a shared machine's load does not move. The req/s
 * ratio of two servers drifts by ±5–10% from round to round with the machine's load;
 * the instructions a request executes move by about 1.5% between runs of one bundle
 * (below), so a change of a few percent shows here when it drowns there. Two V8
 * flags take out most of the spread:
 * `--single-threaded` (V8 compiles and collects garbage on the isolate's thread:
 * without it, when a background compile lands varies from run to run) and
 * `--no-memory-reducer` (the memory reducer collects garbage on timers; under
 * valgrind a request takes many times as long as in a real run, so those timers fire
 * that much more often per request, and moved a bundle's count by up to 10% between
 * runs). The warm-up is long enough that the count no longer moves with it. What
 * remains is where the young-generation collections land: under valgrind each costs
 * ~9M instructions and comes every ~400 of the app's requests, and with 2,000 counted
 * requests one bundle read 397.9k and 416.8k; {@link COUNTED} averages over ~25.
 * Counted in user space only: the kernel's share of a request (the socket) is not in
 * it, which is why this ratio is lower than the req/s one. Skipped, and said so,
 * without valgrind.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../stack/dev-server.ts";
import { serveWithWorkerd } from "./workerd.ts";

const run = promisify(execFile);

// Requests before counting, then the counted ones (enough to average over the young-generation collections).
const WARM_UP = 10_000;
const COUNTED = 10_000;
const CONCURRENCY = 8;

/** Whether valgrind and callgrind_control are installed. */
export function callgrindAvailable(): boolean {
  return ["valgrind", "callgrind_control"].every((tool) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0);
}

async function send(url: string, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += CONCURRENCY) {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        const response = await fetch(url);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${url}: ${response.status}`);
      }),
    );
  }
}

/**
 * Instructions workerd executes per request of `path` (its own threads, user space),
 * averaged over {@link COUNTED} requests after {@link WARM_UP}. The requests are Node's
 * `fetch`: six headers, as a browser-like client sends.
 */
export async function instructionsPerRequest(
  mainPath: string,
  path: string,
  bindings: (url: string) => Record<string, string>,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-callgrind-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", `--callgrind-out-file=${join(dir, "callgrind.%p")}`];
  const server = await serveWithWorkerd({
    mainPath,
    port,
    bindings: bindings(url),
    wrapper,
    v8Flags: ["--single-threaded", "--no-memory-reducer"],
  });
  try {
    await send(`${url}${path}`, WARM_UP);
    const pid = String(server.pid);
    await run("callgrind_control", ["--instr=on", pid]);
    await send(`${url}${path}`, COUNTED);
    await run("callgrind_control", ["--instr=off", pid]);
    await run("callgrind_control", ["--dump", pid]);
    // The dump is named callgrind.<pid>.<n>; its `totals:` line counts every thread.
    const dumps = readdirSync(dir).filter((f) => f.startsWith(`callgrind.${pid}.`));
    const totals = dumps.map((f) => Number(/^totals: (\d+)$/m.exec(readFileSync(join(dir, f), "utf8"))?.[1] ?? NaN));
    const total = totals.find((n) => n > 0);
    if (total === undefined) throw new Error(`callgrind wrote no counts for ${mainPath} (${dumps.join(", ") || "no dump"})`);
    return total / COUNTED;
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
