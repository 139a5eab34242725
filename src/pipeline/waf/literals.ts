/**
 * Required literals: the strings of which every match of a pattern holds at least one.
 *
 * Why: the character prefilter (prefilter.ts) skips a rule whose required characters
 * a value lacks, but a long value of ordinary prose holds every letter and most
 * punctuation, so a rule that looks for `invoke-expression`, `information_schema` or
 * `javascript:` still read all of it. What such a rule needs is a word, and prose
 * seldom holds it. The reader of prefilter.ts computes, per top-level alternative, a
 * set of literals (at least {@link MIN_LITERAL} characters each) one of which every
 * match contains, the way a trigram index reads a regex (exact sets across a
 * sequence, unions across alternatives, one copy of a repeated part). A long value is
 * read once into the set of its character trigrams ({@link trigramsOf}); a literal
 * can occur only where all its trigrams do, so a rule whose every alternative's
 * literals are all missing cannot match and is skipped ({@link literalsAllow}).
 * Trigrams are hashed with case folded and may collide: a collision only lets a rule
 * run, it never skips one that could match.
 */

/** What the reader knows about the text a part of a pattern matches. */
export interface Literals {
  /** Every string the part can match, when there are few (`["ab", "ac"]` for `a[bc]`); [""] for a zero-width part. */
  readonly exact: readonly string[] | undefined;
  /** Strings of which every match of the part contains one (their best set). */
  readonly factors: readonly string[] | undefined;
}

/** Shortest literal worth a test: a trigram's length. */
export const MIN_LITERAL = 3;
// Most strings an exact set may hold before it is given up (a class of letters is not spelled out).
const MAX_EXACT = 32;
// Members a character class may have to be read as exact strings.
const MAX_CLASS = 4;

export const ZERO_WIDTH: Literals = { exact: [""], factors: undefined };
export const UNKNOWN: Literals = { exact: undefined, factors: undefined };

/** The literals of one character from `codes` (an exact set when the class is small). */
export function charLiterals(codes: readonly number[] | undefined): Literals {
  if (codes === undefined || codes.length === 0 || codes.length > MAX_CLASS) return UNKNOWN;
  return { exact: [...new Set(codes.map((c) => String.fromCharCode(c)))], factors: undefined };
}

function cross(a: readonly string[], b: readonly string[]): string[] | undefined {
  if (a.length * b.length > MAX_EXACT) return undefined;
  const out = new Set<string>();
  for (const x of a) for (const y of b) out.add(x + y);
  return [...out];
}

/** How useful a set is as a filter: its shortest member's length, 0 when unusable. */
function quality(set: readonly string[] | undefined): number {
  if (set === undefined || set.length === 0) return 0;
  const shortest = Math.min(...set.map((s) => s.length));
  return shortest < MIN_LITERAL ? 0 : shortest;
}

function better(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  const qa = quality(a);
  const qb = quality(b);
  if (qa === 0) return qb === 0 ? undefined : b;
  if (qb === 0) return a;
  if (qa !== qb) return qa > qb ? a : b;
  return (a?.length ?? 0) <= (b?.length ?? 0) ? a : b;
}

/** The literals of parts matched one after another. */
export function sequenceLiterals(parts: readonly Literals[]): Literals {
  let run: readonly string[] = [""];
  let best: readonly string[] | undefined;
  let exact = true;
  for (const part of parts) {
    const joined = part.exact === undefined ? undefined : cross(run, part.exact);
    if (joined !== undefined) {
      run = joined;
      continue;
    }
    // The literal run ends here: keep it as a candidate, and start again at this part.
    exact = false;
    best = better(best, run);
    best = better(best, part.factors);
    run = part.exact !== undefined && part.exact.length <= MAX_EXACT ? part.exact : [""];
  }
  best = better(best, run);
  return { exact: exact ? run : undefined, factors: best };
}

/** The literals of alternatives (`a|b`): a match is one of theirs. */
export function alternationLiterals(branches: readonly Literals[]): Literals {
  const exact = branches.every((b) => b.exact !== undefined) ? [...new Set(branches.flatMap((b) => b.exact ?? []))] : undefined;
  const picks = branches.map((b) => better(b.factors, b.exact));
  const factors = picks.every((p) => p !== undefined) ? [...new Set(picks.flat())] : undefined;
  return { exact: exact !== undefined && exact.length <= MAX_EXACT ? exact : undefined, factors };
}

/** The literals of a part repeated `min` to `max` times. */
export function repeatedLiterals(part: Literals, min: number, max: number): Literals {
  if (max === 0) return ZERO_WIDTH;
  if (min === 0) {
    // `x?`: x or nothing, still exact; any longer optional repetition is not.
    return max === 1 && part.exact !== undefined ? { exact: [...new Set(["", ...part.exact])], factors: undefined } : UNKNOWN;
  }
  let exact: string[] | undefined;
  if (min === max && part.exact !== undefined) {
    exact = [""];
    for (let k = 0; k < min && exact !== undefined; k++) exact = cross(exact, part.exact);
  }
  // At least one copy: its literals are in every match.
  return { exact, factors: better(part.factors, part.exact) };
}

/** The set a top-level alternative can be filtered with, or undefined when it has none. */
export function filterOf(literals: Literals): readonly string[] | undefined {
  return better(literals.factors, literals.exact);
}

// --- trigrams ---------------------------------------------------------------------------------

// Six bits per character (case folded), three characters: 2^18 trigrams, one bit each.
const TRIGRAM_WORDS = 1 << 13;
const fold = (c: number): number => (c | 32) & 63;

/** The trigram hashes of `literal` (at least MIN_LITERAL characters). */
export function literalTrigrams(literal: string): Uint32Array {
  const out = new Uint32Array(literal.length - 2);
  for (let i = 2; i < literal.length; i++)
    out[i - 2] = (fold(literal.charCodeAt(i - 2)) << 12) | (fold(literal.charCodeAt(i - 1)) << 6) | fold(literal.charCodeAt(i));
  return out;
}

/** The set of trigrams `value` holds, one bit each: one pass. */
export function trigramsOf(value: string): Uint32Array {
  const bits = new Uint32Array(TRIGRAM_WORDS);
  let h = 0;
  for (let i = 0; i < value.length; i++) {
    h = ((h << 6) | fold(value.charCodeAt(i))) & 0x3ffff;
    if (i >= 2) bits[h >>> 5] = (bits[h >>> 5] ?? 0) | (1 << (h & 31));
  }
  return bits;
}

/**
 * False when no alternative can match `value` (whose trigrams are `bits`): each has a
 * literal set no member of which the value holds. `literals` holds, per alternative, its
 * set (undefined: no set, it may match) and `grams` each literal's trigrams. A literal
 * whose trigrams are all there is looked for in the value itself: a long value holds
 * most common trigrams somewhere, not every word made of them.
 */
export function literalsAllow(
  literals: readonly (readonly string[] | undefined)[],
  grams: readonly (readonly Uint32Array[] | undefined)[],
  bits: Uint32Array,
  value: string,
): boolean {
  for (let a = 0; a < literals.length; a++) {
    const set = literals[a];
    const setGrams = grams[a];
    if (set === undefined || setGrams === undefined) return true;
    for (let l = 0; l < set.length; l++) {
      const g = setGrams[l];
      let all = g !== undefined;
      for (let k = 0; g !== undefined && k < g.length && all; k++) {
        const h = g[k] ?? 0;
        all = ((bits[h >>> 5] ?? 0) & (1 << (h & 31))) !== 0;
      }
      if (all && value.includes(set[l] ?? "")) return true;
    }
  }
  return false;
}
