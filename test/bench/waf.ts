/**
 * (e) The WAF (P3), measured in Node's V8 (the engine workerd runs), on the
 * engine itself: the rule table compiled once, then `inspect` per request, as
 * the middleware does after building the request view. (The whole pipeline's
 * per-request cost inside workerd, WAF included, is the in-isolate group.)
 * - the CRS regression corpus at paranoia 1 and 2 (detection, benign blocks),
 *   Rampart's own traffic (false positives at the default level);
 * - µs per benign ~1 KiB JSON request (median of many);
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

interface Match { readonly id: number }
interface Engine {
  compileRules(paranoia: 1 | 2 | 3 | 4, options?: { skipAppRules?: boolean }): unknown;
  inspect(request: WafRequest, rules: unknown, excluded?: unknown): Match[];
  scoreOf(matches: readonly Match[]): number;
  exclusionTest(exclude: readonly unknown[]): unknown;
}
// Typed by hand: the worker's source is loaded through the resolve hook, not compiled with Node's resolution.
const engine = (await import(new URL("../../src/pipeline/waf/index.ts", import.meta.url).href)) as Engine;

const THRESHOLD = 5;
const pct = (x: number): number => Math.round(x * 1000) / 10;

function timeMs(run: () => void, repeat: number): number {
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) run();
  return (performance.now() - t0) / repeat;
}

/** Near-misses of the rules and long runs of the characters they repeat, `size` characters. */
function adversarial(size: number): string[] {
  const nearMisses = [
    "<", "<a", "< /", "'", "' o", "1 or", "1=", "$(", "`", "{{", "${", "//", "%", "%2", "..", "../.", "\\", "select ", "union ", " on",
    "=", ";", "|", "&&", "((", "[[", "\r\n", "http:/", "javascript", "__proto", "jndi", "eval ", "system ", "cat", "etc/", "0x", "@@", "/*",
    "--", "#", "<?", "<%", "while (", "for ", "if ", "%a", "a.constructor", "runtime", "sess_", "::", "\"", "@{[", "{,", "&#", "\\u00", "<a b=\"", "=\"",
  ];
  let mix = "";
  for (let i = 0; mix.length < size; i++) mix += `${nearMisses[i % nearMisses.length] ?? ""}x`;
  const repeated = ["<", "'", '"', "`", "$", "(", "{", "[", "%", "\\", "/", ".", "-", "_", " ", "a", "0", ";", "|", "&", "=", ":", "@", "#", "\n", "!", "~", "^", "*", "?", ",", "+", ">"];
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
      { method: "POST", target: "/v1/x", headers: [["host", "a"], ["content-type", "application/json"]], body: asJson },
      { method: "POST", target: "/v1/x", headers: [["host", "a"], ["content-type", "text/xml"]], body: text },
    ];
    for (const r of requests) total += timeMs(() => engine.inspect(r, rules), 1);
  }
  return total;
}

export function measureWaf(): Row[] {
  const rows: Row[] = [];
  const cases = JSON.parse(readFileSync(join(repoRoot, "../shared/corpora/crs/regression.json"), "utf8")) as CrsCase[];
  for (const level of [1, 2] as const) {
    const rules = engine.compileRules(level);
    const r = replay(cases, level, (request) => engine.scoreOf(engine.inspect(request, rules)) >= THRESHOLD);
    const crsBenign = level === 1 ? 22.6 : 30.7;
    rows.push(
      { group: "waf", name: `CRS corpus: detection at PL${level} (${r.detected}/${r.attacks} attacks, paranoia ≤ ${level})`, value: pct(r.detection), unit: "%", goal: "≥ 85", ok: r.detection >= 0.85 },
      { group: "waf", name: `CRS corpus: benign cases blocked at PL${level} (${r.blocked}/${r.benign})`, value: pct(r.benignBlockRate), unit: "%", goal: `< ${crsBenign} (CRS 3.3.4)`, ok: r.benignBlockRate * 100 < crsBenign },
    );
  }
  const traffic = JSON.parse(readFileSync(join(repoRoot, "test/security/corpora/rampart-traffic.json"), "utf8")) as TrafficCase[];
  const appRules = engine.compileRules(1, { skipAppRules: true });
  const fp = traffic.filter((c) => engine.scoreOf(engine.inspect(trafficRequest(c), appRules, engine.exclusionTest(c.exclude ?? []))) >= THRESHOLD).length;
  rows.push({ group: "waf", name: `own traffic: requests blocked at PL1 (of ${traffic.length})`, value: fp, unit: "", goal: "= 0", ok: fp === 0 });
  const pl2Rules = engine.compileRules(2, { skipAppRules: true });
  const fp2 = traffic.filter((c) => engine.scoreOf(engine.inspect(trafficRequest(c), pl2Rules, engine.exclusionTest(c.exclude ?? []))) >= THRESHOLD).length;
  rows.push({ group: "waf", name: `own traffic: requests blocked at PL2 (of ${traffic.length}; CRS 3.3.4 blocks every JSON API request at PL2)`, value: fp2, unit: "" });

  // A benign ~1 KiB request: the corpus's POSTs with a body between 0.5 and 2 KiB, with their headers.
  const kib = traffic.map(trafficRequest).filter((r) => r.body !== undefined && r.body.length >= 512 && r.body.length <= 2048);
  const bytes = kib.reduce((n, r) => n + (r.body?.length ?? 0), 0) / kib.length;
  for (let i = 0; i < 200; i++) for (const r of kib) engine.inspect(r, appRules); // warm-up (JIT)
  const samples: number[] = [];
  for (let s = 0; s < 31; s++) samples.push(timeMs(() => { for (const r of kib) engine.inspect(r, appRules); }, 50) / kib.length);
  samples.sort((a, b) => a - b);
  const perRequest = (samples[15] ?? 0) * 1000;
  rows.push({ group: "waf", name: `µs per benign request (${kib.length} corpus POSTs, mean body ${Math.round(bytes)} B, Node V8, median of 31)`, value: perRequest, unit: "µs", goal: "≤ 100", ok: perRequest <= 100 });

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
