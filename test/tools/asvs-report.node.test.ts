/**
 * `npm run asvs` (test/tools/asvs-report.ts): the pure parts on synthetic inputs. The rule under
 * test: a requirement marked met only holds when every test it names ran in the run and passed;
 * every level-1/2 requirement has an entry; the map names no id the CSV lacks.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { AsvsMap } from "../security/asvs/map.ts";
import { ASVS_MAP } from "../security/asvs/map.ts";
import {
  checkMap,
  countMap,
  normaliseTitle,
  parseCsv,
  parseRequirements,
  parseVitestReport,
  renderMarkdown,
  resolveRef,
  shorten,
  type TestOutcome,
} from "./asvs-report.ts";

const HEADER = "chapter_id,chapter_name,section_id,section_name,req_id,req_description,L";
const CSV = [
  HEADER,
  'V1,Encoding,V1.1,Arch,V1.1.1,"Verify that input is decoded once, ""canonically"".",1',
  "V1,Encoding,V1.1,Arch,V1.1.2,Verify that output is encoded | last.,2",
  "V2,Validation,V2.1,Docs,V2.1.1,Verify that rules are documented.,2",
  "V2,Validation,V2.1,Docs,V2.1.9,Verify that a level-3 thing holds.,3",
].join("\r\n");
const reqs = parseRequirements(CSV);

const test = (title: string, status = "passed", file = "test/security/p01-x.test.ts"): TestOutcome => ({
  file,
  title,
  fullName: `P1 block ${title}`,
  status,
});
const RUN: TestOutcome[] = [
  test("P1: a plain request is redirected"),
  test("P1 (refuses): a forged token is refused"),
  test("P1: a skipped one", "skipped"),
  test("P1: a failing one", "failed", "test/security/p02-y.test.ts"),
  test("P1: a passing one in the failing file", "passed", "test/security/p02-y.test.ts"),
];

const MAP: AsvsMap = {
  "V1.1.1": { status: "met", tests: ["P1: a plain request"] },
  "V1.1.2": { status: "n/a", reason: "No interpreter." },
  "V2.1.1": { status: "not_met", missing: "No document." },
};

describe("asvs report: CSV", () => {
  it("parses quoted fields, doubled quotes, CRLF and a level per row", () => {
    expect(reqs.map((r) => [r.id, r.level])).toEqual([
      ["V1.1.1", 1],
      ["V1.1.2", 2],
      ["V2.1.1", 2],
      ["V2.1.9", 3],
    ]);
    expect(reqs[0]?.description).toBe('Verify that input is decoded once, "canonically".');
    expect(parseCsv('a,"b\nc",d\n')).toEqual([["a", "b\nc", "d"]]);
  });

  it("refuses another header, a malformed row, an unknown level and an open quote", () => {
    expect(() => parseRequirements("id,text\nV1.1.1,x")).toThrow(/columns/);
    expect(() => parseRequirements(`${HEADER}\nV1,E,V1.1,A,V1.1.1,text`)).toThrow(/row 2/);
    expect(() => parseRequirements(`${HEADER}\nV1,E,V1.1,A,V1.1.1,text,4`)).toThrow(/row 2/);
    expect(() => parseRequirements(`${HEADER}\nV1,E,V1.1,A,1.1.1,text,1`)).toThrow(/row 2/);
    expect(() => parseCsv('a,"b')).toThrow(/not closed/);
  });

  it("the vendored ASVS 5.0.0 list has 70 requirements at L1, 183 at L2 and 92 at L3", () => {
    const all = parseRequirements(readFileSync(new URL("../security/asvs/asvs-5.0.0.csv", import.meta.url), "utf8"));
    expect([1, 2, 3].map((l) => all.filter((r) => r.level === l).length)).toEqual([70, 183, 92]);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
  });
});

describe("asvs report: the vitest report", () => {
  it("reads files relative to the root and each test's title, full name and status", () => {
    const tests = parseVitestReport(
      {
        testResults: [
          {
            name: "/repo/test/security/p01-x.test.ts",
            assertionResults: [{ title: "P1: t", fullName: "P1 d P1: t", status: "passed", ancestorTitles: ["P1 d"] }],
          },
        ],
      },
      "/repo",
    );
    expect(tests).toEqual([{ file: "test/security/p01-x.test.ts", title: "P1: t", fullName: "P1 d P1: t", status: "passed" }]);
  });

  it("refuses a report without testResults, a file without results, a test without status", () => {
    expect(() => parseVitestReport({}, "/repo")).toThrow(/testResults/);
    expect(() => parseVitestReport({ testResults: [{ name: "/repo/a.test.ts" }] }, "/repo")).toThrow(/without name or results/);
    expect(() => parseVitestReport({ testResults: [{ name: "/repo/a.test.ts", assertionResults: [{ title: "t" }] }] }, "/repo")).toThrow(
      /without title or status/,
    );
  });
});

describe("asvs report: a named test must have run and passed", () => {
  it("an exact title, a prefix and a describe-qualified name resolve to passed tests", () => {
    expect(resolveRef("P1: a plain request is redirected", RUN)).toEqual({ ref: "P1: a plain request is redirected", passed: 1 });
    expect(resolveRef("P1: a plain", RUN).problem).toBeUndefined();
    expect(resolveRef("P1 block P1: a plain", RUN).problem).toBeUndefined();
  });

  it("a promise tag's (refuses) is ignored on either side", () => {
    expect(normaliseTitle("P15 (refuses), P12: x (refuses): y")).toBe("P15, P12: x (refuses): y");
    expect(resolveRef("P1: a forged token", RUN).problem).toBeUndefined();
    expect(resolveRef("P1 (refuses): a plain request", RUN).problem).toBeUndefined();
  });

  it("(refuses) a title that matches no test, a skipped test, a failed test, an empty name", () => {
    expect(resolveRef("P1: does not exist", RUN).problem).toMatch(/no test named "P1: does not exist" ran/);
    expect(resolveRef("P1: a skipped", RUN).problem).toMatch(/did not pass \(skipped\)/);
    expect(resolveRef("P1: a failing", RUN).problem).toMatch(/did not pass \(failed\)/);
    expect(resolveRef(" ", RUN).problem).toMatch(/empty/);
  });

  it("(refuses) a prefix that matches a passed and a failed test", () => {
    expect(resolveRef("P1: a ", RUN).problem).toMatch(/did not pass/);
  });

  it("file: holds only when the file ran tests and all of them passed", () => {
    expect(resolveRef("file:test/security/p01-x.test.ts", RUN.slice(0, 2))).toEqual({ ref: "file:test/security/p01-x.test.ts", passed: 2 });
    expect(resolveRef("file:test/security/p02-y.test.ts", RUN).problem).toMatch(/did not pass \(failed\)/);
    expect(resolveRef("file:test/security/p03-z.test.ts", RUN).problem).toMatch(/ran no test/);
  });
});

describe("asvs report: the map against the CSV", () => {
  it("a complete map whose met tests passed holds", () => {
    const checked = checkMap(reqs, MAP, RUN);
    expect(checked.problems).toEqual([]);
    expect(checked.requirements.map((r) => r.id)).toEqual(["V1.1.1", "V1.1.2", "V2.1.1"]);
  });

  it("(refuses) a level-1/2 requirement without an entry", () => {
    const partial = Object.fromEntries(Object.entries(MAP).filter(([id]) => id !== "V1.1.2"));
    expect(checkMap(reqs, partial, RUN).problems).toEqual(["V1.1.2: a level-2 requirement without a map entry"]);
  });

  it("(refuses) an id the CSV lacks, and a level-3 id", () => {
    const problems = checkMap(
      reqs,
      { ...MAP, "V9.9.9": { status: "n/a", reason: "x" }, "V2.1.9": { status: "n/a", reason: "x" } },
      RUN,
    ).problems;
    expect(problems).toEqual([
      "V9.9.9: the map names an id the ASVS 5.0.0 CSV does not have",
      "V2.1.9: a level-3 requirement, outside the level-2 map",
    ]);
  });

  it("(refuses) met without tests, with a missing, skipped or failed test; n/a and not met without text", () => {
    const bad: AsvsMap = {
      "V1.1.1": { status: "met", tests: [] },
      "V1.1.2": { status: "met", tests: ["P1: a plain request", "P1: nowhere", "P1: a skipped one"] },
      "V2.1.1": { status: "not_met", missing: " " },
    };
    expect(checkMap(reqs, bad, RUN).problems).toEqual([
      "V1.1.1: marked met without any test",
      'V1.1.2: marked met, but no test named "P1: nowhere" ran (it does not exist or was not collected)',
      'V1.1.2: marked met, but "P1: a skipped one" matched a test that did not pass (skipped): test/security/p01-x.test.ts: P1: a skipped one',
      "V2.1.1: not met without saying what is missing",
    ]);
    expect(checkMap(reqs, { ...MAP, "V1.1.2": { status: "n/a", reason: "" } }, RUN).problems).toEqual(["V1.1.2: n/a without a reason"]);
  });

  it("(refuses) a met requirement whose test failed in a run where every other passes", () => {
    const run = RUN.map((t) => (t.title === "P1: a plain request is redirected" ? { ...t, status: "failed" } : t));
    expect(checkMap(reqs, MAP, run).problems).toHaveLength(1);
  });
});

describe("asvs report: counts and markdown", () => {
  it("counts levels and statuses; applicable is met plus not met", () => {
    expect(countMap(checkMap(reqs, MAP, RUN).requirements, MAP)).toEqual({
      l1: 1,
      l2: 2,
      total: 3,
      applicable: 2,
      met: 1,
      na: 1,
      notMet: 1,
      unmapped: 0,
    });
  });

  it("writes the counts, the not-met list and a table per chapter with escaped cells", () => {
    const md = renderMarkdown(checkMap(reqs, MAP, RUN), MAP, { source: ".data/r.json", total: 5, passed: 3 });
    expect(md).toContain("| met | 1 |");
    expect(md).toContain("| not met | 1 |");
    expect(md).toContain("- **V2.1.1** (L2) Rules are documented. — No document.");
    expect(md).toContain("## V1 Encoding");
    expect(md).toContain("| V1.1.2 | 2 | Output is encoded \\| last. | n/a | No interpreter. |");
    expect(md).toContain("| met | Tests: `P1: a plain request` (1 passed) |");
    expect(md).not.toContain("The map does not hold");
  });

  it("(refuses) a broken map is reported in the markdown too", () => {
    const md = renderMarkdown(checkMap(reqs, { ...MAP, "V1.1.1": { status: "met", tests: ["P1: gone"] } }, RUN), MAP, {
      source: "r",
      total: 0,
      passed: 0,
    });
    expect(md).toContain("## The map does not hold");
  });

  it("shortens a requirement at a word, without its 'Verify that'", () => {
    expect(shorten("Verify that a b c", 110)).toBe("A b c");
    expect(shorten(`Verify that ${"word ".repeat(40)}`, 30)).toMatch(/^Word word .*…$/);
    expect(shorten(`Verify that ${"word ".repeat(40)}`, 30).length).toBeLessThanOrEqual(31);
  });
});

describe("asvs report: Rampart's map", () => {
  it("has an entry for every level-1/2 requirement of ASVS 5.0.0 and nothing else (the tests are checked by npm run asvs)", () => {
    const all = parseRequirements(readFileSync(new URL("../security/asvs/asvs-5.0.0.csv", import.meta.url), "utf8"));
    const ids = all.filter((r) => r.level <= 2).map((r) => r.id);
    expect(Object.keys(ASVS_MAP).sort()).toEqual([...ids].sort());
    for (const [id, e] of Object.entries(ASVS_MAP)) {
      if (e.status === "met") expect(e.tests.length, id).toBeGreaterThan(0);
    }
  });
});
