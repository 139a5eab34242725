/**
 * `npm run promises`: the title grammar, the classification of synthetic vitest JSON reports
 * (a promise proven, and every way one is not: only positives, only negatives, a skipped or
 * failed test naming it, a title breaking the grammar), malformed reports, and the script itself
 * (exit code, messages, the report it writes). Titles here must not start with a promise id:
 * these tests prove the tool, not a promise.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMISES } from "../security/promises.ts";
import { classify, parsePrefix, testsOfReport, violations, type RunTest } from "./promises-check.ts";
import { escapeMarkdown, renderReport } from "./promises-render.ts";

const script = fileURLToPath(new URL("promises-report.ts", import.meta.url));

type Status = "passed" | "failed" | "skipped" | "pending" | "todo";

/** One assertion result as vitest's JSON reporter writes it. */
const result = (title: string, status: Status = "passed", ancestorTitles: string[] = []) => ({
  ancestorTitles,
  fullName: [...ancestorTitles, title].join(" "),
  status,
  title,
  failureMessages: [],
});

/** A JSON report with one file under /repo holding these results. */
const report = (results: readonly object[], file = "/repo/test/security/p99.test.ts") => ({
  numTotalTests: results.length,
  success: true,
  testResults: [{ name: file, status: "passed", message: "", assertionResults: results }],
});

/** For every promise one passing positive and one passing negative test. */
const allProven = () => PROMISES.flatMap((p) => [result(`${p.id}: does it`), result(`${p.id} (refuses): refuses it`)]);

const toRepo = (f: string) => f.replace(/^\/repo\//, "");
const run = (r: unknown) => classify(testsOfReport(r, toRepo));
const byId = (c: ReturnType<typeof run>, id: string) => c.promises.find((p) => p.promise.id === id)!;

describe("promise definitions", () => {
  it("holds P1 to P20 in order, each with a name and one line", () => {
    expect(PROMISES.map((p) => p.id)).toEqual(Array.from({ length: 20 }, (_, i) => `P${i + 1}`));
    for (const p of PROMISES) {
      expect(p.name.length).toBeGreaterThan(2);
      expect(p.text).not.toContain("\n");
      expect(p.text.length).toBeGreaterThan(40);
    }
    expect(PROMISES[19]?.name).toBe("Supply chain");
  });
});

describe("title grammar", () => {
  it.each([
    ["P11: rows of another org", ["P11"], false],
    ["P9 (refuses): a viewer cannot write", ["P9"], true],
    ["P4/P12 (refuses): an outsider's flood", ["P4", "P12"], true],
    ["P4/P12: counters", ["P4", "P12"], false],
    ["P15 (refuses), P12: another org's object", ["P15", "P12"], true],
    ["P12, P15: backups are per organization", ["P12", "P15"], false],
    ["P9,P16: unknown key", ["P9", "P16"], false],
    ["P3 fail-safe: a block tells nothing", ["P3"], false],
    ["P14 evidence files (refuses): nothing is left", ["P14"], true],
    ["P3 WAF work budget", ["P3"], false],
    ["P20", ["P20"], false],
  ])("title %j names %j, negative: %s", (title, ids, refuses) => {
    expect(parsePrefix(title)).toMatchObject({ ids, refuses });
  });

  it.each(["a title without a promise", "Pages: P3 later in the title", "p3: lower case", "PR 12: not an id"])(
    "title %j names no promise",
    (title) => {
      expect(parsePrefix(title)).toBeNull();
    },
  );

  it.each([
    ["P21: beyond the list", /P21 is not one of P1–P20/],
    ["P0: zero", /P0 is not one of/],
    ["P03: a leading zero", /P03 is not one of/],
    ["P3x: glued", /followed by ":", a space or the end/],
    ["P3-P4: a range", /followed by ":", a space or the end/],
    ["P4/P4: twice", /named twice/],
    ["P4/: dangling", /followed by ":", a space or the end/],
  ])("title %j is an error", (title, message) => {
    expect(() => parsePrefix(title)).toThrow(message);
  });
});

describe("classification of a run", () => {
  it("every promise proven: no violation, each counted once per test, files kept", () => {
    const c = run(report(allProven()));
    expect(violations(c)).toEqual([]);
    expect(c.totals).toEqual({ tests: 40, passed: 40, failed: 0, skipped: 0, named: 40 });
    expect(byId(c, "P7").positive.map((t) => t.title)).toEqual(["P7: does it"]);
    expect(byId(c, "P7").negative.map((t) => t.file)).toEqual(["test/security/p99.test.ts"]);
  });

  it("a test naming two promises counts for both, with its polarity", () => {
    const c = run(report([...allProven(), result("P4/P12 (refuses): flood"), result("P15, P12: backups")]));
    expect(byId(c, "P4").negative).toHaveLength(2);
    expect(byId(c, "P12").negative).toHaveLength(2);
    expect(byId(c, "P12").positive).toHaveLength(2);
    expect(byId(c, "P15").positive).toHaveLength(2);
  });

  it("an untitled test takes its nearest describe's promises; its own title wins over the describe's", () => {
    const c = run(
      report([
        ...allProven(),
        result("a viewer cannot write", "passed", ["P9 records (refuses): roles"]),
        result("P11: another org's row", "passed", ["P9 records: roles"]),
        result("plain", "passed", ["outer", "P13 audit: entries", "inner"]),
      ]),
    );
    expect(byId(c, "P9").negative.map((t) => t.title)).toContain("a viewer cannot write");
    expect(byId(c, "P9").positive.map((t) => t.title)).not.toContain("P11: another org's row");
    expect(byId(c, "P11").positive.map((t) => t.title)).toContain("P11: another org's row");
    expect(byId(c, "P13").positive.map((t) => t.title)).toContain("plain");
  });

  it("a skipped, pending or todo test naming P3 fails the check even with P3 otherwise proven", () => {
    for (const status of ["skipped", "pending", "todo"] as const) {
      const c = run(report([...allProven(), result("P3: the WAF on a slow day", status)]));
      expect(byId(c, "P3").skipped.map((t) => t.title)).toEqual(["P3: the WAF on a slow day"]);
      expect(violations(c)).toEqual(["P3 Deny by default + WAF: 1 skipped"]);
    }
  });

  it("a failed test naming a promise fails the check and is not counted as proof", () => {
    const c = run(
      report([...allProven().filter((t) => t.title !== "P8 (refuses): refuses it"), result("P8 (refuses): forged token", "failed")]),
    );
    expect(byId(c, "P8").negative).toEqual([]);
    expect(violations(c)).toEqual(["P8 Sessions: no passing negative test (`(refuses)`), 1 failed"]);
  });

  it("a promise with only positive tests, or only negative ones, is not proven", () => {
    const tests = allProven().filter((t) => t.title !== "P5 (refuses): refuses it" && t.title !== "P6: does it");
    const c = run(report([...tests, result("P5: another positive")]));
    expect(violations(c)).toEqual([
      "P5 Passwords: no passing negative test (`(refuses)`)",
      "P6 Email verification: no passing positive test",
    ]);
  });

  it("a run with no test naming P20 names P20 as unproven both ways", () => {
    const c = run(report(allProven().filter((t) => !t.title.startsWith("P20"))));
    expect(violations(c)).toEqual(["P20 Supply chain: no passing positive test, no passing negative test (`(refuses)`)"]);
  });

  it("titles breaking the grammar fail the check, once per title, and their tests are not counted", () => {
    const c = run(
      report([
        ...allProven(),
        result("P21: a promise that does not exist"),
        result("one", "passed", ["P9 records: bad input (refuses) 422"]),
        result("two", "passed", ["P9 records: bad input (refuses) 422"]),
        result("P9: bad input: (refuses) after the colon"),
        result("a refusal (refuses): under a promise's describe", "passed", ["P10 secrets"]),
        result("another tool's refusal (refuses): no promise anywhere"),
      ]),
    );
    expect(c.titleErrors.map((e) => [e.title, e.tests])).toEqual([
      ["P21: a promise that does not exist", 1],
      ["P9 records: bad input (refuses) 422", 2],
      ["P9: bad input: (refuses) after the colon", 1],
      ["a refusal (refuses): under a promise's describe", 1],
    ]);
    expect(c.totals.named).toBe(40);
    expect(c.totals.tests).toBe(46);
    expect(violations(c)).toHaveLength(4);
  });

  it("tests outside any promise are counted in the run's totals only", () => {
    const c = run(report([...allProven(), result("a unit of the parser"), result("skipped unit", "skipped")]));
    expect(violations(c)).toEqual([]);
    expect(c.totals).toMatchObject({ tests: 42, skipped: 1, named: 40 });
  });
});

describe("malformed reports", () => {
  it.each([
    ["null", null, /no testResults array/],
    ["an array", [], /no testResults array/],
    ["no testResults", { numTotalTests: 1 }, /no testResults array/],
    ["a file without a name", { testResults: [{ assertionResults: [] }] }, /testResults\[0\] has no name or assertionResults/],
    [
      "a result without a title",
      { testResults: [{ name: "/repo/a.test.ts", assertionResults: [{ status: "passed", ancestorTitles: [] }] }] },
      /lacks title/,
    ],
    ["an unknown status", report([{ ...result("P1: x"), status: "exploded" }]), /unknown status "exploded"/],
    [
      "a non-string ancestor",
      { testResults: [{ name: "/repo/a.test.ts", assertionResults: [{ ...result("x"), ancestorTitles: [3] }] }] },
      /non-string ancestor/,
    ],
    ["no test at all", { testResults: [] }, /holds no test/],
  ])("a report with %s is a clear error", (_, value, message) => {
    expect(() => testsOfReport(value, toRepo)).toThrow(message);
  });
});

describe("the rendered report", () => {
  it("names each promise's verdict, counts and tests by file, skipped and failed ones included; the same run renders the same bytes", () => {
    const results = [
      ...allProven(),
      result("P3: skipped one", "skipped"),
      result("P16 (refuses): a <script> | pipe", "passed", ["P16 events"]),
    ];
    const c = run(report(results));
    const md = renderReport(c);
    expect(md).toContain("**19 of 20 promises proven.** The run: 42 tests, 41 passed, 0 failed, 1 skipped; 42 of them name a promise.");
    expect(md).toMatch(/\| \[P3\]\(#p3-deny-by-default--waf\) \| Deny by default \+ WAF \| \*\*not proven\*\* \| 1 \| 1 \| 1 \| 0 \| 1 \|/);
    expect(md).toContain("Verdict: **not proven**: 1 skipped.");
    expect(md).toContain("Skipped (fails the check) (1):\n\n- [p99.test.ts](p99.test.ts) (1)\n  - P3: skipped one");
    expect(md).toContain(`  - P16 events › ${escapeMarkdown("P16 (refuses): a <script> | pipe")}`);
    expect(md).not.toMatch(/<script>|\d{4}-\d\d-\d\dT/);
    expect(renderReport(run(report(results)))).toBe(md);
  });

  it("escapes what Markdown would read as markup, but not an underscore inside a word", () => {
    expect(escapeMarkdown("a <b> | *c* [d](e) `f` _g_ bank_not_configured #1 \\")).toBe(
      "a \\<b\\> \\| \\*c\\* \\[d\\](e) \\`f\\` \\_g\\_ bank_not_configured \\#1 \\\\",
    );
  });

  it("links files relative to test/security/", () => {
    const tests: RunTest[] = [{ file: "test/pipeline/edge.test.ts", ancestors: [], title: "P1 (refuses): plain http", outcome: "passed" }];
    expect(renderReport(classify(tests))).toContain("- [edge.test.ts](../pipeline/edge.test.ts) (1)");
  });
});

describe("the script", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rampart-promises-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const runScript = async (value: unknown, ...args: string[]) => {
    const input = join(dir, "report.json");
    await writeFile(input, typeof value === "string" ? value : JSON.stringify(value));
    const out = join(dir, "PROMISES-REPORT.md");
    await rm(out, { force: true });
    const child = spawnSync(process.execPath, [script, input, "--root", "/repo", "--out", out, ...args], { encoding: "utf8" });
    const written = await readFile(out, "utf8").catch(() => null);
    return { code: child.status, stdout: child.stdout, stderr: child.stderr, written };
  };

  it("exits 0 and writes the report when every promise is proven", async () => {
    const { code, stdout, written } = await runScript(report(allProven()));
    expect(code).toBe(0);
    expect(stdout).toContain("promises: 20 of 20 proven by 40 named tests of 40");
    expect(written).toContain("**20 of 20 promises proven.**");
  });

  it("exits 1 naming each unproven promise and the skipped test's promise, and still writes the report", async () => {
    const tests = allProven().filter((t) => t.title !== "P20 (refuses): refuses it");
    const { code, stderr, written } = await runScript(report([...tests, result("P3: later", "skipped")]));
    expect(code).toBe(1);
    expect(stderr).toContain("promises: 2 problem(s), each fails the check:");
    expect(stderr).toContain("  - P3 Deny by default + WAF: 1 skipped");
    expect(stderr).toContain("  - P20 Supply chain: no passing negative test (`(refuses)`)");
    expect(written).toContain("**18 of 20 promises proven.**");
  });

  it("exits 1 with a clear message on a report that is not JSON, not vitest's, missing, or from another checkout", async () => {
    expect(await runScript("{ not json")).toMatchObject({
      code: 1,
      written: null,
      stderr: expect.stringMatching(/report\.json is not JSON/) as unknown,
    });
    expect(await runScript({ tests: [] })).toMatchObject({
      code: 1,
      written: null,
      stderr: expect.stringMatching(/no testResults array/) as unknown,
    });
    expect(await runScript(report(allProven(), "/elsewhere/test/a.test.ts"))).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/outside \/repo; pass --root/) as unknown,
    });
    const missing = spawnSync(process.execPath, [script, join(dir, "absent.json"), "--out", join(dir, "x.md")], { encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the test run's report .*absent\.json/);
    const unknown = spawnSync(process.execPath, [script, "--bogus"], { encoding: "utf8" });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown option --bogus/);
  });
});
