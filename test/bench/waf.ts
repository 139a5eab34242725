/**
 * (e) The WAF (P3), on the engine itself: the rule table compiled once, then
 * `inspect` per request, as the middleware does after building the request view.
 * (The whole pipeline's per-request cost inside workerd, WAF included, is the
 * in-isolate group.)
 * - the CRS regression corpus at paranoia 1 and 2 (detection, benign blocks), overall
 *   and per CRS category (`category` of each case), in Node;
 * - leave-rules-out folds (waf-corpus.ts): the CRS cases split by CRS rule id into
 *   five folds, detection and benign rate per fold and the WORST fold. It measures
 *   over-fitting: a rule that matches the payloads of one CRS rule's tests rather
 *   than the attack class shows up as a weak fold. It cannot measure held-out
 *   generalisation: the rules were written with every fold visible, so the worst fold
 *   is an upper bound; rule work should be designed on four folds, measured on the fifth;
 * - Rampart's own traffic (false positives at PL1 and PL2) and the compliance-prose
 *   corpus (each text as a query parameter, a JSON field and a form field; the header
 *   and cookie sets of real clients), blocked/total;
 * - µs per benign ~1 KiB request: the own-traffic requests of 768–1280 bytes on
 *   the wire (request line, headers, body), with their routes' exclusions, in workerd:
 *   judged on the isolate thread's CPU (waf-cpu.ts: the bench worker served by the
 *   workerd binary, `POST /waf-isolate` with 100 passes less a call without them), and
 *   for reference timed between fences in wrangler dev and in Node's V8;
 * - adversarial CPU at the inspection cap, in workerd (`GET /waf-adversarial`): every
 *   body of waf-adversarial.ts (near-misses, long runs, near-miss units repeated then
 *   closed once, many distinct short values), as a JSON field, a form field and raw
 *   XML, each body at most 64 KiB; judged (goal ≤ 10 ms for the worst body) on the
 *   isolate thread's CPU per `inspect` (the mean of 10, after a warm-up call: the
 *   steady state of an isolate that has served requests), and for reference the
 *   median of fenced calls in wrangler dev, with and without the prefilter. Fences
 *   time the wall clock in whole milliseconds, including the time a thread waits for
 *   a core on a loaded machine: not what the goal is about;
 * - adversarial 128 KiB and 1 MiB texts in Node (past the per-value limit, so mostly
 *   splitting, decoding and the limit verdict): the time ratio must stay near 8.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../stack/dev-server.ts";
import { replay, type CrsCase, type WafRequest } from "../waf/crs-cases.ts";
import { trafficRequest, type TrafficCase } from "../waf/traffic.ts";
import type { Row } from "./table.ts";
import { adversarialBodies, adversarialTexts, type AdversarialFamily } from "./waf-adversarial.ts";
import { categoryRows, foldRows, proseRows, type ProseCorpus } from "./waf-corpus.ts";
import { startWafCpuServer, type WafCpuServer } from "./waf-cpu.ts";
import { ruleCostRows } from "./waf-rule-cost.ts";
import "./ts-resolve.ts";

interface Match {
  readonly id: number;
}
interface Engine {
  compileRules(paranoia: 1 | 2 | 3 | 4, options?: { skipAppRules?: boolean }): unknown;
  inspect(request: WafRequest, rules: unknown, excluded?: unknown): readonly Match[];
  scoreOf(matches: readonly Match[]): number;
  exclusionTest(exclude: readonly unknown[]): unknown;
}
// Typed by hand: the worker's source is loaded through the resolve hook, not compiled with Node's resolution.
const engine = (await import(new URL("../../src/pipeline/waf/index.ts", import.meta.url).href)) as Engine;

const THRESHOLD = 5;
const WORKERD_RUNS = 5;
const utf8Length = (s: string): number => new TextEncoder().encode(s).byteLength;
const pct = (x: number): number => Math.round(x * 1000) / 10;

function timeMs(run: () => void, repeat: number): number {
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) run();
  return (performance.now() - t0) / repeat;
}

function adversarialMs(size: number, families: readonly AdversarialFamily[]): number {
  const rules = engine.compileRules(1);
  let total = 0;
  for (const { text } of adversarialTexts(size).filter((t) => families.includes(t.family))) {
    const asJson = JSON.stringify({ description: text });
    const requests: WafRequest[] = [
      {
        method: "POST",
        target: "/v1/x",
        headers: [
          ["host", "a"],
          ["content-type", "application/json"],
        ],
        body: asJson,
      },
      {
        method: "POST",
        target: "/v1/x",
        headers: [
          ["host", "a"],
          ["content-type", "text/xml"],
        ],
        body: text,
      },
    ];
    for (const r of requests) total += timeMs(() => engine.inspect(r, rules), 1);
  }
  return total;
}

/**
 * µs per request of `inspect` in workerd: the bench worker times `n` passes over
 * the requests in each of `blocks` fenced blocks, minus the fences; one warm-up
 * run, then several, reported as median and range (the machine is shared).
 */
async function workerdMicros(
  benchUrl: string,
  requests: readonly { request: WafRequest; exclude?: unknown }[],
): Promise<{ median: number; min: number; max: number }> {
  const n = 5;
  const blocks = 20;
  const once = async (): Promise<number> => {
    const res = await fetch(`${benchUrl}/waf-isolate?n=${n}&blocks=${blocks}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ requests }),
    });
    if (!res.ok) throw new Error(`waf-isolate: HTTP ${res.status} ${await res.text()}`);
    const t = (await res.json()) as { requests: number; matched: number; inspectMs: number; emptyMs: number };
    // Benign traffic with its routes' exclusions matches nothing; a match would time a different path.
    if (t.matched !== 0) throw new Error(`waf-isolate: ${t.matched} of ${t.requests} benign requests matched a rule`);
    return ((t.inspectMs - t.emptyMs) * 1000) / (n * blocks * t.requests);
  };
  await once(); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < WORKERD_RUNS; i++) runs.push(await once());
  runs.sort((a, b) => a - b);
  return { median: runs[Math.floor(runs.length / 2)] ?? 0, min: runs[0] ?? 0, max: runs.at(-1) ?? 0 };
}

const INSPECTION_CAP = 64 * 1024;
const ADVERSARIAL_CHUNK = 12;

/**
 * GET `url` as JSON, retried twice: `wrangler dev` restarts the bench worker when a
 * source file changes (others edit the tree while the bench runs), which drops a request.
 */
async function fetchRetried<T>(url: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    } catch (error) {
      if (attempt >= 3) throw error;
      console.warn(`${url}: ${String(error)}; retrying`);
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

/**
 * The CPU one adversarial body at the inspection cap costs in workerd: the bench
 * worker times each body of waf-adversarial.ts (median of fenced single calls after a
 * warm-up); the worst body is judged, the median body printed beside it.
 */
async function adversarialAtCap(benchUrl: string): Promise<Row[]> {
  // In chunks of bodies: one request per chunk stays well inside wrangler dev's patience.
  const measure = async (prefilter: boolean): Promise<{ label: string; ms: number }[]> => {
    const all: { label: string; ms: number }[] = [];
    for (let from = 0, bodies = Infinity; from < bodies; from += ADVERSARIAL_CHUNK) {
      const query = `cap=${INSPECTION_CAP}&blocks=5&prefilter=${prefilter ? 1 : 0}&from=${from}&to=${from + ADVERSARIAL_CHUNK}`;
      const answer = await fetchRetried<{ bodies: number; results: { label: string; ms: number }[] }>(
        `${benchUrl}/waf-adversarial?${query}`,
      );
      bodies = answer.bodies;
      all.push(...answer.results);
    }
    return all.sort((a, b) => b.ms - a.ms);
  };
  const sorted = await measure(true);
  const reference = await measure(false);
  const worst = sorted[0];
  const referenceWorst = reference[0];
  if (worst === undefined || referenceWorst === undefined) throw new Error("waf-adversarial: no results");
  const median = sorted[Math.floor(sorted.length / 2)]?.ms ?? 0;
  const referenceMedian = reference[Math.floor(reference.length / 2)]?.ms ?? 0;
  const next = sorted
    .slice(1, 4)
    .map((r) => `${r.label} ${r.ms.toFixed(1)}`)
    .join("; ");
  const total = (rows: readonly { ms: number }[]): number => rows.reduce((n, r) => n + r.ms, 0);
  return [
    {
      group: "waf",
      name: `  wall clock between fences in wrangler dev, for reference: worst of ${sorted.length} (${worst.label}; next: ${next})`,
      value: worst.ms,
      unit: "ms",
    },
    { group: "waf", name: `  wall clock between fences: median body`, value: median, unit: "ms" },
    {
      group: "waf",
      name: `  the same without the engine's prefilter, for reference: worst (${referenceWorst.label}), same run`,
      value: referenceWorst.ms,
      unit: "ms",
    },
    { group: "waf", name: "  without the prefilter: median body", value: referenceMedian, unit: "ms" },
    {
      group: "waf",
      name: `  all ${sorted.length} bodies, without / with the prefilter (${total(reference).toFixed(0)} / ${total(sorted).toFixed(0)} ms)`,
      value: total(reference) / Math.max(total(sorted), 1e-9),
      unit: "×",
    },
  ];
}

const CPU_BLOCKS = 10;

/**
 * The judged adversarial row: each body's isolate-thread CPU per `inspect` in workerd
 * (waf-cpu.ts: the mean of CPU_BLOCKS calls), the worst body against the goal, the
 * median body beside it, then the costliest rules on the three worst bodies (Node).
 */
async function adversarialCpu(server: WafCpuServer): Promise<Row[]> {
  // The worker builds the same list (waf-adversarial.ts): body `i` there is body `i` here.
  const labels = adversarialBodies(INSPECTION_CAP).map((c) => c.label);
  const path =
    (i: number) =>
    (blocks: number): string =>
      `/waf-adversarial?cap=${INSPECTION_CAP}&blocks=${blocks}&from=${i}&to=${i + 1}`;
  // Warm-up: the first call compiles the worker's code, which a later call's baseline would not.
  await server.perBlock(path(0), 2);
  const all: { label: string; ms: number }[] = [];
  for (const [i, label] of labels.entries()) all.push({ label, ms: await server.perBlock(path(i), CPU_BLOCKS) });
  all.sort((a, b) => b.ms - a.ms);
  const worst = all[0];
  if (worst === undefined) throw new Error("waf-adversarial: no bodies");
  const median = all[Math.floor(all.length / 2)]?.ms ?? 0;
  const next = all
    .slice(1, 4)
    .map((r) => `${r.label} ${r.ms.toFixed(1)}`)
    .join("; ");
  return [
    {
      group: "waf",
      name: `adversarial body at the 64 KiB inspection cap, isolate-thread CPU in workerd, worst of ${all.length} (${worst.label}; next: ${next})`,
      value: worst.ms,
      unit: "ms",
      goal: "≤ 10",
      ok: worst.ms <= 10,
    },
    { group: "waf", name: `adversarial body at the 64 KiB cap, isolate-thread CPU in workerd, median body`, value: median, unit: "ms" },
    ...ruleCostRows(
      all.slice(0, 3).map((r) => r.label),
      INSPECTION_CAP,
    ),
  ];
}

export async function measureWaf(benchUrl: string): Promise<Row[]> {
  const rows: Row[] = [];
  const cases = JSON.parse(readFileSync(join(repoRoot, "test/security/corpora/crs/regression.json"), "utf8")) as CrsCase[];
  for (const level of [1, 2] as const) {
    const rules = engine.compileRules(level);
    const r = replay(cases, level, (request) => engine.scoreOf(engine.inspect(request, rules)) >= THRESHOLD);
    const crsBenign = level === 1 ? 22.6 : 30.7;
    rows.push(
      {
        group: "waf",
        name: `CRS corpus: detection at PL${level} (${r.detected}/${r.attacks} attacks, paranoia ≤ ${level})`,
        value: pct(r.detection),
        unit: "%",
        goal: "≥ 85",
        ok: r.detection >= 0.85,
      },
      {
        group: "waf",
        name: `CRS corpus: benign cases blocked at PL${level} (${r.blocked}/${r.benign})`,
        value: pct(r.benignBlockRate),
        unit: "%",
        goal: `< ${crsBenign} (CRS 3.3.4)`,
        ok: r.benignBlockRate * 100 < crsBenign,
      },
    );
    const blocks = (request: WafRequest): boolean => engine.scoreOf(engine.inspect(request, rules)) >= THRESHOLD;
    rows.push(...categoryRows(cases, level, blocks), ...foldRows(cases, level, blocks));
  }
  const traffic = JSON.parse(readFileSync(join(repoRoot, "test/security/corpora/rampart-traffic.json"), "utf8")) as TrafficCase[];
  const appRules = engine.compileRules(1, { skipAppRules: true });
  const fp = traffic.filter(
    (c) => engine.scoreOf(engine.inspect(trafficRequest(c), appRules, engine.exclusionTest(c.exclude ?? []))) >= THRESHOLD,
  ).length;
  rows.push({
    group: "waf",
    name: `own traffic: requests blocked at PL1 (of ${traffic.length})`,
    value: fp,
    unit: "",
    goal: "= 0",
    ok: fp === 0,
  });
  const prose = JSON.parse(readFileSync(join(repoRoot, "test/security/corpora/compliance-prose.json"), "utf8")) as ProseCorpus;
  rows.push(...proseRows(prose, (request) => engine.scoreOf(engine.inspect(request, appRules)) >= THRESHOLD));
  const pl2Rules = engine.compileRules(2, { skipAppRules: true });
  const fp2 = traffic.filter(
    (c) => engine.scoreOf(engine.inspect(trafficRequest(c), pl2Rules, engine.exclusionTest(c.exclude ?? []))) >= THRESHOLD,
  ).length;
  rows.push({
    group: "waf",
    name: `own traffic: requests blocked at PL2 (of ${traffic.length}; CRS 3.3.4 blocks every JSON API request at PL2)`,
    value: fp2,
    unit: "",
  });

  // A benign ~1 KiB request: the corpus's requests of 768–1280 bytes as sent over HTTP/1.1, with their headers and exclusions.
  const wire = (r: WafRequest): number =>
    utf8Length(`${r.method} ${r.target} HTTP/1.1\r\n${r.headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n${r.body ?? ""}`);
  const kib = traffic
    .map((c) => ({ request: trafficRequest(c), exclude: c.exclude }))
    .filter((c) => wire(c.request) >= 768 && wire(c.request) <= 1280);
  const meanBytes = Math.round(kib.reduce((n, c) => n + wire(c.request), 0) / kib.length);
  const withBody = kib.filter((c) => c.request.body !== undefined).length;
  const described = `${kib.length} own-traffic requests of 768–1280 B, mean ${meanBytes} B, ${withBody} with a JSON body, PL1`;

  const inWorkerd = await workerdMicros(benchUrl, kib);
  rows.push({
    group: "waf",
    name: `  µs per benign ~1 KiB request, wall clock between fences in wrangler dev, for reference (median of ${WORKERD_RUNS}, range ${inWorkerd.min.toFixed(1)}–${inWorkerd.max.toFixed(1)})`,
    value: inWorkerd.median,
    unit: "µs",
  });

  const nodeCases = kib.map((c) => ({ request: c.request, excluded: engine.exclusionTest(c.exclude ?? []) }));
  const runAll = (): void => {
    for (const c of nodeCases) engine.inspect(c.request, appRules, c.excluded);
  };
  for (let i = 0; i < 200; i++) runAll(); // warm-up (JIT)
  const samples: number[] = [];
  for (let s = 0; s < 31; s++) samples.push(timeMs(runAll, 20) / nodeCases.length);
  samples.sort((a, b) => a - b);
  const perRequest = (samples[15] ?? 0) * 1000;
  rows.push({
    group: "waf",
    name: `µs per benign ~1 KiB request in Node's V8, for reference (the same ${kib.length} requests; median of 31)`,
    value: perRequest,
    unit: "µs",
  });

  rows.push(...(await adversarialAtCap(benchUrl)));

  // The judged rows, on the isolate thread's CPU in workerd (waf-cpu.ts): the fenced wall-clock
  // rows above count the time a thread waited for a core on a loaded machine, in whole milliseconds.
  const server = await startWafCpuServer();
  try {
    const perRequestMs = await server.perBlock((blocks) => `/waf-isolate?n=5&blocks=${blocks}`, 20, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ requests: kib }),
    });
    const benignUs = (perRequestMs * 1000) / (5 * kib.length);
    rows.push({
      group: "waf",
      name: `µs per benign ~1 KiB request, isolate-thread CPU in workerd (${described}; 100 passes, less a call without them)`,
      value: benignUs,
      unit: "µs",
      goal: "≤ 100",
      ok: benignUs <= 100,
    });
    rows.push(...(await adversarialCpu(server)));
  } finally {
    await server.stop();
  }

  // The goal's inputs are the near-miss mix and the long runs (as when the goal was set); the
  // closed near-miss units, added with the cap row, are printed beside them for reference.
  const goalFamilies: readonly AdversarialFamily[] = ["mix", "run"];
  adversarialMs(16 * 1024, goalFamilies); // warm-up
  // One pass of each size is a single sample of a noisy machine (a collection in the 1 MiB pass
  // moved the ratio by a third): three alternating passes, the median of each size.
  const median3 = (xs: number[]): number => xs.sort((a, b) => a - b)[1] ?? 0;
  const passes = (families: readonly AdversarialFamily[]): { small: number; large: number } => {
    const smalls: number[] = [];
    const larges: number[] = [];
    for (let k = 0; k < 3; k++) {
      smalls.push(adversarialMs(128 * 1024, families));
      larges.push(adversarialMs(1024 * 1024, families));
    }
    return { small: median3(smalls), large: median3(larges) };
  };
  const { small, large } = passes(goalFamilies);
  const ratio = large / small;
  const { small: unitsSmall, large: unitsLarge } = passes(["unit"]);
  rows.push(
    {
      group: "waf",
      name: "adversarial 128 KiB in Node (near-miss mix + 33 long runs, JSON and raw; median of 3 alternating passes)",
      value: small,
      unit: "ms",
    },
    { group: "waf", name: "adversarial 1 MiB (same inputs, 8× longer)", value: large, unit: "ms" },
    { group: "waf", name: "adversarial t(1 MiB) / t(128 KiB)", value: ratio, unit: "×", goal: "≤ 10 (linear ≈ 8)", ok: ratio <= 10 },
    {
      group: "waf",
      name: `  closed near-miss units, for reference: t(1 MiB) / t(128 KiB) (${unitsLarge.toFixed(0)} / ${unitsSmall.toFixed(0)} ms)`,
      value: unitsLarge / unitsSmall,
      unit: "×",
    },
  );
  return rows;
}
