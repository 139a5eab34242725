/**
 * The WAF engine: pure, no I/O. Rules are compiled once per paranoia level; a
 * request is split into targets (each decoded once), every rule at or below the
 * level runs on the targets of the kinds it reads, and the scores of the
 * matches add up (anomaly scoring). A value made only of characters no rule
 * needs (letters, digits, a few separators) runs only the few rules that can
 * match such a value, and those first as one combined regex (the plain gate):
 * most values of ordinary requests stop there.
 *
 * What an adversarial body cannot make every rule do (each shortcut a necessary
 * condition of a match, so the verdicts stay those of every rule on every value):
 * - a value runs only the rules whose needed characters it holds (a list per mask
 *   of those characters, built once), and not a pattern one of whose required
 *   characters is missing from each alternative (prefilter.ts `canMatch`, one bit
 *   per character from the pass that reads the value anyway);
 * - a long value (2 KiB or more) runs a pattern rule whose triggers are sparse only
 *   on slices around them (prefilter.ts `windowedMatch`);
 * - a value repeated across a body's fields (32 characters or more) is judged once.
 * The tokenizer rules have their own (sql-tokens.ts, shell.ts, hosts.ts).
 *
 * It runs on every request, so the common case allocates little: the path and
 * the headers are inspected without building target objects (one is built only
 * for a match), header lookups scan the short header list, and the list of
 * matches exists only once something matched. A path or header value the isolate
 * judged clean before (clients send the same User-Agent, Accept and Host on every
 * request) is looked up instead of judged again, and charged the same work.
 *
 * What it cannot inspect completely (JSON too deep, too many values, one value
 * too long: `INSPECTION_LIMITS`) is not skipped: it becomes a match of kind
 * `limit`, which the stage answers with 413 `inspection_limit_exceeded`.
 */
import { normalise } from "./normalise";
import { canMatch, literalsRuleOut, patternShape, profileValue, windowedMatch, type PatternShape, type ValueProfile } from "./prefilter";
import { APP_SKIPPED_RULE_IDS, REQUEST_RULES, VALUE_RULES } from "./rules";
import { addBody, addPairs, INSPECTION_LIMITS, isInspectedHeader } from "./targets";
import type {
  InspectionLimit,
  Paranoia,
  RequestFacts,
  RequestRule,
  RequestTrait,
  Target,
  TargetKind,
  ValueRule,
  WafMatch,
  WafRequest,
} from "./types";
import { groupBit, WAF_GROUPS } from "./types";

/** Rule ids of the limit verdicts, as logged (`rule_ids`). */
export const LIMIT_RULE_IDS: Readonly<Record<InspectionLimit, number>> = { depth: 131, values: 132, length: 133, work: 134 };
// A limit match outweighs any threshold (WAF_THRESHOLD is at most 1000): a stage that did
// not know the `limit` kind would still refuse the request rather than wave it through.
const LIMIT_SCORE = 1000;
// What a secret field's match carries instead of its value: the log excerpt must never hold it.
const REDACTED = "[redacted]";

/**
 * True when `matches` hold a limit verdict: the request could not be inspected
 * completely and must be refused with 413 `inspection_limit_exceeded`.
 *
 * @example
 * ```ts
 * if (limitExceeded(inspect(request, rules))) throw new AppError("inspection_limit_exceeded");
 * ```
 */
export function limitExceeded(matches: readonly WafMatch[]): boolean {
  return matches.some((m) => m.kind === "limit");
}

function limitMatch(limit: InspectionLimit, target: string): WafMatch {
  return { id: LIMIT_RULE_IDS[limit], group: "protocol", score: LIMIT_SCORE, target, field: "", kind: "limit", value: "" };
}

/**
 * What a plain value with a given set of needed characters must pass first: a
 * regex that matches whenever any rule that would run could match ("run" the
 * rules then), "none" when no rule would run, "all" when some rule cannot be
 * folded into a regex (a detector without a `plainGate`): then every rule runs.
 */
type PlainGate = RegExp | "none" | "all";

/**
 * A rule as the scan loop reads it. Rules are object literals of several shapes (a
 * pattern, an `accept`, a `detect`, optional fields); read through one class, every
 * load in the loop that runs for each rule on each value stays monomorphic: on a body
 * of thousands of short values, polymorphic loads cost more than the rules' own work.
 */
class Check {
  readonly rule: ValueRule;
  /** The rule's `needs` as a bit mask (0: none declared). */
  readonly need: number;
  /** Its pattern's shape (prefilter.ts); undefined when it has none or the prefilter is off. */
  readonly shape: PatternShape | undefined;
  readonly pattern: RegExp | undefined;
  readonly accept: ((token: string) => boolean) | undefined;
  readonly detect: ((value: string) => boolean) | undefined;
  /** A detector's `workPer` as ASCII codes, CR beside LF; undefined for a pattern or a detector without one. */
  readonly workCodes: Uint8Array | undefined;
  /** The rule's group as a bit (groupBit), tested against a target's excluded groups. */
  readonly groupBit: number;

  constructor(rule: ValueRule, need: number, shape: PatternShape | undefined) {
    this.rule = rule;
    this.groupBit = groupBit(rule.group);
    this.need = need;
    this.shape = shape;
    this.pattern = rule.pattern;
    this.accept = rule.accept;
    this.detect = rule.detect;
    this.workCodes = rule.detect === undefined || rule.workPer === undefined ? undefined : workCodesOf(rule.workPer);
  }
}

/** The ASCII codes of `chars` (a CR beside every LF: the two share one `needs` bit). */
function workCodesOf(chars: string): Uint8Array {
  const codes = new Set<number>();
  for (let i = 0; i < chars.length; i++) {
    const c = chars.charCodeAt(i);
    if (c >= 128) throw new Error(`workPer holds a non-ASCII character: ${chars}`);
    codes.add(c);
    if (c === 10) codes.add(13);
  }
  return Uint8Array.from(codes);
}

// On a long value, a detector reads this many characters per occurrence of its work
// characters for free (one in 64: a sentence's full stop, a paragraph's line break);
// each occurrence beyond costs one unit of INSPECTION_LIMITS.work.
const FREE_WORK_SPACING = 64;

/** Units a detector's run on a long value costs beyond its run and its KiB: occurrences of its work characters past the free ones. */
function densityCost(check: Check, profile: ValueProfile, length: number): number {
  const codes = check.workCodes;
  if (codes === undefined) return 0;
  let n = 0;
  for (let k = 0; k < codes.length; k++) n += profile.counts[codes[k] ?? 0] ?? 0;
  return Math.max(0, n - Math.floor(length / FREE_WORK_SPACING));
}

/** The rules of one target kind, with their `needs` masks in a parallel array (no map lookup per rule). */
interface KindTable {
  readonly rules: readonly ValueRule[];
  readonly checks: readonly Check[];
  readonly plain: readonly ValueRule[];
  readonly plainNeeds: Uint32Array;
  readonly plainChecks: readonly Check[];
  /** Built lazily per mask of the needed characters a plain value holds (at most 2^6: `@ . / _ - +`). */
  readonly plainGates: Map<number, PlainGate>;
  /**
   * Per mask of a value (its needed characters, NOT_PLAIN), the checks whose `needs` it
   * meets: a value runs through those alone, not through every rule of its kind.
   * Built lazily, at most CANDIDATE_MASKS of them.
   */
  readonly candidates: Map<number, readonly Check[]>;
  /** Path and header values no rule of this table matched, with the work they cost (see CLEAN_VALUES); undefined: none kept. */
  readonly clean: Map<string, number> | undefined;
}

// Clean path and header values an isolate remembers per table, and the longest it remembers. A
// value is remembered only once every candidate rule ran on it and none matched, and a
// request that meets it again is charged the work it cost (so the work limit and every
// verdict stay what they were); a sender of ever new values only empties the map
// (cleared when full): at most 1,024 values of up to 512 characters per table.
const CLEAN_VALUES = 1024;
const CLEAN_LENGTH = 512;

// Masks whose candidate lists are kept per table: an attacker who sends many masks gets the
// lists computed each time beyond this, as every value was before, not an unbounded map.
const CANDIDATE_MASKS = 2048;

/** The checks of `table` a value with `mask` can meet (its `needs`), in table order. */
function candidatesFor(table: KindTable, mask: number): readonly Check[] {
  const cached = table.candidates.get(mask);
  if (cached !== undefined) return cached;
  const checks = (mask & NOT_PLAIN) === 0 ? table.plainChecks : table.checks;
  const list = checks.filter((c) => c.need === 0 || (c.need & mask) !== 0);
  if (table.candidates.size < CANDIDATE_MASKS) table.candidates.set(mask, list);
  return list;
}

/** Rules of one paranoia level, grouped by the target kind they read. */
export interface CompiledRules {
  readonly paranoia: Paranoia;
  readonly byKind: Readonly<Record<TargetKind, readonly ValueRule[]>>;
  /** The same, only the rules that can match a plain value. */
  readonly plainByKind: Readonly<Record<TargetKind, readonly ValueRule[]>>;
  readonly request: readonly RequestRule[];
  /** Per request rule, its `when` traits as a mask (TRAIT_BITS; 0: it always runs, as without the prefilter). */
  readonly requestWhen: Uint32Array;
  /** Each rule's `needs` as a bit mask (0: none declared). */
  readonly needs: ReadonlyMap<ValueRule, number>;
  /** The engine's per-kind tables (derived from the above). */
  readonly tables: Readonly<Record<TargetKind, KindTable>>;
}

// One bit per character a rule may need (CR and LF share one); 26 of 31 bits.
const NEED_CHARS = "(<=:;|&$`{[%?@#./\\\n'\"_-!+";
const NEED_BIT = new Uint32Array(128);
for (let i = 0; i < NEED_CHARS.length; i++) NEED_BIT[NEED_CHARS.charCodeAt(i)] = 1 << i;
NEED_BIT[13] = NEED_BIT[10] ?? 0;
// Set in a value's mask when it is not plain (see PLAIN); no needed character uses this bit.
const NOT_PLAIN = 1 << 30;
// A value of only these characters can match only the rules marked `plain`: most
// ids, names, dates and paths stop after one regex test and a handful of rules.
// PLAIN_CHAR is the same set, per character, for the one pass of `charMask`.
const PLAIN = /^[\w .,@+/-]*$/;
const PLAIN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) PLAIN_CHAR[c] = PLAIN.test(String.fromCharCode(c)) ? 1 : 0;

// The ASCII characters of the value `charMask` read last, one bit each (for canMatch).
const PRESENT = new Uint32Array(4);

/**
 * The bits of the needed characters `value` contains, and NOT_PLAIN unless it matches
 * PLAIN: one pass, which also fills PRESENT.
 */
function charMask(value: string): number {
  let mask = 0;
  PRESENT.fill(0);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 128) {
      mask |= NEED_BIT[c] ?? 0;
      if (PLAIN_CHAR[c] === 0) mask |= NOT_PLAIN;
      PRESENT[c >> 5] = (PRESENT[c >> 5] ?? 0) | (1 << (c & 31));
    } else {
      mask |= NOT_PLAIN;
    }
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

const KINDS: readonly TargetKind[] = ["path", "query", "header", "cookie", "body", "name", "secret"];

/** True when `rule` reads values of `kind`: a secret only when the rule names it. */
const reads = (rule: ValueRule, kind: TargetKind): boolean => (rule.on === undefined ? kind !== "secret" : rule.on.includes(kind));

// Values at least this long run their pattern rules through the prefilter (prefilter.ts):
// below it, one pass per rule costs less than profiling the value first.
const PREFILTER_LENGTH = 2048;

// Shapes are read once per rule, whatever the paranoia levels compiled.
const shapeCache = new WeakMap<ValueRule, PatternShape | null>();

/**
 * The rule's pattern shape, when the prefilter may run it: a pattern whose matches
 * the engine walks (`accept`, global) or only tests (no flag). A global pattern
 * without `accept` keeps its whole-value `test` (its `lastIndex` is state).
 */
function shapeOf(rule: ValueRule): PatternShape | undefined {
  const cached = shapeCache.get(rule);
  if (cached !== undefined) return cached ?? undefined;
  const pattern = rule.pattern;
  const walkable = pattern !== undefined && (rule.accept !== undefined ? pattern.flags === "g" : pattern.flags === "");
  const shape = walkable ? patternShape(pattern) : undefined;
  shapeCache.set(rule, shape ?? null);
  return shape;
}

function kindTable(
  rules: readonly ValueRule[],
  plain: readonly ValueRule[],
  needs: ReadonlyMap<ValueRule, number>,
  prefilter: boolean,
  remember: boolean,
): KindTable {
  const check = (r: ValueRule): Check => new Check(r, needs.get(r) ?? 0, prefilter ? shapeOf(r) : undefined);
  return {
    rules,
    checks: rules.map(check),
    plain,
    plainNeeds: Uint32Array.from(plain, (r) => needs.get(r) ?? 0),
    plainChecks: plain.map(check),
    plainGates: new Map(),
    candidates: new Map(),
    clean: remember ? new Map() : undefined,
  };
}

/**
 * Compiles the table for `paranoia`. `skipAppRules` drops the rules the app
 * does not need (see `APP_SKIPPED_RULE_IDS`); the app sets it. `prefilter: false`
 * runs every rule on the whole of every value (the reference the tests compare
 * the prefilter's verdicts with); `remember: false` judges a path or header value
 * afresh each time (the reference for the clean values' memo, CLEAN_VALUES).
 *
 * @example
 * ```ts
 * const rules = compileRules(1, { skipAppRules: true });
 * ```
 */
export function compileRules(
  paranoia: Paranoia,
  options: { readonly skipAppRules?: boolean; readonly prefilter?: boolean; readonly remember?: boolean } = {},
): CompiledRules {
  const active = VALUE_RULES.filter((r) => r.paranoia <= paranoia);
  const byKind = Object.fromEntries(KINDS.map((kind) => [kind, active.filter((r) => reads(r, kind))])) as Record<TargetKind, ValueRule[]>;
  const request = REQUEST_RULES.filter((r) => r.paranoia <= paranoia && !(options.skipAppRules === true && APP_SKIPPED_RULE_IDS.has(r.id)));
  const plainByKind = Object.fromEntries(KINDS.map((kind) => [kind, byKind[kind].filter((r) => r.plain === true)])) as Record<
    TargetKind,
    ValueRule[]
  >;
  const needs = new Map(active.map((r) => [r, r.needs === undefined ? 0 : maskOf(r.needs)]));
  const prefilter = options.prefilter !== false;
  const remember = options.remember !== false;
  const tables = Object.fromEntries(
    KINDS.map((kind) => [kind, kindTable(byKind[kind], plainByKind[kind], needs, prefilter, remember)]),
  ) as Record<TargetKind, KindTable>;
  const requestWhen = Uint32Array.from(request, (r) => (prefilter ? traitMask(r.when ?? []) : 0));
  return { paranoia, byKind, plainByKind, request, requestWhen, needs, tables };
}

/**
 * The regex a rule can be folded into the plain gate with: one that matches
 * whenever the rule can (its pattern, which an `accept` only narrows, or a
 * detector's `plainGate`); `undefined` when there is none. Only flag-free or
 * global patterns without back-references: inside one alternation they match
 * exactly where they matched alone.
 */
function gateSource(rule: ValueRule): string | undefined {
  const pattern = rule.detect !== undefined ? rule.plainGate : rule.pattern;
  if (pattern === undefined || (pattern.flags !== "" && pattern.flags !== "g") || /\\[1-9k]/.test(pattern.source)) return undefined;
  return pattern.source;
}

function plainGate(table: KindTable, mask: number): PlainGate {
  const cached = table.plainGates.get(mask);
  if (cached !== undefined) return cached;
  const sources: string[] = [];
  let gate: PlainGate | undefined;
  for (let i = 0; i < table.plain.length && gate === undefined; i++) {
    const rule = table.plain[i];
    const needs = table.plainNeeds[i] ?? 0;
    if (rule === undefined || (needs !== 0 && (needs & mask) === 0)) continue;
    const source = gateSource(rule);
    if (source === undefined) gate = "all";
    else sources.push(`(?:${source})`);
  }
  // An alternation of linear patterns stays linear: each branch is tried once per position, as alone.
  gate ??= sources.length === 0 ? "none" : new RegExp(sources.join("|"));
  table.plainGates.set(mask, gate);
  return gate;
}

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

/**
 * True when the rule of `check` matches `value`. On a long value (`profile` set) a
 * pattern with a shape runs only where it can match (prefilter.ts), with the same verdict.
 */
function ruleMatches(check: Check, value: string, profile: ValueProfile | undefined): boolean {
  const pattern = check.pattern;
  const accept = check.accept;
  const shape = check.shape;
  if (shape !== undefined && profile !== undefined) {
    const windowed = windowedMatch(shape, value, profile, accept === undefined ? matchesAlways : (m) => accept(m[1] ?? ""));
    if (windowed !== undefined) return windowed;
  }
  if (accept !== undefined && pattern !== undefined) return accepted(pattern, accept, value);
  if (pattern !== undefined) return pattern.test(value);
  return check.detect !== undefined && check.detect(value);
}
const matchesAlways = (): boolean => true;

/** Splits the raw target into path and query without a URL parser (which would resolve `..`). */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf("?");
  const hash = target.indexOf("#");
  const end = hash < 0 ? target.length : hash;
  return q < 0 || q > end ? { path: target.slice(0, end), query: "" } : { path: target.slice(0, q), query: target.slice(q + 1, end) };
}

/**
 * A route's exclusions on one target: the groups that must not run on it, as a mask of
 * `groupBit`s (0: none). Asked once per field target, before any rule runs on it, so an
 * excluded group is neither run nor charged to the work budget there.
 */
export type ExclusionTest = (target: Pick<Target, "kind" | "field">) => number;

/** A request trait's bit in a mask of traits (RequestRule.when). */
const TRAIT_BITS: Readonly<Record<RequestTrait, number>> = {
  body: 1 << 0,
  query: 1 << 1,
  percent: 1 << 2,
  dot: 1 << 3,
  "content-type": 1 << 4,
  "content-length": 1 << 5,
  "transfer-encoding": 1 << 6,
  range: 1 << 7,
  connection: 1 << 8,
};
/**
 * The trait a header's presence gives a request (0: none). A switch, not a map: the
 * runtime hands over each name as a new string on every request, and a Map or Set
 * lookup of a new string costs a trip into V8's runtime to intern it (~650
 * instructions); a switch compares lengths first and rules most names out at once.
 */
function headerTrait(name: string): number {
  switch (name) {
    case "content-type":
    case "content-length":
    case "transfer-encoding":
    case "range":
    case "connection":
      return TRAIT_BITS[name];
    default:
      return 0;
  }
}

const traitMask = (traits: readonly RequestTrait[]): number => traits.reduce((mask, trait) => mask | TRAIT_BITS[trait], 0);

/** The facts of one request for the request rules: headers looked up by a scan of the (short) list. */
class Facts implements RequestFacts {
  readonly path: string;
  readonly query: string;
  readonly normalisedPath: string;
  readonly contentType: string | undefined;
  /** The traits the headers give the request (headerTrait), from the same pass that finds Content-Type. */
  readonly traits: number;
  readonly #headers: WafRequest["headers"];

  constructor(path: string, query: string, normalisedPath: string, headers: WafRequest["headers"]) {
    this.path = path;
    this.query = query;
    this.normalisedPath = normalisedPath;
    this.#headers = headers;
    let traits = 0;
    let contentType: string | undefined;
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i];
      if (header === undefined) continue;
      const bit = headerTrait(header[0]);
      if (bit === 0) continue;
      traits |= bit;
      // The last one, as `header` answers.
      if (bit === TRAIT_BITS["content-type"]) contentType = header[1];
    }
    this.traits = traits;
    this.contentType = contentType;
  }

  /** The last value under `name`, as a map built from the list would hold. */
  header(name: string): string | undefined {
    for (let i = this.#headers.length - 1; i >= 0; i--) {
      const h = this.#headers[i];
      if (h !== undefined && h[0] === name) return h[1];
    }
    return undefined;
  }
}

/**
 * The value rules of `kind` that match `value` (a value within the length limit),
 * in table order, but those of the groups in `skipGroups`; `undefined` when none does.
 * Depends on nothing but the three, so a value repeated across a request's targets is
 * judged once per kind and exclusion (see scanAll).
 */
function matchingRules(tables: CompiledRules["tables"], kind: TargetKind, value: string, skipGroups: number): ValueRule[] | undefined {
  if (workLeft < 0 || scored >= stopScore) return undefined;
  const table = tables[kind];
  // Paths and header values repeat across requests: one judged clean before costs its work, nothing more.
  const clean = (kind === "header" || kind === "path") && skipGroups === 0 && value.length <= CLEAN_LENGTH ? table.clean : undefined;
  if (clean !== undefined) {
    const cost = clean.get(value);
    if (cost !== undefined) {
      workLeft -= cost;
      return undefined;
    }
  }
  const workBefore = workLeft;
  const found = judge(table, value, skipGroups);
  if (clean !== undefined && found === undefined && workLeft >= 0) {
    if (clean.size >= CLEAN_VALUES) clean.clear();
    clean.set(value, workBefore - workLeft);
  }
  return found;
}

/** {@link matchingRules} without the memo: runs the candidate rules of `table` on `value`. */
function judge(table: KindTable, value: string, skipGroups: number): ValueRule[] | undefined {
  const present = charMask(value);
  if ((present & NOT_PLAIN) === 0) {
    const gate = plainGate(table, present);
    if (gate === "none") return undefined;
    // No rule can match: the common case for ids, names and paths, one regex test.
    if (gate !== "all" && !gate.test(value)) return undefined;
  }
  // The rules whose `needs` the value meets (all the plain ones' for a plain value).
  const checks = candidatesFor(table, present);
  // Built on the first rule that uses it: one pass, only for long values.
  let profile: ValueProfile | undefined;
  const long = value.length >= PREFILTER_LENGTH;
  // A rule run costs one unit, one more per KiB of the value it may read (two on a long value:
  // measured, a rule reads a KiB of one long value at about twice the cost of a short value's
  // whole run), and on a long value a detector's dense work characters (densityCost): all
  // charged before it runs (INSPECTION_LIMITS.work).
  const runCost = 1 + (long ? value.length >> 9 : value.length >> 10);
  let found: ValueRule[] | undefined;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i];
    // A group the route excludes on this field is not run there (nor charged).
    if (check === undefined || (check.groupBit & skipGroups) !== 0) continue;
    // A pattern whose every alternative needs a character the value lacks is not run at all.
    const shape = check.shape;
    if (shape !== undefined) {
      if (!canMatch(shape, PRESENT)) continue;
      if (long) {
        profile ??= profileValue(value);
        // A pattern none of whose words the value holds is not run (nor charged).
        if (literalsRuleOut(shape, profile)) continue;
      }
    }
    if (long && check.workCodes !== undefined) {
      profile ??= profileValue(value);
      workLeft -= densityCost(check, profile, value.length);
    }
    workLeft -= runCost;
    if (workLeft < 0) return found;
    if (ruleMatches(check, value, profile)) (found ??= []).push(check.rule);
  }
  return found;
}

/**
 * Rule work the request being inspected may still cost (INSPECTION_LIMITS.work): set by
 * `inspect`, spent by `matchingRules`. Module state is safe here because `inspect` is
 * synchronous: no other request's inspection can interleave with it in the isolate.
 */
let workLeft = 0;

/**
 * The score at which the caller refuses (`inspect`'s `blockAt`), the score the matches
 * reached so far (each rule counted once, as scoreOf does) and the rules counted:
 * once `scored` reaches `stopScore`, no further rule runs. Reset by `inspect`.
 */
let stopScore = Infinity;
let scored = 0;
const scoredRules = new Set<number>();

function count(id: number, score: number): void {
  if (scoredRules.has(id)) return;
  scoredRules.add(id);
  scored += score;
}

/** Rule work the last `inspect` call cost (units of INSPECTION_LIMITS.work), for the bench and the calibration test. */
export function lastInspectionWork(): number {
  return INSPECTION_LIMITS.work - Math.max(workLeft, -1);
}

/**
 * Appends the matches of `rules` on a value to `matches` (created on the first match,
 * returned). `target` is the value's target when it exists already; else one is built
 * from `name` and `field` (for a header, `field` is its name and the target's name
 * `header.<name>`). The rules are those left after the target's exclusions.
 */
function record(
  rules: readonly ValueRule[],
  kind: TargetKind,
  value: string,
  name: string,
  field: string,
  target: Target | undefined,
  matches: WafMatch[] | undefined,
): WafMatch[] | undefined {
  let found = matches;
  const where = target?.name ?? (kind === "header" ? `header.${field}` : name);
  const logged = kind === "secret" ? REDACTED : value;
  for (const rule of rules) {
    (found ??= []).push({ id: rule.id, group: rule.group, score: rule.score, target: where, field, kind, value: logged });
    count(rule.id, rule.score);
  }
  return found;
}

/**
 * Runs the value rules of `kind` on `value`, but those of `skipGroups` (the route's
 * exclusions on it), appending to `matches` (created on the first match, returned);
 * see {@link record} for `target`, `name` and `field`.
 */
function scan(
  tables: CompiledRules["tables"],
  kind: TargetKind,
  value: string,
  name: string,
  field: string,
  target: Target | undefined,
  skipGroups: number,
  matches: WafMatch[] | undefined,
): WafMatch[] | undefined {
  if (value.length > INSPECTION_LIMITS.length) {
    // Not scanned: the request is refused for it, whatever the rules would say.
    (matches ??= []).push(limitMatch("length", kind === "header" ? `header.${field}` : name));
    return matches;
  }
  const rules = matchingRules(tables, kind, value, skipGroups);
  return rules === undefined ? matches : record(rules, kind, value, name, field, target, matches);
}

// From this many targets on (a query, a cookie header, a body), a value seen before in the
// same list is not judged again: an adversarial body repeats a few near-miss values
// thousands of times. Fewer targets cost less than the memo's map; so do short values (a
// body of thousands of distinct short values would pay for the map and never use it, and
// the same short value repeated costs no more to judge each time than distinct ones).
const MEMO_TARGETS = 16;
const MEMO_LENGTH = 32;
// What the memo holds for a value no rule matched.
const NONE_MATCHED: readonly ValueRule[] = Object.freeze([]);
// The memo's key for the rules a value runs: its kind and the groups excluded on its field.
const KIND_KEY: Readonly<Record<TargetKind, number>> = { path: 0, query: 1, header: 2, cookie: 3, body: 4, name: 5, secret: 6 };
const GROUP_MASKS = 1 << WAF_GROUPS.length;

/** The groups `excluded` drops on `target`: only a field's (a query argument's, a body field's). */
const skippedOn = (target: Target, excluded: ExclusionTest | undefined): number =>
  excluded === undefined || target.field === "" ? 0 : excluded(target);

function scanAll(
  tables: CompiledRules["tables"],
  targets: readonly Target[],
  excluded: ExclusionTest | undefined,
  matches: WafMatch[] | undefined,
): WafMatch[] | undefined {
  let found = matches;
  if (targets.length < MEMO_TARGETS) {
    for (const t of targets) found = scan(tables, t.kind, t.value, t.name, t.field, t, skippedOn(t, excluded), found);
    return found;
  }
  // Per kind and excluded groups (the rules that run depend on both), the rules each value matched.
  const memo = new Map<number, Map<string, readonly ValueRule[]>>();
  for (const t of targets) {
    const skip = skippedOn(t, excluded);
    if (t.value.length > INSPECTION_LIMITS.length || t.value.length < MEMO_LENGTH) {
      found = scan(tables, t.kind, t.value, t.name, t.field, t, skip, found);
      continue;
    }
    const key = KIND_KEY[t.kind] * GROUP_MASKS + skip;
    let judged = memo.get(key);
    if (judged === undefined) memo.set(key, (judged = new Map<string, readonly ValueRule[]>()));
    let rules = judged.get(t.value);
    if (rules === undefined) {
      rules = matchingRules(tables, t.kind, t.value, skip) ?? NONE_MATCHED;
      judged.set(t.value, rules);
    }
    if (rules.length > 0) found = record(rules, t.kind, t.value, t.name, t.field, t, found);
  }
  return found;
}

// What `inspect` answers when nothing matched; frozen, since it is shared.
const NO_MATCHES: readonly WafMatch[] = Object.freeze([]);

/**
 * Runs the rules on a request; returns every match (the caller scores them).
 * `excluded` is asked once per field target, before its rules run. The targets, in
 * order: the path, the query arguments, the inspected headers (cookies split
 * into pairs where the header is), the body. With `blockAt` (the score at which
 * the caller refuses), no rule runs once the matches reach it: the verdict is
 * made, and a body of attacks costs what its first ones cost. Without it every
 * value is read (what log-only mode and the tests want: every rule that fires).
 *
 * @example
 * ```ts
 * const matches = inspect(request, compileRules(1), undefined, 5);
 * ```
 */
export function inspect(request: WafRequest, rules: CompiledRules, excluded?: ExclusionTest, blockAt = Infinity): readonly WafMatch[] {
  const raw = request.target;
  const hash = raw.indexOf("#");
  const end = hash < 0 ? raw.length : hash;
  const q = raw.indexOf("?");
  const hasQuery = q >= 0 && q <= end;
  const path = hasQuery ? raw.slice(0, q) : end === raw.length ? raw : raw.slice(0, end);
  const query = hasQuery ? raw.slice(q + 1, end) : "";
  const normalisedPath = normalise(path, false);
  const facts = new Facts(path, query, normalisedPath, request.headers);
  workLeft = INSPECTION_LIMITS.work;
  stopScore = blockAt;
  scored = 0;
  scoredRules.clear();
  let matches: WafMatch[] | undefined;
  const checks = rules.request;
  const whens = rules.requestWhen;
  const traits =
    facts.traits |
    (query !== "" ? TRAIT_BITS.query : 0) |
    (raw.includes("%") ? TRAIT_BITS.percent : 0) |
    (normalisedPath.includes(".") ? TRAIT_BITS.dot : 0) |
    (request.body !== undefined && request.body !== "" ? TRAIT_BITS.body : 0);
  for (let i = 0; i < checks.length; i++) {
    const rule = checks[i];
    const when = whens[i] ?? 0;
    // A rule that needs a trait the request lacks cannot match it (RequestRule.when).
    if (rule === undefined || (when !== 0 && (when & traits) === 0)) continue;
    const where = rule.check(request, facts);
    if (where !== undefined) {
      (matches ??= []).push({ id: rule.id, group: rule.group, score: rule.score, target: where, field: "", kind: "request", value: "" });
      count(rule.id, rule.score);
    }
  }
  const tables = rules.tables;
  matches = scan(tables, "path", normalisedPath, "path", "", undefined, 0, matches);
  if (query !== "") {
    const targets: Target[] = [];
    const limit = addPairs(targets, query, "&", "query", "query");
    if (limit !== undefined) (matches ??= []).push(limitMatch(limit, "query"));
    matches = scanAll(tables, targets, excluded, matches);
  }
  // Indexed, not destructured: array destructuring runs the iterator protocol until the code is optimised.
  const headers = request.headers;
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i];
    if (header === undefined) continue;
    const name = header[0];
    const value = header[1];
    if (name === "cookie") {
      const targets: Target[] = [];
      const limit = addPairs(targets, value, ";", "cookie", "cookie");
      if (limit !== undefined) (matches ??= []).push(limitMatch(limit, "header.cookie"));
      matches = scanAll(tables, targets, excluded, matches);
    } else if (value !== "" && isInspectedHeader(name)) {
      // Its target (`header.<name>`, the name as field) is built only on a match.
      matches = scan(tables, "header", normalise(value, false), "", name, undefined, 0, matches);
    }
  }
  if (request.body !== undefined && request.body !== "") {
    const targets: Target[] = [];
    const limit = addBody(targets, request.body, facts.contentType);
    // What was walked before the limit is still scanned: an attack there is logged as one.
    if (limit !== undefined) (matches ??= []).push(limitMatch(limit, "body"));
    matches = scanAll(tables, targets, excluded, matches);
  }
  // Past the budget the remaining rule runs were skipped: refused, whatever matched so far.
  if (workLeft < 0) (matches ??= []).push(limitMatch("work", "request"));
  return matches ?? NO_MATCHES;
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
