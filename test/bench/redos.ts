/**
 * `npm run redos` (and CI): every pattern of the WAF's rule table, from the
 * table's own export so a new rule cannot skip it. Exits non-zero on any finding.
 * P3 asks for linear time, always; two checks prove it per pattern:
 * 1. structure (exact): every quantifier is bounded and there is no
 *    backreference, so the work from one start position is bounded by a constant
 *    and a scan over n characters is O(n);
 * 2. redos-detector 6 on each top-level alternative, anchored (`^(?:alt)`): no
 *    two ways to match the same input that could multiply backtracking. Splitting
 *    at the top-level `|` keeps the analysis tractable; an alternation's cost is
 *    the sum of its alternatives'.
 */
import { RegExpParser, visitRegExpAST, type AST } from "@eslint-community/regexpp";
import { isSafe, toFriendly } from "redos-detector";
import "./ts-resolve.ts";

interface WafPatterns {
  wafPatterns(): { id: number; pattern: RegExp }[];
}
// Loaded through the resolve hook (the worker's source omits `.ts`); typed by hand so
// the Node typecheck does not compile the worker's source with Node's resolution.
const waf = (await import(new URL("../../src/pipeline/waf/index.ts", import.meta.url).href)) as WafPatterns;

const parser = new RegExpParser({ ecmaVersion: 2024 });

/** Top-level alternatives, looking through a lone group wrapped by assertions (`\b(?:a|b)`, `(?:^|x)`). */
function alternativesOf(pattern: AST.Pattern): string[] {
  let alternatives: readonly AST.Alternative[] = pattern.alternatives;
  let before = "";
  let after = "";
  for (;;) {
    const only = alternatives.length === 1 ? alternatives[0] : undefined;
    if (only === undefined) break;
    const groups = only.elements.filter((e) => e.type === "Group");
    const group = groups[0];
    if (groups.length !== 1 || group === undefined || !only.elements.every((e) => e === group || e.type === "Assertion")) break;
    const index = only.elements.indexOf(group);
    before += only.elements
      .slice(0, index)
      .map((e) => e.raw)
      .join("");
    after =
      only.elements
        .slice(index + 1)
        .map((e) => e.raw)
        .join("") + after;
    alternatives = group.alternatives;
  }
  return alternatives.map((a) => `${before}(?:${a.raw})${after}`);
}

const findings: string[] = [];
const patterns = waf.wafPatterns();
for (const { id, pattern } of patterns) {
  const name = id === 0 ? `inner pattern /${pattern.source.slice(0, 40)}…/` : `rule ${id}`;
  const flags = pattern.flags.replace("g", "");
  const ast = parser.parseLiteral(`/${pattern.source}/${flags}`);
  visitRegExpAST(ast, {
    onQuantifierEnter(q) {
      if (q.max === Infinity) findings.push(`${name}: unbounded quantifier \`${q.raw}\``);
    },
    onBackreferenceEnter(b) {
      findings.push(`${name}: backreference \`${b.raw}\``);
    },
  });
  for (const alternative of alternativesOf(ast.pattern)) {
    // A timeout counts as a finding (inconclusive is not safe); 5 s timed out on a loaded 2-core machine.
    const result = isSafe(new RegExp(`^(?:${alternative})`, flags), { timeout: 15_000, maxSteps: 50_000 });
    if (!result.safe) {
      const why = [result.error, ...toFriendly(result).split("\n").slice(0, 6)].join("\n  ");
      findings.push(`${name}: \`${alternative.slice(0, 100)}\`\n  ${why}`);
    }
  }
}
for (const finding of findings) console.error(finding);
console.log(`redos: ${patterns.length} WAF patterns checked, ${findings.length} finding(s)`);
if (findings.length > 0) process.exitCode = 1;
