/**
 * CPU time from a V8 `.cpuprofile` (the format `wrangler check startup` writes).
 *
 * V8 samples the isolate's thread about once a millisecond, and each sample's
 * `timeDeltas` entry is the time since the previous one. It samples only while the
 * thread holds the isolate's lock: while workerd waits for I/O (the profiled
 * request still crossing Miniflare's proxy) the lock is released and no sample is
 * taken at all, so the next sample arrives after a long silence. wrangler's own
 * summary charges that whole silence to whatever the next sample shows (an empty
 * worker reads 0 to 66 ms "active" from run to run); here a silence longer than
 * a few sampling intervals counts as one interval.
 */

/** The parts of a V8 CPU profile read here. */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string } }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** CPU time read from one profile, in milliseconds. */
export interface ProfileCpu {
  /** Non-idle samples, a lock-release silence counted as one sampling interval. */
  readonly cpuMs: number;
  /** The same samples summed as wrangler's summary does (silences included). */
  readonly wranglerActiveMs: number;
  /** The sampling interval (median time between samples). */
  readonly intervalMs: number;
  /** Silences that were not counted, summed. */
  readonly silenceMs: number;
}

/** A gap longer than this many sampling intervals is a released lock, not CPU. */
const SILENCE_INTERVALS = 5;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** CPU time on the isolate's thread during the profile: every sample that is not `(idle)`. */
export function profileCpu(profile: CpuProfile): ProfileCpu {
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length === 0 || samples.length !== deltas.length) throw new Error("cpuprofile: no samples, or samples and timeDeltas differ");
  const interval = median(deltas);
  let cpu = 0;
  let active = 0;
  let silence = 0;
  samples.forEach((id, i) => {
    if (names.get(id) === "(idle)") return;
    const delta = deltas[i] ?? 0;
    active += delta;
    if (delta > SILENCE_INTERVALS * interval) {
      cpu += interval;
      silence += delta - interval;
    } else {
      cpu += delta;
    }
  });
  const ms = (us: number): number => us / 1000;
  return { cpuMs: ms(cpu), wranglerActiveMs: ms(active), intervalMs: ms(interval), silenceMs: ms(silence) };
}
