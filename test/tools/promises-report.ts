/**
 * `npm run promises [report.json] [--root <checkout>]`: reads a test run's vitest JSON report
 * (default .data/vitest-report.json, which CI's test step writes), writes
 * test/security/PROMISES-REPORT.md (test/tools/promises-render.ts) and exits 1, naming each
 * one, when a promise has no passing positive or no passing negative test, when a test naming
 * a promise was skipped or failed, or when a title breaks the grammar (test/tools/promises-check.ts).
 * The report is written either way, so a failure can be read in it.
 *
 * `--out` writes the report elsewhere (the tests of this tool do). `--root` is the checkout the report's absolute file names belong to (default: this one),
 * for a report written by another clone. Whether the regenerated report differs from the
 * committed one is said, not judged: the committed copy is regenerated with the test change
 * that moves it, and CI only enforces the rules above.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { classify, testsOfReport, violations } from "./promises-check.ts";
import { renderReport } from "./promises-render.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const defaultTarget = fileURLToPath(new URL("../security/PROMISES-REPORT.md", import.meta.url));
const USAGE = "usage: npm run promises [report.json] [--root <checkout>] [--out <file>]";

function parseArgs(argv: readonly string[]): { reportPath: string; root: string; target: string } {
  let reportPath = resolve(repo, ".data/vitest-report.json");
  let root = repo;
  let target = defaultTarget;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--root" || arg === "--out") {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a path (${USAGE})`);
      if (arg === "--root") root = resolve(value);
      else target = resolve(value);
    } else if (arg.startsWith("-")) {
      throw new Error(`unknown option ${arg} (${USAGE})`);
    } else {
      reportPath = resolve(arg);
    }
  }
  return { reportPath, root, target };
}

function main(): number {
  const { reportPath, root, target } = parseArgs(process.argv.slice(2));
  let text: string;
  try {
    text = readFileSync(reportPath, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read the test run's report ${reportPath} (${(error as Error).message}); run the tests with ` +
        "--reporter=json --outputFile.json=.data/vitest-report.json first",
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${reportPath} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const toRepoPath = (file: string) => {
    const rel = relative(root, file);
    if (rel.startsWith("..")) throw new Error(`${file} is outside ${root}; pass --root <the checkout that ran the tests>`);
    return rel.split(sep).join("/");
  };
  const result = classify(testsOfReport(json, toRepoPath));
  const report = renderReport(result);
  let previous = "";
  try {
    previous = readFileSync(target, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  writeFileSync(target, report);
  const proven = result.promises.filter((p) => p.problems.length === 0).length;
  console.log(
    `promises: ${proven} of ${result.promises.length} proven by ${result.totals.named} named tests of ${result.totals.tests}; ` +
      `wrote ${relative(process.cwd(), target)}` +
      (previous === report ? " (unchanged)" : " (it differs from the copy there before: commit the new one with the tests that moved it)"),
  );
  const problems = violations(result);
  if (problems.length === 0) return 0;
  console.error(`promises: ${problems.length} problem(s), each fails the check:`);
  for (const problem of problems) console.error(`  - ${problem}`);
  return 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`promises: ${(error as Error).message}`);
  process.exitCode = 1;
}
