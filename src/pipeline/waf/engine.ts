/**
 * The WAF engine: pure, no I/O. Rules are compiled once per paranoia level; a
 * request is split into targets (each decoded once), every rule at or below the
 * level runs on the targets of the kinds it reads, and the scores of the
 * matches add up (anomaly scoring). A value made only of characters no rule
 * needs (letters, digits, a few separators) runs only the few rules that can
 * match such a value.
 */
import { APP_SKIPPED_RULE_IDS, REQUEST_RULES, VALUE_RULES } from "./rules";
import { collectTargets } from "./targets";
import type { Paranoia, RequestFacts, RequestRule, Target, TargetKind, ValueRule, WafGroup, WafMatch, WafRequest } from "./types";

/** Rules of one paranoia level, grouped by the target kind they read. */
export interface CompiledRules {
  readonly paranoia: Paranoia;
  readonly byKind: Readonly<Record<TargetKind, readonly ValueRule[]>>;
  /** The same, only the rules that can match a plain value. */
  readonly plainByKind: Readonly<Record<TargetKind, readonly ValueRule[]>>;
  readonly request: readonly RequestRule[];
  /** Each rule's `needs` as a bit mask (0: none declared). */
  readonly needs: ReadonlyMap<ValueRule, number>;
}

// One bit per character a rule may need (CR and LF share one); 26 of 31 bits.
const NEED_CHARS = "(<=:;|&$`{[%?@#./\\\n'\"_-!+";
const NEED_BIT = new Uint32Array(128);
for (let i = 0; i < NEED_CHARS.length; i++) NEED_BIT[NEED_CHARS.charCodeAt(i)] = 1 << i;
NEED_BIT[13] = NEED_BIT[10] ?? 0;

/** The bits of the needed characters `value` contains: one pass. */
function charMask(value: string): number {
  let mask = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 128) mask |= NEED_BIT[c] ?? 0;
  }
  return mask;
}

function maskOf(chars: string): number {
  let mask = 0;
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    const bit = c < 128 ? (NEED_BIT[c] ?? 0) : 0;
    // A character without a bit cannot be tested for: the rule always runs.
    if (bit === 0) return 0;
    mask |= bit;
  }
  return mask;
}

const KINDS: readonly TargetKind[] = ["path", "query", "header", "cookie", "body", "name"];

/**
 * Compiles the table for `paranoia`. `skipAppRules` drops the rules the app
 * does not need (see `APP_SKIPPED_RULE_IDS`); the app sets it.
 *
 * @example
 * ```ts
 * const rules = compileRules(1, { skipAppRules: true });
 * ```
 */
export function compileRules(paranoia: Paranoia, options: { readonly skipAppRules?: boolean } = {}): CompiledRules {
  const active = VALUE_RULES.filter((r) => r.paranoia <= paranoia);
  const byKind = Object.fromEntries(KINDS.map((kind) => [kind, active.filter((r) => r.on === undefined || r.on.includes(kind))])) as Record<TargetKind, ValueRule[]>;
  const request = REQUEST_RULES.filter((r) => r.paranoia <= paranoia && !(options.skipAppRules === true && APP_SKIPPED_RULE_IDS.has(r.id)));
  const plainByKind = Object.fromEntries(KINDS.map((kind) => [kind, byKind[kind].filter((r) => r.plain === true)])) as Record<TargetKind, ValueRule[]>;
  const needs = new Map(active.map((r) => [r, r.needs === undefined ? 0 : maskOf(r.needs)]));
  return { paranoia, byKind, plainByKind, request, needs };
}

// A value of only these characters can match only the rules marked `plain`: most
// ids, names, dates and paths stop after one regex test and a handful of rules.
const PLAIN = /^[\w .,@+/-]*$/;

/** True when a match of `pattern` (global) captures a token `accept` takes. */
function accepted(pattern: RegExp, accept: (token: string) => boolean, value: string): boolean {
  pattern.lastIndex = 0;
  for (let m = pattern.exec(value); m !== null; m = pattern.exec(value)) {
    if (accept(m[1] ?? "")) return true;
    // A zero-length match must still move on.
    if (m[0] === "") pattern.lastIndex++;
  }
  return false;
}

/** Splits the raw target into path and query without a URL parser (which would resolve `..`). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf("?");
  const hash = target.indexOf("#");
  const end = hash < 0 ? target.length : hash;
  return q < 0 || q > end ? { path: target.slice(0, end), query: "" } : { path: target.slice(0, q), query: target.slice(q + 1, end) };
}

/** Predicate of a route's exclusions: true when `group` must not run on the target. */
export type ExclusionTest = (target: Target, group: WafGroup) => boolean;

/**
 * Runs the rules on a request; returns every match (the caller scores them).
 * `excluded` is asked only when a rule matched a field target.
 *
 * @example
 * ```ts
 * const matches = inspect(request, compileRules(1));
 * ```
 */
export function inspect(request: WafRequest, rules: CompiledRules, excluded?: ExclusionTest): WafMatch[] {
  const { path, query } = splitTarget(request.target);
  const lookup = new Map<string, string>();
  for (const [name, value] of request.headers) lookup.set(name, value);
  const contentType = lookup.get("content-type");
  const facts: RequestFacts = { path, query, contentType, header: (name) => lookup.get(name) };
  const matches: WafMatch[] = [];
  for (const rule of rules.request) {
    const where = rule.check(request, facts);
    if (where !== undefined) matches.push({ id: rule.id, group: rule.group, score: rule.score, target: where, field: "", kind: "request", value: "" });
  }
  for (const target of collectTargets(request, path, query, contentType)) {
    const plain = PLAIN.test(target.value);
    const list = plain ? rules.plainByKind[target.kind] : rules.byKind[target.kind];
    const present = charMask(target.value);
    for (const rule of list) {
      const needs = rules.needs.get(rule) ?? 0;
      if (needs !== 0 && (needs & present) === 0) continue;
      const hit = rule.accept !== undefined && rule.pattern !== undefined ? accepted(rule.pattern, rule.accept, target.value) : rule.pattern ? rule.pattern.test(target.value) : rule.detect ? rule.detect(target.value) : false;
      if (!hit) continue;
      if (excluded !== undefined && target.field !== "" && excluded(target, rule.group)) continue;
      matches.push({ id: rule.id, group: rule.group, score: rule.score, target: target.name, field: target.field, kind: target.kind, value: target.value });
    }
  }
  return matches;
}

/** Sum of the scores, counting each rule once per request. */
export function scoreOf(matches: readonly WafMatch[]): number {
  const seen = new Set<number>();
  let score = 0;
  for (const m of matches) {
    if (seen.has(m.id)) continue;
    seen.add(m.id);
    score += m.score;
  }
  return score;
}
