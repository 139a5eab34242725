/**
 * CPU pinning for the throughput rows: the server (workerd, or a `wrangler dev`
 * process group) on one core, the load generator on the others, so the ratio
 * against bare Hono measures the worker rather than autocannon and workerd
 * taking turns on the same cores. Uses `taskset` (util-linux); without it, with
 * a single allowed CPU or with BENCH_NO_PIN=1 nothing is pinned and the plan
 * says why, which the rows print.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Where the server and the load generator run, as `taskset -c` CPU lists. */
export type PinPlan =
  | { readonly pinned: true; readonly serverCpus: string; readonly loadCpus: string; readonly label: string }
  | { readonly pinned: false; readonly label: string };

/** Expands a CPU list as `taskset -pc` prints it ("0,1", "0-3", "0-7:2"). */
function expandCpuList(list: string): number[] {
  return list.split(",").flatMap((part) => {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) throw new Error(`unexpected CPU list from taskset: ${list}`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    const cpus: number[] = [];
    for (let c = from; c <= to; c += step) cpus.push(c);
    return cpus;
  });
}

/** The first allowed CPU for the server, the rest for the load generator. */
export function pinPlan(): PinPlan {
  if (process.env.BENCH_NO_PIN === "1") return { pinned: false, label: "unpinned: BENCH_NO_PIN=1" };
  const probe = spawnSync("taskset", ["-pc", String(process.pid)], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return { pinned: false, label: "unpinned: no taskset" };
  const list = /list:\s*(\S+)/.exec(probe.stdout)?.[1];
  if (!list) throw new Error(`unexpected output of taskset -pc: ${probe.stdout}`);
  const [server, ...load] = expandCpuList(list);
  if (server === undefined || load.length === 0) return { pinned: false, label: "unpinned: one CPU" };
  const loadCpus = load.join(",");
  return { pinned: true, serverCpus: String(server), loadCpus, label: `server on CPU ${server}, autocannon on CPU ${loadCpus}` };
}

/** `file args` as a command that runs on `cpus` when the plan pins, else unchanged. */
export function onCpus(cpus: string | undefined, file: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [file, [...args]] : ["taskset", ["-c", cpus, file, ...args]];
}

/** `/proc/<pid>/<name>`, or undefined when the process exited meanwhile (it is then nothing to pin). */
function procFile(pid: string, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, "utf8");
  } catch {
    // The process ended between listing /proc and reading it.
    return undefined;
  }
}

/** State and process group id from /proc/<pid>/stat (the fields after the command name, which may hold spaces). */
const statFields = (stat: string): string[] => stat.slice(stat.lastIndexOf(")") + 2).split(" ");
const processGroup = (stat: string): string | undefined => statFields(stat)[2];

/** Whether `pid` still runs: it exists and is not a zombie waiting for its parent. */
function alive(pid: string): boolean {
  const stat = procFile(pid, "stat");
  return stat !== undefined && statFields(stat)[0] !== "Z";
}

/** Every process in the group of the `wrangler dev` listening on `port` (wrangler, its proxy and workerd). */
function devServerGroup(port: number): string[] {
  const pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const leader = pids.find((pid) => {
    const argv = procFile(pid, "cmdline")?.split("\0") ?? [];
    const at = argv.indexOf("--port");
    return argv.some((a) => a.endsWith("wrangler.js")) && argv.includes("dev") && at >= 0 && argv[at + 1] === String(port);
  });
  const group = leader === undefined ? undefined : processGroup(procFile(leader, "stat") ?? "");
  if (group === undefined) throw new Error(`no wrangler dev process serves port ${port}`);
  return pids.filter((pid) => {
    const stat = procFile(pid, "stat");
    return stat !== undefined && processGroup(stat) === group && alive(pid);
  });
}

/**
 * `taskset` on a live process; a process that ended meanwhile is skipped (it has no
 * affinity left), and one whose thread ended mid-way is retried.
 */
function tasksetLive(args: readonly string[], pid: string): string | undefined {
  for (let attempt = 1; ; attempt++) {
    try {
      return execFileSync("taskset", [...args, pid], { encoding: "utf8" });
    } catch (error) {
      if (!alive(pid)) return undefined;
      if (attempt >= 3) throw error;
    }
  }
}

/** Pins the `wrangler dev` process groups behind these URLs to `cpus` (all threads); returns the undo. */
export function pinDevServers(urls: readonly string[], cpus: string): () => void {
  const pids = urls.flatMap((url) => devServerGroup(Number(new URL(url).port)));
  const before = pids.map((pid) => /list:\s*(\S+)/.exec(tasksetLive(["-pc"], pid) ?? "")?.[1]);
  for (const pid of pids) tasksetLive(["-a", "-pc", cpus], pid);
  return () => {
    pids.forEach((pid, i) => {
      const list = before[i];
      if (list !== undefined) tasksetLive(["-a", "-pc", list], pid);
    });
  };
}
