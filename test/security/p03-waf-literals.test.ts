/**
 * P3 WAF required literals (src/pipeline/waf/literals.ts): on a long value, a pattern
 * rule none of whose words the value holds is not run. It must never skip a rule
 * that could match: the literals are read from each pattern's syntax, and every
 * pattern of the rule table is checked on the CRS corpus's payloads, the own attack
 * cases and random strings built from the pattern's own literals, that whenever it
 * matches a value its literals allow that value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import cases from "./corpora/crs/regression.json";
import { normalise } from "../../src/pipeline/waf/normalise";
import { VALUE_RULES } from "../../src/pipeline/waf";
import { literalsRuleOut, patternShape, profileValue, type PatternShape } from "../../src/pipeline/waf/prefilter";
import { crsRequest, type CrsCase } from "../waf/crs-cases";

const literalsOf = (pattern: RegExp): readonly (readonly string[] | undefined)[] | undefined => patternShape(pattern)?.literals;

// Every pattern of the table with a shape, as the engine reads it (its own copy: `test` must not move a rule's lastIndex).
const shaped: { id: number; pattern: RegExp; shape: PatternShape }[] = VALUE_RULES.flatMap((rule) => {
  const pattern = rule.pattern === undefined ? undefined : new RegExp(rule.pattern.source, rule.pattern.flags.replace("g", ""));
  const shape = pattern === undefined ? undefined : patternShape(pattern);
  return pattern === undefined || shape === undefined ? [] : [{ id: rule.id, pattern, shape }];
});

const ruledOut = (shape: PatternShape, value: string): boolean => literalsRuleOut(shape, profileValue(value));

describe("P3 WAF required literals", () => {
  it("P3: reads the words every match holds from a pattern's syntax: sequences, alternations, optional and repeated parts", () => {
    expect(literalsOf(/\b(?:invoke-expression|new-object)\s{1,5}x/)).toEqual([["invoke-expression", "new-object"]]);
    expect(literalsOf(/a[bc]d/)).toEqual([["abd", "acd"]]);
    expect(literalsOf(/(?:x-)?abc/)).toEqual([["abc", "x-abc"]]);
    // The longest run a match must hold (`select` is shorter), spelled out with and without its optional part.
    expect(literalsOf(/select\s{1,5}(?:x_)?information_schema/)).toEqual([["information_schema", "x_information_schema"]]);
    // An alternative without a word of three characters or more has no set: the rule can never be skipped on it.
    expect(literalsOf(/foo\s{0,3}=|ba/)).toEqual([["foo"], undefined]);
    expect(literalsOf(/[a-z]{3,9}\(/)).toEqual([undefined]);
    expect(literalsOf(/(?:ab){2}/)).toEqual([["abab"]]);
    expect(literalsOf(/(?:ab){1,3}c/)).toEqual([undefined]);
    expect(literalsOf(/(?<![a-z])eval(?=\s{0,3}\()/)).toEqual([["eval"]]);
  });

  it("P3 (refuses): a rule whose words are absent is ruled out only then: present anywhere, even once at the end of 60 KiB, it runs", () => {
    const shape = patternShape(/\b(?:invoke-expression|new-object)\s{1,5}x/);
    expect(shape).toBeDefined();
    const prose = "The review found gaps in the process; the owner will fix them. ".repeat(1000);
    expect(ruledOut(shape!, prose)).toBe(true);
    expect(ruledOut(shape!, `${prose}new-object`)).toBe(false);
    expect(ruledOut(shape!, `invoke-expression${prose}`)).toBe(false);
    // Every trigram of `new-object` somewhere, the word nowhere: still ruled out.
    expect(ruledOut(shape!, `${prose} new- w-o -ob obj bje jec ect`)).toBe(true);
  });

  it("P3: whenever a rule pattern matches a CRS payload, its literals allow the payload", () => {
    const payloads = (cases as unknown as CrsCase[])
      .map((c) => crsRequest(c))
      .flatMap((r) => [r.target, r.body ?? ""])
      .filter((p) => p !== "")
      .map((p) => normalise(p, true));
    let matched = 0;
    for (const { id, pattern, shape } of shaped)
      for (const value of payloads) {
        if (!pattern.test(value)) continue;
        matched++;
        expect(ruledOut(shape, value), `rule ${id} on ${value.slice(0, 80)}`).toBe(false);
      }
    expect(matched).toBeGreaterThan(1000);
  });

  it("P3: whenever a rule pattern matches a random string made of its own words and punctuation, its literals allow it", () => {
    let matched = 0;
    for (const { id, pattern, shape } of shaped) {
      const words = [...new Set(shape.literals.flatMap((set) => set ?? []).flatMap((w) => [w, w.slice(0, 3), w.slice(1)]))];
      const piece = fc.oneof(
        fc.constantFrom(...(words.length > 0 ? words : ["x"])),
        fc.constantFrom(" ", "(", ")", "'", '"', "=", ":", ".", "/", "\\", "<", ">", ";", "$", "{", "}", "[", "]", "-", "_", "\n"),
        fc.string({ maxLength: 3 }),
      );
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
          const value = pieces.join("");
          if (!pattern.test(value)) return;
          matched++;
          expect(ruledOut(shape, value), `rule ${id} on ${JSON.stringify(value)}`).toBe(false);
        }),
        { seed: 2026, numRuns: 300 },
      );
    }
    expect(matched).toBeGreaterThan(200);
  });
});
