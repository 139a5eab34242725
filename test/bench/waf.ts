/**
 * (e) The WAF (P3), on the engine itself: the rule table compiled once, then
 * `inspect` per request, as the middleware does after building the request view.
 * (The whole pipeline's per-request cost inside workerd, WAF included, is the
 * in-isolate group.)
 * - the CRS regression corpus at paranoia 1 and 2 (detection, benign blocks),
 *   Rampart's own traffic (false positives at the default level), in Node;
 * - µs per benign ~1 KiB request: the own-traffic requests of 768–1280 bytes on
 *   the wire (request line, headers, body), with their routes' exclusions, timed
 *   in workerd by the bench worker (`POST /waf-isolate`, between fences like the
 *   in-isolate group; the goal is judged here) and, for reference, in Node's V8;
 * - adversarial 128 KiB and 1 MiB bodies: near-misses of every rule and long
 *   runs of each character a pattern repeats; the time ratio must stay near 8.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../stack/dev-server.ts";
import { replay, type CrsCase, type WafRequest } from "../waf/crs-cases.ts";
import { trafficRequest, type TrafficCase } from "../waf/traffic.ts";
import type { Row } from "./table.ts";
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

/** Near-misses of the rules and long runs of the characters they repeat, `size` characters. */
function adversarial(size: number): string[] {
  const nearMisses = [
    "<",
    "<a",
    "< /",
    "'",
    "' o",
    "1 or",
    "1=",
    "$(",
    "`",
    "{{",
    "${",
    "//",
    "%",
    "%2",
    "..",
    "../.",
    "\\",
    "select ",
    "union ",
    " on",
    "=",
    ";",
    "|",
    "&&",
    "((",
    "[[",
    "\r\n",
    "http:/",
    "javascript",
    "__proto",
    "jndi",
    "eval ",
    "system ",
    "cat",
    "etc/",
    "0x",
    "@@",
    "/*",
    "--",
    "#",
    "<?",
    "<%",
    "while (",
    "for ",
    "if ",
    "%a",
    "a.constructor",
    "runtime",
    "sess_",
    "::",
    '"',
    "@{[",
    "{,",
    "&#",
    "\\u00",
    '<a b="',
    '="',
  ];
  let mix = "";
  for (let i = 0; mix.length < size; i++) mix += `${nearMisses[i % nearMisses.length] ?? ""}x`;
  const repeated = [
    "<",
    "'",
    '"',
    "`",
    "$",
    "(",
    "{",
    "[",
    "%",
    "\\",
    "/",
    ".",
    "-",
    "_",
    " ",
    "a",
    "0",
    ";",
    "|",
    "&",
    "=",
    ":",
    "@",
    "#",
    "\n",
    "!",
    "~",
    "^",
    "*",
    "?",
    ",",
    "+",
    ">",
  ];
  const runs = repeated.map((c) => c.repeat(size));
  return [mix.slice(0, size), ...runs];
}

function adversarialMs(size: number): number {
  const rules = engine.compileRules(1);
  const bodies = adversarial(size);
  let total = 0;
  for (const text of bodies) {
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
    name: `µs per benign ~1 KiB request in workerd (${described}; median of ${WORKERD_RUNS}, range ${inWorkerd.min.toFixed(1)}–${inWorkerd.max.toFixed(1)})`,
    value: inWorkerd.median,
    unit: "µs",
    goal: "≤ 100",
    ok: inWorkerd.median <= 100,
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

  adversarialMs(16 * 1024); // warm-up
  const small = adversarialMs(128 * 1024);
  const large = adversarialMs(1024 * 1024);
  const ratio = large / small;
  rows.push(
    { group: "waf", name: "adversarial 128 KiB (near-misses + 33 long runs, JSON and raw)", value: small, unit: "ms" },
    { group: "waf", name: "adversarial 1 MiB (same inputs, 8× longer)", value: large, unit: "ms" },
    { group: "waf", name: "adversarial t(1 MiB) / t(128 KiB)", value: ratio, unit: "×", goal: "≤ 10 (linear ≈ 8)", ok: ratio <= 10 },
  );
  return rows;
}
