/**
 * P3 WAF cost shortcuts: what makes an adversarial body at the inspection cap cheap
 * must never change a verdict. Each shortcut skips work only where a match is
 * impossible (a necessary condition of a match, not a guess), and each is checked
 * here against what it replaces, as properties (fast-check, fixed seed) and on the
 * CRS corpus's requests:
 * - a pattern whose every alternative needs a character the value lacks is not run
 *   (prefilter.ts `canMatch`): the engine's matches with and without it;
 * - rules 501 and 502 look a command word up in a table and run the rest of their
 *   pattern only after a command: their verdicts against the patterns' global walks;
 * - the SQL grammar reads a value without backslash escapes only where a backslash
 *   kept a literal's quote inside it: the tokens are the same otherwise;
 * - a value repeated across a body's fields is judged once: each field still gets
 *   its own match, and a route's exclusion still applies to its own field only.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import cases from "./corpora/crs/regression.json";
import { compileRules, exclusionTest, inspect, VALUE_RULES, type WafRequest } from "../../src/pipeline/waf";
import { canMatch, patternShape } from "../../src/pipeline/waf/prefilter";
import { isCommand, SEPARATED_COMMAND, SUBSTITUTED_COMMAND } from "../../src/pipeline/waf/rules/shell";
import { tokenize } from "../../src/pipeline/waf/rules/sql-tokens";
import { crsRequest, type CrsCase } from "../waf/crs-cases";

const FC_SEED = 20261130;
const RUNS = 4000;
const crs = cases as unknown as CrsCase[];

/** Strings made of pieces an attacker would combine against these shortcuts. */
const textOf = (pieces: readonly string[]): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((parts) => parts.join(""));
const SHELL_PIECES = [
  ";",
  "|",
  "||",
  "&",
  "&&",
  "\n",
  "\r",
  "$(",
  "<(",
  ">(",
  " ",
  "\t",
  "(",
  "{",
  "\u00a0",
  "\u2028",
  "\v",
  "id",
  "w",
  "ls",
  "cat",
  "/bin/",
  "c:\\",
  ".exe",
  "x",
  "-la",
  "1",
  "'",
  '"',
  "`",
  "a".repeat(61),
  "nc",
  "tcp:1:2",
  "#",
  ".",
  "..",
  "/",
];
const SQL_PIECES = [
  "'",
  '"',
  "`",
  "\\",
  "\\'",
  '\\"',
  "''",
  "e'",
  "$$",
  "$a$",
  "--",
  "#",
  "/*",
  "*/",
  "/*!",
  "\n",
  " ",
  "or",
  "1",
  "=",
  ";",
  "select",
  "x",
  "(",
  ")",
];

function walkAccepts(pattern: RegExp, value: string): boolean {
  const re = new RegExp(pattern.source, "g");
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    if (isCommand(m[1] ?? "")) return true;
    if (m[0] === "") re.lastIndex++;
  }
  return false;
}

const detector = (id: number): ((value: string) => boolean) => {
  const detect = VALUE_RULES.find((r) => r.id === id)?.detect;
  if (detect === undefined) throw new Error(`rule ${id} has no detector`);
  return detect;
};

describe("P3 WAF cost shortcuts keep every verdict", () => {
  it("P3: a pattern is skipped only when no alternative can match the value's characters", () => {
    const presence = (value: string): Uint32Array => {
      const bits = new Uint32Array(4);
      for (const ch of value) {
        const c = ch.charCodeAt(0);
        if (c < 128) bits[c >> 5] = (bits[c >> 5] ?? 0) | (1 << (c & 31));
      }
      return bits;
    };
    const payloads = crs.map((c) => crsRequest(c)).map((r) => `${r.target} ${r.body ?? ""}`.toLowerCase());
    let skipped = 0;
    for (const rule of VALUE_RULES) {
      const shape = rule.pattern === undefined ? undefined : patternShape(rule.pattern);
      if (rule.pattern === undefined || shape === undefined) continue;
      const whole = new RegExp(rule.pattern.source);
      for (const value of payloads) {
        if (canMatch(shape, presence(value))) continue;
        skipped++;
        expect({ rule: rule.id, value, matches: whole.test(value) }).toEqual({ rule: rule.id, value, matches: false });
      }
    }
    expect(skipped).toBeGreaterThan(10_000);
  });

  it("P3: the engine's matches on the CRS corpus's requests are the same with the shortcuts as without", () => {
    let matched = 0;
    for (const level of [1, 2] as const) {
      const fast = compileRules(level);
      const reference = compileRules(level, { prefilter: false });
      for (const c of crs) {
        const request = crsRequest(c);
        const expected = inspect(request, reference);
        if (expected.length > 0) matched++;
        expect(inspect(request, fast)).toEqual(expected);
      }
    }
    expect(matched).toBeGreaterThan(1500);
  });

  it("P3: rules 501 and 502 match exactly where their patterns' walks meet a command", () => {
    const separated = detector(501);
    const substituted = detector(502);
    fc.assert(
      fc.property(textOf(SHELL_PIECES), (value) => {
        expect(separated(value)).toBe(walkAccepts(SEPARATED_COMMAND, value));
        expect(substituted(value)).toBe(walkAccepts(SUBSTITUTED_COMMAND, value));
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
    expect(separated("x; id -la")).toBe(true);
    expect(separated("x;\u00a0id\t/tmp")).toBe(true);
    expect(substituted("$( (id")).toBe(true);
    expect(separated("x; idx -la")).toBe(false);
  });

  it("P3: without a backslash that kept a literal's quote, reading without escapes gives the same tokens", () => {
    const snapshot = (text: string, escapes: boolean): { tokens: number[][]; escapedQuote: boolean } => {
      const t = tokenize(text, escapes);
      const tokens = Array.from({ length: t.length }, (_, i) => [t.kinds[i] ?? 0, t.ids[i] ?? 0, t.starts[i] ?? 0, t.ends[i] ?? 0]);
      return { tokens, escapedQuote: t.escapedQuote };
    };
    let escaped = 0;
    fc.assert(
      fc.property(textOf(SQL_PIECES), fc.constantFrom("", "'", '"'), (value, lead) => {
        const text = lead + value;
        const withEscapes = snapshot(text, true);
        if (withEscapes.escapedQuote) escaped++;
        else expect(snapshot(text, false).tokens).toEqual(withEscapes.tokens);
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
    expect(escaped).toBeGreaterThan(100);
  });

  it("P3 (refuses): a value repeated in many fields is matched in each, and an exclusion spares only its own field", () => {
    const attack = "1' or '1'='1";
    const fields = Array.from({ length: 40 }, (_, i) => `f${i}=${encodeURIComponent(attack)}`).join("&");
    const request: WafRequest = {
      method: "POST",
      target: "/v1/orgs/acme/risks",
      headers: [
        ["host", "api.rampart.example"],
        ["content-type", "application/x-www-form-urlencoded"],
      ],
      body: `${fields}&description=${encodeURIComponent(attack)}`,
    };
    const rules = compileRules(1, { skipAppRules: true });
    const all = inspect(request, rules).filter((m) => m.id === 1001);
    expect(all.map((m) => m.target)).toEqual([...Array.from({ length: 40 }, (_, i) => `body.f${i}`), "body.description"]);
    const excluded = inspect(request, rules, exclusionTest([{ fields: ["description"], groups: ["sqli"] }])).filter(
      (m) => m.group === "sqli",
    );
    expect(excluded.some((m) => m.target === "body.description")).toBe(false);
    expect(excluded.filter((m) => m.id === 1001)).toHaveLength(40);
  });
});
