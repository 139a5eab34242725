/**
 * Where an adversarial body's CPU goes, rule by rule (Node, for diagnosis): each
 * value rule of paranoia 1 that the engine would run on the body's values (its
 * `needs` present, a plain value only for `plain` rules), timed alone, with the
 * engine's prefilter for pattern rules. The figure to improve is the workerd row;
 * this one names the rules behind it.
 */
import type { Row } from "./table.ts";
import { adversarialBodies } from "./waf-adversarial.ts";
import "./ts-resolve.ts";

interface Rule {
  readonly id: number;
  readonly paranoia: number;
  readonly plain?: boolean;
  readonly needs?: string;
  readonly on?: readonly string[];
  readonly pattern?: RegExp;
  readonly accept?: (token: string) => boolean;
  readonly detect?: (value: string) => boolean;
}
interface Target {
  readonly kind: string;
  readonly value: string;
}
interface Prefilter {
  patternShape(pattern: RegExp): unknown;
  profileValue(value: string): unknown;
  windowedMatch(shape: unknown, value: string, profile: unknown, onMatch: (m: RegExpExecArray) => boolean): boolean | undefined;
}
// Typed by hand, as waf.ts loads the engine: the worker's source goes through the resolve hook.
const src = (path: string): string => new URL(`../../src/pipeline/waf/${path}`, import.meta.url).href;
const { VALUE_RULES } = (await import(src("rules/index.ts"))) as { VALUE_RULES: readonly Rule[] };
const { addBody } = (await import(src("targets.ts"))) as {
  addBody: (out: Target[], body: string, contentType: string | undefined) => unknown;
};
const prefilter = (await import(src("prefilter.ts"))) as Prefilter;

const PLAIN = /^[\w .,@+/-]*$/;
const runs = (rule: Rule, kind: string, value: string): boolean => {
  if (rule.paranoia > 1) return false;
  if (rule.on === undefined ? kind === "secret" : !rule.on.includes(kind)) return false;
  if (rule.plain !== true && PLAIN.test(value)) return false;
  if (rule.needs === undefined) return true;
  const needs = rule.needs;
  for (let i = 0; i < needs.length; i++) {
    const c = needs.charAt(i);
    if (value.includes(c) || (c === "\n" && value.includes("\r"))) return true;
  }
  return false;
};

// Per rule, read once (as the engine compiles them once): its shape and a global copy of its pattern.
const compiled = new Map<Rule, { shape: unknown; global: RegExp | undefined }>();
function compiledOf(rule: Rule): { shape: unknown; global: RegExp | undefined } {
  let c = compiled.get(rule);
  if (c === undefined) {
    const pattern = rule.pattern;
    c = { shape: pattern === undefined ? undefined : prefilter.patternShape(pattern), global: pattern && new RegExp(pattern.source, "g") };
    compiled.set(rule, c);
  }
  return c;
}

function runOnce(rule: Rule, value: string, profile: unknown): void {
  const { shape, global: re } = compiledOf(rule);
  const accept = rule.accept;
  if (shape !== undefined && value.length >= 2048) {
    const verdict = prefilter.windowedMatch(shape, value, profile, (m) => (accept === undefined ? true : accept(m[1] ?? "")));
    if (verdict !== undefined) return;
  }
  if (re !== undefined) {
    re.lastIndex = 0;
    for (let m = re.exec(value); m !== null; m = re.exec(value)) {
      if (accept === undefined || accept(m[1] ?? "")) return;
      if (m[0] === "") re.lastIndex++;
    }
    return;
  }
  rule.detect?.(value);
}

/** Milliseconds of each rule over the body's values: the median of five runs after a warm-up. */
function ruleCosts(body: string, contentType: string): Map<number, number> {
  const targets: Target[] = [];
  addBody(targets, body, contentType);
  const costs = new Map<number, number>();
  for (const t of targets) {
    if (t.value.length > 64 * 1024) continue; // a limit verdict, not scanned
    const profile = t.value.length >= 2048 ? prefilter.profileValue(t.value) : undefined;
    for (const rule of VALUE_RULES) {
      if (!runs(rule, t.kind, t.value)) continue;
      runOnce(rule, t.value, profile);
      const samples: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t0 = performance.now();
        runOnce(rule, t.value, profile);
        samples.push(performance.now() - t0);
      }
      samples.sort((a, b) => a - b);
      costs.set(rule.id, (costs.get(rule.id) ?? 0) + (samples[2] ?? 0));
    }
  }
  return costs;
}

/** One row per named body (the worst ones of the workerd row): its five costliest rules. */
export function ruleCostRows(labels: readonly string[], cap: number): Row[] {
  const bodies = new Map(adversarialBodies(cap).map((c) => [c.label, c.request]));
  return labels.flatMap((label) => {
    const request = bodies.get(label);
    const contentType = request?.headers.find(([k]) => k === "content-type")?.[1];
    if (request === undefined || contentType === undefined) return [];
    const top = [...ruleCosts(request.body, contentType)].sort((a, b) => b[1] - a[1]).slice(0, 5);
    return [
      {
        group: "waf",
        name: `  costliest rules in Node on ${label}: ${top.map(([id, ms]) => `${id} ${ms.toFixed(1)}`).join(", ")} (ms)`,
        value: top[0]?.[1] ?? 0,
        unit: "ms",
      },
    ];
  });
}
