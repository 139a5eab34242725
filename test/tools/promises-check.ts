/**
 * Which promise each test of a run proves, and whether every promise is proven (`npm run
 * promises`, test/tools/promises-report.ts; the tests: test/tools/promises-report.node.test.ts).
 * Pure: a parsed vitest JSON report in, a classification out; no file or process access.
 *
 * The title grammar (a test's own title, else its nearest enclosing `describe` title that has one):
 *
 *   named  = ids [label] [":" text]
 *   ids    = id [refuses] *(sep id [refuses])
 *   id     = "P1" … "P20"                      (no leading zero; "P21" or "P03" is an error)
 *   sep    = "/" | "," | ", "
 *   label  = " " text without ":"             (a label that ends in " (refuses)" marks it too)
 *   refuses = " (refuses)"
 *
 * e.g. `P11: …`, `P9 (refuses): …`, `P4/P12 (refuses): …`, `P15 (refuses), P12: …`,
 * `P14 evidence files (refuses): …` (a describe). A test counts once for every promise its
 * title names; `(refuses)` anywhere in the ids or at the end of the label makes it a negative
 * test (it proves what the promise refuses) for all of them, otherwise it is a positive one.
 * A title that starts like an id ("P" and a digit) but breaks the grammar, and, in a test
 * whose titles name a promise, a "(refuses)" the grammar does not read (after the colon, in the
 * middle of a label, in a title of its own without ids), are errors: a miscounted test must not
 * pass unnoticed.
 */
import { PROMISES, type PromiseId, type SecurityPromise } from "../security/promises.ts";

export type Outcome = "passed" | "failed" | "skipped";

/** One test of the run, as the report needs it. */
export interface RunTest {
  /** The test file, relative to the repository root (posix separators). */
  readonly file: string;
  /** Enclosing describe titles, outermost first. */
  readonly ancestors: readonly string[];
  readonly title: string;
  readonly outcome: Outcome;
}

export interface ParsedPrefix {
  readonly ids: readonly PromiseId[];
  readonly refuses: boolean;
  /** The title without the ids and the markers read: must not hold another "(refuses)". */
  readonly unread: string;
}

export interface NamedTest extends RunTest {
  readonly ids: readonly PromiseId[];
  readonly refuses: boolean;
}

export interface PromiseResult {
  readonly promise: SecurityPromise;
  readonly positive: readonly NamedTest[];
  readonly negative: readonly NamedTest[];
  /** Skipped, pending, todo or disabled tests that name it. */
  readonly skipped: readonly NamedTest[];
  readonly failed: readonly NamedTest[];
  /** Why it is not proven; empty when it is. */
  readonly problems: readonly string[];
}

/** A title that breaks the grammar, once per file and title, with the tests it leaves uncounted. */
export interface TitleError {
  readonly file: string;
  readonly title: string;
  readonly reason: string;
  readonly tests: number;
}

export interface Classification {
  readonly promises: readonly PromiseResult[];
  /** Titles that break the grammar, with the reason. */
  readonly titleErrors: readonly TitleError[];
  readonly totals: {
    readonly tests: number;
    readonly passed: number;
    readonly failed: number;
    readonly skipped: number;
    readonly named: number;
  };
}

/** A title's promise prefix: null when it does not name a promise; throws when it starts like one but breaks the grammar. */
export function parsePrefix(title: string): ParsedPrefix | null {
  if (!/^P\d/.test(title)) return null;
  const ids: PromiseId[] = [];
  let refuses = false;
  let rest = title;
  for (;;) {
    const id = /^P(\d+)/.exec(rest);
    if (!id) throw new Error(`expected a promise id at "${rest.slice(0, 20)}"`);
    const n = Number(id[1]);
    if (String(n) !== id[1] || n < 1 || n > PROMISES.length) throw new Error(`P${id[1]} is not one of P1–P${PROMISES.length}`);
    const pid: PromiseId = `P${n}`;
    if (ids.includes(pid)) throw new Error(`${pid} is named twice`);
    ids.push(pid);
    rest = rest.slice(id[0].length);
    if (rest.startsWith(" (refuses)")) {
      refuses = true;
      rest = rest.slice(" (refuses)".length);
    }
    const sep = /^(?:\/|, ?)(?=P)/.exec(rest);
    if (!sep) break;
    rest = rest.slice(sep[0].length);
  }
  if (rest === "" || rest.startsWith(":")) return { ids, refuses, unread: rest };
  if (!rest.startsWith(" ")) throw new Error(`the promise ids must be followed by ":", a space or the end, not "${rest.slice(0, 10)}"`);
  const colon = rest.indexOf(":");
  const label = colon === -1 ? rest : rest.slice(0, colon);
  if (!label.endsWith(" (refuses)")) return { ids, refuses, unread: rest };
  return { ids, refuses: true, unread: label.slice(0, -" (refuses)".length) + rest.slice(label.length) };
}

/** Classifies every test of the run against the promises. */
export function classify(tests: readonly RunTest[]): Classification {
  const titleErrors = new Map<string, { file: string; title: string; reason: string; tests: number }>();
  const error = (file: string, title: string, reason: string) => {
    const key = JSON.stringify([file, title]);
    const seen = titleErrors.get(key);
    if (seen) seen.tests += 1;
    else titleErrors.set(key, { file, title, reason, tests: 1 });
  };
  const named: NamedTest[] = [];
  for (const test of tests) {
    let nearest: ParsedPrefix | null = null;
    let broken = false;
    const stray: string[] = [];
    for (const title of [...test.ancestors, test.title]) {
      let parsed: ParsedPrefix | null;
      try {
        parsed = parsePrefix(title);
      } catch (e) {
        error(test.file, title, (e as Error).message);
        broken = true;
        continue;
      }
      if ((parsed ? parsed.unread : title).includes("(refuses)")) stray.push(title);
      if (parsed) nearest = parsed;
    }
    // A "(refuses)" off its place only matters in a test that names a promise (other tools' tests use the word too).
    if ((nearest || broken) && stray.length > 0) {
      for (const title of stray)
        error(test.file, title, `"(refuses)" belongs right after a promise id or at the end of the label, before the colon`);
      broken = true;
    }
    if (nearest && !broken) named.push({ ...test, ids: nearest.ids, refuses: nearest.refuses });
  }
  const promises = PROMISES.map((promise): PromiseResult => {
    const mine = named.filter((t) => t.ids.includes(promise.id));
    const passed = mine.filter((t) => t.outcome === "passed");
    const positive = passed.filter((t) => !t.refuses);
    const negative = passed.filter((t) => t.refuses);
    const skipped = mine.filter((t) => t.outcome === "skipped");
    const failed = mine.filter((t) => t.outcome === "failed");
    const problems: string[] = [];
    if (positive.length === 0) problems.push("no passing positive test");
    if (negative.length === 0) problems.push("no passing negative test (`(refuses)`)");
    if (skipped.length > 0) problems.push(`${skipped.length} skipped`);
    if (failed.length > 0) problems.push(`${failed.length} failed`);
    return { promise, positive, negative, skipped, failed, problems };
  });
  const count = (o: Outcome) => tests.filter((t) => t.outcome === o).length;
  return {
    promises,
    titleErrors: [...titleErrors.values()],
    totals: { tests: tests.length, passed: count("passed"), failed: count("failed"), skipped: count("skipped"), named: named.length },
  };
}

/** Everything that fails the check, one line each; empty when every promise is proven. */
export function violations(result: Classification): string[] {
  return [
    ...result.promises.filter((p) => p.problems.length > 0).map((p) => `${p.promise.id} ${p.promise.name}: ${p.problems.join(", ")}`),
    ...result.titleErrors.map((e) => `title "${e.title}" in ${e.file}: ${e.reason}`),
  ];
}

const OUTCOMES: Readonly<Record<string, Outcome>> = {
  passed: "passed",
  failed: "failed",
  skipped: "skipped",
  pending: "skipped",
  todo: "skipped",
  disabled: "skipped",
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The tests of a vitest JSON report (`--reporter=json`): per file `name` (absolute) and its
 * `assertionResults` (`ancestorTitles`, `title`, `status`). Throws, naming the place, on
 * anything else, and on a report without tests: a broken run must not read as "nothing to prove".
 * `relativeTo` turns the file names into repository paths.
 */
export function testsOfReport(report: unknown, relativeTo: (file: string) => string): RunTest[] {
  if (!isRecord(report) || !Array.isArray(report.testResults)) throw new Error("not a vitest JSON report: no testResults array");
  const tests: RunTest[] = [];
  report.testResults.forEach((file: unknown, i) => {
    if (!isRecord(file) || typeof file.name !== "string" || !Array.isArray(file.assertionResults)) {
      throw new Error(`testResults[${i}] has no name or assertionResults`);
    }
    const name = relativeTo(file.name);
    file.assertionResults.forEach((a: unknown, j) => {
      const where = `testResults[${i}].assertionResults[${j}] (${name})`;
      if (!isRecord(a) || typeof a.title !== "string" || typeof a.status !== "string" || !Array.isArray(a.ancestorTitles)) {
        throw new Error(`${where} lacks title, status or ancestorTitles`);
      }
      const ancestors = a.ancestorTitles.map((t: unknown) => {
        if (typeof t !== "string") throw new Error(`${where} has a non-string ancestor title`);
        return t;
      });
      const outcome = OUTCOMES[a.status];
      if (!outcome) throw new Error(`${where} has an unknown status "${a.status}"`);
      tests.push({ file: name, ancestors, title: a.title, outcome });
    });
  });
  if (tests.length === 0) throw new Error("the report holds no test");
  return tests;
}
