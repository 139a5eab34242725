/**
 * CPU time of each thread of a process, from Linux's scheduler statistics
 * (`/proc/<pid>/task/<tid>/schedstat`, nanoseconds on a CPU). Exact to the
 * scheduler's accounting, so a busy machine slows the work down but does not
 * bill it the time the thread waited for a core, unlike a sampling profiler,
 * whose next sample simply arrives later.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Milliseconds of CPU per thread id. */
export type ThreadCpu = ReadonlyMap<string, number>;

/** CPU used so far by each live thread of `pid`. */
export function threadCpu(pid: number): ThreadCpu {
  const cpu = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8");
    } catch {
      // The thread ended between listing and reading; what it used is no longer attributable.
      continue;
    }
    cpu.set(tid, Number(stat.split(" ")[0]) / 1e6);
  }
  return cpu;
}

/** CPU each thread used between two snapshots; a thread first seen in `after` counts from zero. */
export function cpuBetween(before: ThreadCpu, after: ThreadCpu): Map<string, number> {
  return new Map([...after].map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)]));
}
