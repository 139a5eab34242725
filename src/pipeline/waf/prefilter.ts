/**
 * The prefilter for long values: where can a rule's pattern match at all?
 *
 * Why: every pattern rule is linear, but on a value of 64 KiB each one still reads
 * the whole value, and a bounded quantifier (`[^>=]{0,200}`) re-reads up to its bound
 * from every position where it starts. A body of near-misses made every rule do
 * that: tens of milliseconds of CPU per request. Yet a match of most patterns must
 * contain some character (`(` for a call, `<` and `=` for a tag's attribute), and
 * every pattern's reach is bounded (the ReDoS check allows bounded quantifiers only).
 *
 * So each pattern is read once, at compile time, into a {@link PatternShape}: per
 * top-level alternative the character sets of which every match holds one (`required`),
 * and how far one attempt may read from where it starts (`reach`). A rule whose every
 * alternative lacks a required character is skipped, on a value of any length
 * ({@link canMatch}, from one bit per character the value holds). Per long value, one
 * pass counts each ASCII character, and its positions are listed when a rule needs
 * them (a {@link ValueProfile}): a rule whose triggers are sparse runs only on slices
 * around them. Each slice holds
 * everything an attempt at one of its candidate start positions can read, so the
 * regex does at those positions exactly what it does on the whole value; the
 * matches are walked in the same order as a global regex over the whole value
 * would, so an `accept` sees the same tokens. Verdicts cannot change: a pattern the
 * reader does not understand (a lookbehind of more than one character, back-references, a flag other than `g`)
 * has no shape and runs whole, as it always did.
 */

import {
  alternationLiterals,
  charLiterals,
  filterOf,
  literalsAllow,
  literalTrigrams,
  repeatedLiterals,
  sequenceLiterals,
  trigramsOf,
  UNKNOWN,
  ZERO_WIDTH,
  type Literals,
} from "./literals";

/** A set of ASCII character codes; every match of an alternative holds at least one of them. */
type CodeSet = readonly number[];

/** What the prefilter knows about one pattern. */
export interface PatternShape {
  /** Per top-level alternative: the sets each of its matches intersects (empty: no requirement known). */
  readonly alternatives: readonly (readonly CodeSet[])[];
  /** The same sets as bit masks over ASCII (four 32-bit words per set, the sets of one alternative in a row), for {@link canMatch}. */
  readonly masks: readonly Uint32Array[];
  /** Characters one attempt may read from its start (lookaheads included); Infinity when unbounded. */
  readonly reach: number;
  /** A global copy of the pattern, run on slices (the rule's own pattern keeps its state untouched). */
  readonly global: RegExp;
  /** Per top-level alternative: literals one of which each of its matches holds (undefined: none known). */
  readonly literals: readonly (readonly string[] | undefined)[];
  /** The same as trigram hashes (literals.ts); undefined when no alternative has literals. */
  readonly literalTrigrams: readonly (readonly Uint32Array[] | undefined)[] | undefined;
}

/** What the reader computes for a part of a pattern. */
interface Info {
  /** Most characters it consumes. */
  readonly len: number;
  /** Most characters an attempt reads from the part's start, lookaheads and `\b` included. */
  readonly reach: number;
  /** Sets each match of the part intersects. */
  readonly required: readonly CodeSet[];
  /** The strings it matches, or some of which each match holds (literals.ts). */
  readonly lits: Literals;
}

class Unsupported extends Error {}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const DIGITS = range(48, 57);
const WORD = [...DIGITS, ...range(65, 90), 95, ...range(97, 122)];
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { n: 10, r: 13, t: 9, f: 12, v: 11, "0": 0 };

const union = (sets: readonly CodeSet[]): CodeSet => [...new Set(sets.flat())].sort((a, b) => a - b);
const smallest = (sets: readonly CodeSet[]): CodeSet | undefined =>
  sets.reduce<CodeSet | undefined>((best, s) => (best === undefined || s.length < best.length ? s : best), undefined);

/** A reader of the pattern syntax the rule tables use (no `u` flag); anything else throws {@link Unsupported}. */
class Reader {
  #i = 0;
  readonly #src: string;

  constructor(source: string) {
    this.#src = source;
  }

  /** The top-level alternatives, each read on its own. */
  alternatives(): Info[] {
    const out = [this.#sequence()];
    while (this.#src[this.#i] === "|") {
      this.#i++;
      out.push(this.#sequence());
    }
    if (this.#i !== this.#src.length) throw new Unsupported("unbalanced");
    return out;
  }

  #disjunction(): Info {
    const branches = [this.#sequence()];
    while (this.#src[this.#i] === "|") {
      this.#i++;
      branches.push(this.#sequence());
    }
    if (branches.length === 1) return branches[0] as Info;
    // A match of the group holds a character of one branch's set: the union of each branch's smallest.
    const picks = branches.map((b) => smallest(b.required)).filter((p): p is CodeSet => p !== undefined);
    const required = picks.length === branches.length ? [union(picks)] : [];
    return {
      len: Math.max(...branches.map((b) => b.len)),
      reach: Math.max(...branches.map((b) => b.reach)),
      required,
      lits: alternationLiterals(branches.map((b) => b.lits)),
    };
  }

  #sequence(): Info {
    let len = 0;
    let reach = 0;
    const required: CodeSet[] = [];
    const parts: Literals[] = [];
    while (this.#i < this.#src.length && this.#src[this.#i] !== "|" && this.#src[this.#i] !== ")") {
      const term = this.#term();
      reach = Math.max(reach, len + term.reach);
      len += term.len;
      required.push(...term.required);
      parts.push(term.lits);
    }
    return { len, reach: Math.max(reach, len), required, lits: sequenceLiterals(parts) };
  }

  #term(): Info {
    const c = this.#src[this.#i];
    if (c === "^" || c === "$") {
      this.#i++;
      return { len: 0, reach: 0, required: [], lits: ZERO_WIDTH };
    }
    if (c === "\\" && (this.#src[this.#i + 1] === "b" || this.#src[this.#i + 1] === "B")) {
      this.#i += 2;
      // Reads the character at its position (and the one before, which every slice keeps).
      return { len: 0, reach: 1, required: [], lits: ZERO_WIDTH };
    }
    const atom = this.#atom();
    return this.#quantified(atom);
  }

  #quantified(atom: Info): Info {
    const bounds = this.#quantifier();
    if (bounds === undefined) return atom;
    const [min, max] = bounds;
    if (this.#src[this.#i] === "?") this.#i++; // lazy: the same bounds
    const len = atom.len === 0 ? 0 : max * atom.len;
    const reach = max === 0 ? 0 : atom.len === 0 ? atom.reach : (max - 1) * atom.len + atom.reach;
    return { len, reach, required: min >= 1 ? atom.required : [], lits: repeatedLiterals(atom.lits, min, max) };
  }

  #quantifier(): readonly [number, number] | undefined {
    const c = this.#src[this.#i];
    if (c === "*" || c === "+" || c === "?") {
      this.#i++;
      return c === "?" ? [0, 1] : [c === "+" ? 1 : 0, Infinity];
    }
    if (c !== "{") return undefined;
    const rest = this.#src.slice(this.#i, this.#i + 16);
    const m = /^\{(\d{1,6})(,(\d{0,6}))?\}/.exec(rest);
    // A `{` that is no quantifier is a literal (without the `u` flag); #atom reads it. One
    // with longer counts than read here is not guessed at.
    if (m === null) {
      if (/^\{\d/.test(rest)) throw new Unsupported("long quantifier");
      return undefined;
    }
    this.#i += m[0].length;
    const min = Number(m[1]);
    return [min, m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3])];
  }

  #atom(): Info {
    const c = this.#src[this.#i] ?? "";
    if (c === "(") return this.#group();
    if (c === "[") return this.#class();
    if (c === ".") {
      this.#i++;
      return { len: 1, reach: 1, required: [], lits: UNKNOWN };
    }
    if (c === "\\") return one(this.#escape(false));
    if (c === ")" || c === "*" || c === "+" || c === "?") throw new Unsupported(`stray ${c}`);
    this.#i++;
    return one([c.charCodeAt(0)]);
  }

  #group(): Info {
    const head = this.#src.slice(this.#i, this.#i + 3);
    let lookahead = false;
    if (head === "(?:") this.#i += 3;
    else if (head === "(?=" || head === "(?!") {
      this.#i += 3;
      lookahead = true;
    } else if (head === "(?<" && (this.#src[this.#i + 3] === "!" || this.#src[this.#i + 3] === "=")) {
      // A lookbehind of one character reads the character before a start, which every slice keeps.
      this.#i += 4;
      const inner = this.#disjunction();
      if (this.#src[this.#i] !== ")" || inner.len !== 1 || inner.reach !== 1) throw new Unsupported("lookbehind");
      this.#i++;
      return { len: 0, reach: 0, required: [], lits: ZERO_WIDTH };
    } else if (head.startsWith("(?")) throw new Unsupported("lookbehind or named group");
    else this.#i += 1;
    const inner = this.#disjunction();
    if (this.#src[this.#i] !== ")") throw new Unsupported("unclosed group");
    this.#i++;
    // A lookahead consumes nothing but reads ahead; its characters are not in the match.
    return lookahead ? { len: 0, reach: inner.reach, required: [], lits: ZERO_WIDTH } : inner;
  }

  #class(): Info {
    this.#i++;
    const negated = this.#src[this.#i] === "^";
    if (negated) this.#i++;
    const codes: number[] = [];
    let usable = !negated;
    while (this.#src[this.#i] !== "]") {
      if (this.#i >= this.#src.length) throw new Unsupported("unclosed class");
      const from = this.#classMember();
      if (from === undefined) {
        usable = false;
        continue;
      }
      if (this.#src[this.#i] === "-" && this.#src[this.#i + 1] !== "]" && from.length === 1) {
        this.#i++;
        const to = this.#classMember();
        if (to === undefined || to.length !== 1) throw new Unsupported("class range");
        codes.push(...range(from[0] as number, to[0] as number));
      } else {
        codes.push(...from);
      }
    }
    this.#i++;
    return {
      len: 1,
      reach: 1,
      required: usable && codes.every((x) => x < 128) ? [union([codes])] : [],
      lits: usable ? charLiterals(codes) : UNKNOWN,
    };
  }

  /** One member of a class: its codes, or undefined for a set the prefilter cannot list (`\s`, `\W`). */
  #classMember(): number[] | undefined {
    const c = this.#src[this.#i] ?? "";
    if (c !== "\\") {
      this.#i++;
      return [c.charCodeAt(0)];
    }
    return this.#escape(true);
  }

  /** An escape: its codes, or undefined for a set that is not a short ASCII list. */
  #escape(inClass: boolean): number[] | undefined {
    const e = this.#src[this.#i + 1] ?? "";
    this.#i += 2;
    if (e === "d") return DIGITS;
    if (e === "w") return WORD;
    // \s holds non-ASCII spaces too; \D \W \S hold almost everything.
    if (e === "s" || e === "D" || e === "W" || e === "S") return undefined;
    if (inClass && e === "b") return [8];
    // `\0` followed by a digit is an octal escape (without the `u` flag): not read here.
    if (e === "0" && /\d/.test(this.#src[this.#i] ?? "")) throw new Unsupported("octal escape");
    const control = CONTROL_ESCAPES[e];
    if (control !== undefined) return [control];
    if (e === "x" || e === "u") {
      const digits = e === "x" ? 2 : 4;
      const hex = this.#src.slice(this.#i, this.#i + digits);
      if (hex.length !== digits || !/^[0-9a-f]{2,4}$/i.test(hex)) throw new Unsupported("escape");
      this.#i += digits;
      return [parseInt(hex, 16)];
    }
    if (/[0-9kcpPBb]/.test(e)) throw new Unsupported(`\\${e}`);
    return [e.charCodeAt(0)];
  }
}

/** An atom of one character from `codes` (undefined: a set the prefilter cannot use). */
function one(codes: readonly number[] | undefined): Info {
  const usable = codes !== undefined && codes.every((x) => x < 128);
  return { len: 1, reach: 1, required: usable ? [union([codes])] : [], lits: charLiterals(codes) };
}

/**
 * The top-level alternatives of `source`; a pattern that is one unquantified
 * `(?:…)` group is read as the group's alternatives (each then keeps its own
 * required characters instead of sharing one union). A source whose first `(?:`
 * does not close at its end leaves an unbalanced parenthesis inside and is read whole.
 */
function alternativesOf(source: string): Info[] {
  if (source.startsWith("(?:") && source.endsWith(")") && !source.endsWith("\\)")) {
    try {
      return new Reader(source.slice(3, -1)).alternatives();
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
    }
  }
  return new Reader(source).alternatives();
}

/**
 * The shape of `pattern`, or undefined when the prefilter cannot reason about it
 * (such a rule always runs on the whole value).
 *
 * @example
 * ```ts
 * patternShape(/<[a-z]{1,20}=/); // one alternative requiring `<` and `=`, reach 22
 * ```
 */
export function patternShape(pattern: RegExp): PatternShape | undefined {
  if (pattern.flags !== "" && pattern.flags !== "g") return undefined;
  let infos: Info[];
  try {
    infos = alternativesOf(pattern.source);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  const literals = infos.map((info) => filterOf(info.lits));
  return {
    alternatives: infos.map((info) => info.required),
    masks: infos.map((info) => {
      const words = new Uint32Array(4 * info.required.length);
      info.required.forEach((set, k) => {
        for (const c of set) words[4 * k + (c >> 5)] = (words[4 * k + (c >> 5)] ?? 0) | (1 << (c & 31));
      });
      return words;
    }),
    reach: Math.max(...infos.map((info) => info.reach)),
    global: new RegExp(pattern.source, "g"),
    literals,
    literalTrigrams: literals.some((set) => set !== undefined)
      ? literals.map((set) => (set === undefined ? undefined : set.map(literalTrigrams)))
      : undefined,
  };
}

/**
 * False when no alternative of `shape` can match a value holding only the ASCII
 * characters of `present` (one bit each, four 32-bit words): each alternative lacks
 * every character of one of its required sets. What `windowedMatch` concludes from
 * a long value's counts ("none"), from one pass's bits: a value of any length whose
 * characters rule a pattern out skips it, with no call into the regex.
 */
export function canMatch(shape: PatternShape, present: Uint32Array): boolean {
  const p0 = present[0] ?? 0;
  const p1 = present[1] ?? 0;
  const p2 = present[2] ?? 0;
  const p3 = present[3] ?? 0;
  for (const sets of shape.masks) {
    let all = true;
    for (let k = 0; k < sets.length && all; k += 4)
      all =
        ((sets[k] ?? 0) & p0) !== 0 ||
        ((sets[k + 1] ?? 0) & p1) !== 0 ||
        ((sets[k + 2] ?? 0) & p2) !== 0 ||
        ((sets[k + 3] ?? 0) & p3) !== 0;
    if (all) return true;
  }
  return false;
}

/**
 * Per long value: how often each ASCII character occurs, and where (positions grouped
 * by character). The positions are placed on first use: a value whose triggers are
 * all absent or all dense (every rule runs whole or not at all) needs the counts only.
 */
export class ValueProfile {
  readonly counts = new Uint32Array(128);
  /** The value profiled. */
  readonly value: string;
  #starts: Uint32Array | undefined;
  #positions: Uint32Array | undefined;
  #trigrams: Uint32Array | undefined;

  /** One counting pass: linear in the value. */
  constructor(value: string) {
    this.value = value;
    const counts = this.counts;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 128) counts[c] = (counts[c] ?? 0) + 1;
    }
  }

  /** Start of each character's positions in `positions` (129 entries). */
  get starts(): Uint32Array {
    return this.#starts ?? this.#place().starts;
  }

  get positions(): Uint32Array {
    return this.#positions ?? this.#place().positions;
  }

  /** The value's trigrams (literals.ts), read on first use: one pass. */
  get trigrams(): Uint32Array {
    return (this.#trigrams ??= trigramsOf(this.value));
  }

  /** One placing pass: linear in the value. */
  #place(): { starts: Uint32Array; positions: Uint32Array } {
    const value = this.value;
    const starts = new Uint32Array(129);
    for (let c = 0; c < 128; c++) starts[c + 1] = (starts[c] ?? 0) + (this.counts[c] ?? 0);
    const positions = new Uint32Array(starts[128] ?? 0);
    const next = starts.slice(0, 128);
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 128) positions[(next[c] = (next[c] ?? 0) + 1) - 1] = i;
    }
    this.#starts = starts;
    this.#positions = positions;
    return { starts, positions };
  }
}

/**
 * True when `shape`'s literals rule the pattern out on the profiled value: every
 * alternative has a literal set and the value holds no member of any (by trigrams).
 */
export function literalsRuleOut(shape: PatternShape, profile: ValueProfile): boolean {
  const grams = shape.literalTrigrams;
  return grams !== undefined && !literalsAllow(shape.literals, grams, profile.trigrams, profile.value);
}

/** The profile of a long value (see {@link ValueProfile}). */
export function profileValue(value: string): ValueProfile {
  return new ValueProfile(value);
}

const countOf = (set: CodeSet, counts: Uint32Array): number => set.reduce((n, c) => n + (counts[c] ?? 0), 0);

/**
 * The trigger characters of `shape` in this value: per alternative, its required set
 * that occurs least. `"none"`: no alternative can match (a required set is absent from
 * each); `"whole"`: some alternative has no requirement, or the triggers are so dense
 * that slices would cover the value anyway.
 */
function triggers(shape: PatternShape, profile: ValueProfile, length: number): CodeSet | "none" | "whole" {
  const chosen: CodeSet[] = [];
  let total = 0;
  for (const required of shape.alternatives) {
    let best: CodeSet | undefined;
    let bestCount = Infinity;
    for (const set of required) {
      const n = countOf(set, profile.counts);
      if (n < bestCount) {
        best = set;
        bestCount = n;
      }
    }
    if (best === undefined) return "whole";
    if (bestCount === 0) continue; // this alternative cannot match anywhere
    chosen.push(best);
    total += bestCount;
  }
  if (chosen.length === 0) return "none";
  // Each trigger costs a slice of about twice the reach: past half the value, run it whole.
  if (!Number.isFinite(shape.reach) || total * 2 * (shape.reach + 1) > length / 2) return "whole";
  return union(chosen);
}

/** The sorted positions of the characters in `set`. */
function positionsOf(set: CodeSet, profile: ValueProfile): number[] {
  const out: number[] = [];
  for (const c of set) {
    const from = profile.starts[c] ?? 0;
    const to = profile.starts[c + 1] ?? 0;
    for (let k = from; k < to; k++) out.push(profile.positions[k] ?? 0);
  }
  return out.sort((a, b) => a - b);
}

/**
 * Runs `shape`'s pattern over `value` as a global regex walk over the whole value
 * would (each match from where the previous one ended), calling `onMatch` on each
 * until it returns true; returns that, or `undefined` when the rule must run whole.
 */
export function windowedMatch(
  shape: PatternShape,
  value: string,
  profile: ValueProfile,
  onMatch: (m: RegExpExecArray) => boolean,
): boolean | undefined {
  if (literalsRuleOut(shape, profile)) return false;
  const set = triggers(shape, profile, value.length);
  if (set === "none") return false;
  if (set === "whole") return undefined;
  const reach = shape.reach;
  const re = shape.global;
  // A match that holds a trigger at p starts in [p - reach + 1, p]; runs of such starts merge into cores.
  const hits = positionsOf(set, profile);
  let next = 0; // where the whole-value walk would search from
  for (let h = 0; h < hits.length;) {
    const coreStart = Math.max(0, (hits[h] ?? 0) - reach + 1);
    let coreEnd = hits[h] ?? 0;
    for (h++; h < hits.length && (hits[h] ?? 0) - reach + 1 <= coreEnd + 1; h++) coreEnd = hits[h] ?? 0;
    if (coreEnd < next) continue;
    // One character before (for `\b` and `^`) and everything an attempt at coreEnd can read, plus one (for `$`).
    const sliceStart = Math.max(0, coreStart - 1);
    const slice = value.slice(sliceStart, Math.min(value.length, coreEnd + reach + 2));
    re.lastIndex = Math.max(coreStart, next) - sliceStart;
    for (let m = re.exec(slice); m !== null && m.index + sliceStart <= coreEnd; m = re.exec(slice)) {
      if (onMatch(m)) return true;
      next = m.index + sliceStart + (m[0] === "" ? 1 : m[0].length);
      re.lastIndex = next - sliceStart;
    }
  }
  return false;
}

// For detectors (below): each pattern's shape, and the profile of the last long value seen.
const detectorShapes = new WeakMap<RegExp, PatternShape | null>();
let lastValue: string | undefined;
let lastProfile: ValueProfile | undefined;

/**
 * For a detector's own pattern (with the `g` flag): walks its matches over `value` from the
 * start, as `for (m = re.exec(value); …)` would, until `onMatch` returns true; on a
 * value of at least `minLength` characters only where the pattern can match. Returns
 * whether `onMatch` returned true. A detector that scans a whole value with a
 * bounded quantifier at every position (`[a-z]{4,60}:`) can use it to cost what
 * the engine's own pattern rules cost on a body of near-misses.
 *
 * @example
 * ```ts
 * const hasScheme = eachMatch(SCHEME_RUN, value, (m) => SCRIPT_SCHEMES.has(m[1] ?? ""));
 * ```
 */
export function eachMatch(pattern: RegExp, value: string, onMatch: (m: RegExpExecArray) => boolean, minLength = 2048): boolean {
  let shape = detectorShapes.get(pattern);
  if (shape === undefined) {
    shape = pattern.flags === "g" ? (patternShape(pattern) ?? null) : null;
    detectorShapes.set(pattern, shape);
  }
  if (shape !== null && value.length >= minLength) {
    if (lastValue !== value) {
      lastProfile = profileValue(value);
      lastValue = value;
    }
    const windowed = lastProfile === undefined ? undefined : windowedMatch(shape, value, lastProfile, onMatch);
    if (windowed !== undefined) return windowed;
  }
  if (!pattern.global) {
    // Without `g`, exec always answers the first match: there is no walk to continue.
    const m = pattern.exec(value);
    return m !== null && onMatch(m);
  }
  pattern.lastIndex = 0;
  for (let m = pattern.exec(value); m !== null; m = pattern.exec(value)) {
    if (onMatch(m)) return true;
    if (m[0] === "") pattern.lastIndex++;
  }
  return false;
}
