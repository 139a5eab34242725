/**
 * `npm run asvs`: the OWASP ASVS 5.0 level-2 map as a report. Reads the requirement list
 * (test/security/asvs/asvs-5.0.0.csv, vendored with its licence), the map
 * (test/security/asvs/map.ts) and the vitest JSON report CI writes (.data/vitest-report.json),
 * writes test/security/ASVS-L2.md, and exits 1 when the map does not hold:
 * - a requirement of level 1 or 2 has no entry, or an entry names an id the CSV lacks (or a level-3 one);
 * - a `met` requirement names no test, or a named test did not run and pass: a title (or title prefix)
 *   that matches no test of the run, or matches one that failed or was skipped; a `file:` path that ran
 *   no test or has one that did not pass.
 * So "met" can only mean: a test that says so ran in this very run and passed.
 *
 * Usage: node test/tools/asvs-report.ts [--report <vitest json>] [--out <markdown>]
 * The functions above `main` are pure (test/tools/asvs-report.node.test.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { AsvsMap, Evidence } from "../security/asvs/map.ts";

/** One row of the ASVS CSV. */
export interface Requirement {
  chapterId: string;
  chapterName: string;
  sectionId: string;
  sectionName: string;
  id: string;
  description: string;
  level: number;
}

/** One test of the vitest run, its file relative to the repository root. */
export interface TestOutcome {
  file: string;
  title: string;
  fullName: string;
  status: string;
}

/** What one named test (or file) of a `met` entry resolved to. */
export interface RefResult {
  ref: string;
  passed: number;
  problem?: string;
}

export interface Checked {
  /** Every requirement of level ≤ 2, in CSV order. */
  requirements: Requirement[];
  /** Per requirement id of a `met` entry, what each named test resolved to. */
  refs: Map<string, RefResult[]>;
  /** Everything that makes the map not hold; empty when it holds. */
  problems: string[];
}

/** RFC 4180 CSV: quoted fields, doubled quotes, line breaks inside quotes; CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (quoted) throw new Error("CSV: a quoted field is not closed");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const COLUMNS = ["chapter_id", "chapter_name", "section_id", "section_name", "req_id", "req_description", "L"] as const;

/** The ASVS rows, checked against the expected header; a malformed row is an error, not skipped. */
export function parseRequirements(text: string): Requirement[] {
  const [header, ...rows] = parseCsv(text.replace(/^\uFEFF/, ""));
  if (header?.join(",") !== COLUMNS.join(",")) throw new Error(`CSV: expected the columns ${COLUMNS.join(",")}`);
  return rows
    .filter((r) => r.length > 1 || r[0] !== "")
    .map((r, i) => {
      const [chapterId = "", chapterName = "", sectionId = "", sectionName = "", id = "", description = "", l = ""] = r;
      const level = Number(l);
      if (r.length !== COLUMNS.length || !/^V\d+\.\d+\.\d+$/.test(id) || ![1, 2, 3].includes(level)) {
        throw new Error(`CSV: row ${i + 2} is malformed`);
      }
      return { chapterId, chapterName, sectionId, sectionName, id, description, level };
    });
}

interface VitestAssertion {
  title?: unknown;
  fullName?: unknown;
  status?: unknown;
}
interface VitestFile {
  name?: unknown;
  assertionResults?: unknown;
}

/** The tests of a vitest JSON report (jest-compatible shape), files made relative to `root`. */
export function parseVitestReport(json: unknown, root: string): TestOutcome[] {
  const files = (json as { testResults?: unknown } | null)?.testResults;
  if (!Array.isArray(files)) throw new Error("vitest report: no testResults array");
  const out: TestOutcome[] = [];
  for (const f of files as VitestFile[]) {
    if (typeof f.name !== "string" || !Array.isArray(f.assertionResults)) throw new Error("vitest report: a file without name or results");
    const file = path.isAbsolute(f.name) ? path.relative(root, f.name).split(path.sep).join("/") : f.name;
    for (const a of f.assertionResults as VitestAssertion[]) {
      if (typeof a.title !== "string" || typeof a.status !== "string")
        throw new Error(`vitest report: a test of ${file} without title or status`);
      out.push({ file, title: a.title, fullName: typeof a.fullName === "string" ? a.fullName : a.title, status: a.status });
    }
  }
  return out;
}

/**
 * A title with its promise tag's "(refuses)" marker dropped: `P9 (refuses): x` and `P15 (refuses), P12: y`
 * read as `P9: x` and `P15, P12: y`, so a map entry survives a test being re-tagged as a negative.
 */
export function normaliseTitle(title: string): string {
  const colon = title.indexOf(": ");
  return colon < 0 ? title : title.slice(0, colon).replaceAll(" (refuses)", "") + title.slice(colon);
}

/**
 * `file:<path>` names every test of a file; anything else is an exact title or a title prefix
 * (of the test's own title or of its full name with the describe blocks), tags normalised.
 */
export function resolveRef(ref: string, tests: readonly TestOutcome[]): RefResult {
  if (ref.trim() === "") return { ref, passed: 0, problem: "an empty test name" };
  const isFile = ref.startsWith("file:");
  const want = normaliseTitle(ref);
  const matched = isFile
    ? tests.filter((t) => t.file === ref.slice("file:".length))
    : tests.filter((t) => normaliseTitle(t.title).startsWith(want) || t.fullName.startsWith(ref));
  const passed = matched.filter((t) => t.status === "passed").length;
  if (matched.length === 0) {
    return { ref, passed, problem: isFile ? `${ref} ran no test` : `no test named "${ref}" ran (it does not exist or was not collected)` };
  }
  const bad = matched.find((t) => t.status !== "passed");
  if (bad) return { ref, passed, problem: `"${ref}" matched a test that did not pass (${bad.status}): ${bad.file}: ${bad.title}` };
  return { ref, passed };
}

/** The map against the CSV and the run: every rule of the file's header comment. */
export function checkMap(all: readonly Requirement[], map: AsvsMap, tests: readonly TestOutcome[]): Checked {
  const requirements = all.filter((r) => r.level <= 2);
  const byId = new Map(all.map((r) => [r.id, r]));
  const problems: string[] = [];
  const refs = new Map<string, RefResult[]>();
  for (const r of requirements) if (!Object.hasOwn(map, r.id)) problems.push(`${r.id}: a level-${r.level} requirement without a map entry`);
  for (const [id, entry] of Object.entries(map)) {
    const req = byId.get(id);
    if (!req) {
      problems.push(`${id}: the map names an id the ASVS 5.0.0 CSV does not have`);
      continue;
    }
    if (req.level > 2) problems.push(`${id}: a level-${req.level} requirement, outside the level-2 map`);
    problems.push(...entryProblems(id, entry));
    if (entry.status === "met") {
      const results = entry.tests.map((ref) => resolveRef(ref, tests));
      refs.set(id, results);
      for (const res of results) if (res.problem) problems.push(`${id}: marked met, but ${res.problem}`);
    }
  }
  return { requirements, refs, problems };
}

function entryProblems(id: string, entry: Evidence): string[] {
  switch (entry.status) {
    case "met":
      return entry.tests.length === 0 ? [`${id}: marked met without any test`] : [];
    case "n/a":
      return entry.reason.trim() === "" ? [`${id}: n/a without a reason`] : [];
    case "not_met":
      return entry.missing.trim() === "" ? [`${id}: not met without saying what is missing`] : [];
    default:
      return [`${id}: unknown status ${JSON.stringify((entry as { status: unknown }).status)}`];
  }
}

export interface Counts {
  l1: number;
  l2: number;
  total: number;
  applicable: number;
  met: number;
  na: number;
  notMet: number;
  unmapped: number;
}

export function countMap(requirements: readonly Requirement[], map: AsvsMap): Counts {
  const c: Counts = { l1: 0, l2: 0, total: requirements.length, applicable: 0, met: 0, na: 0, notMet: 0, unmapped: 0 };
  for (const r of requirements) {
    if (r.level === 1) c.l1++;
    else c.l2++;
    const status = Object.hasOwn(map, r.id) ? map[r.id]?.status : undefined;
    if (status === "met") c.met++;
    else if (status === "n/a") c.na++;
    else if (status === "not_met") c.notMet++;
    else c.unmapped++;
  }
  c.applicable = c.met + c.notMet;
  return c;
}

/** A table cell: one line, pipes escaped. */
export function cell(text: string): string {
  return text.replace(/\s+/g, " ").replaceAll("|", "\\|").trim();
}

/** The requirement in a few words: "Verify that" dropped, cut at a word near `max` characters. */
export function shorten(description: string, max = 110): string {
  const text = description
    .replace(/^Verify that,?\s+/i, "")
    .replace(/\s+/g, " ")
    .trim();
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  if (sentence.length <= max) return sentence;
  const cut = sentence.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max / 2)).replace(/[,;:.]$/, "")}…`;
}

function evidenceCell(id: string, entry: Evidence | undefined, refs: Map<string, RefResult[]>): string {
  if (!entry) return "**no map entry**";
  if (entry.status === "n/a") return cell(entry.reason);
  if (entry.status === "not_met") return cell(`Missing: ${entry.missing}`);
  const tests = (refs.get(id) ?? []).map(
    (r) => `\`${cell(r.ref).replaceAll("`", "'")}\` (${r.problem ? "**NOT PASSED**" : `${r.passed} passed`})`,
  );
  return [entry.config ? cell(`Configuration: ${entry.config}`) : "", `Tests: ${tests.join("; ")}`].filter(Boolean).join(" ");
}

const STATUS_LABEL: Record<Evidence["status"], string> = { met: "met", "n/a": "n/a", not_met: "**not met**" };

export interface RunSummary {
  source: string;
  total: number;
  passed: number;
}

export function renderMarkdown(checked: Checked, map: AsvsMap, run: RunSummary): string {
  const { requirements, refs, problems } = checked;
  const c = countMap(requirements, map);
  const lines: string[] = [
    "# OWASP ASVS 5.0.0, level 2: requirement → evidence",
    "",
    "GENERATED by `npm run asvs` (`test/tools/asvs-report.ts`) from the vendored requirement list",
    "([`asvs/asvs-5.0.0.csv`](asvs/asvs-5.0.0.csv), CC BY-SA 4.0, © OWASP Foundation), the map",
    "([`asvs/map.ts`](asvs/map.ts)) and the vitest run " +
      `\`${run.source}\` (${run.total} tests, ${run.passed} passed). Do not edit; change the map and rerun.`,
    "",
    "A requirement is **met** only when the tests named for it ran in that run and passed (a `file:` entry:",
    "every test of the file); **n/a** says why it does not apply to this API; **not met** says what is missing.",
    "",
    "| requirements | count |",
    "|---|---|",
    `| level 1 | ${c.l1} |`,
    `| level 2 (beyond level 1) | ${c.l2} |`,
    `| total at level ≤ 2 | ${c.total} |`,
    `| applicable (met + not met) | ${c.applicable} |`,
    `| met | ${c.met} |`,
    `| n/a | ${c.na} |`,
    `| not met | ${c.notMet} |`,
  ];
  if (c.unmapped > 0) lines.push(`| without an entry | ${c.unmapped} |`);
  lines.push("");
  if (problems.length > 0) {
    lines.push("## The map does not hold", "", ...problems.map((p) => `- ${cell(p)}`), "");
  }
  const notMet = requirements.filter((r) => map[r.id]?.status === "not_met");
  lines.push("## Not met", "");
  if (notMet.length === 0) lines.push("None.");
  for (const r of notMet) {
    const e = map[r.id];
    lines.push(`- **${r.id}** (L${r.level}) ${cell(shorten(r.description, 90))} — ${e?.status === "not_met" ? cell(e.missing) : ""}`);
  }
  lines.push("");
  const chapters = [...new Set(requirements.map((r) => r.chapterId))];
  for (const chapter of chapters) {
    const rows = requirements.filter((r) => r.chapterId === chapter);
    const cc = countMap(rows, map);
    lines.push(
      `## ${chapter} ${rows[0]?.chapterName ?? ""}`,
      "",
      `${cc.total} requirements: ${cc.met} met, ${cc.na} n/a, ${cc.notMet} not met.`,
      "",
      "| id | L | requirement | status | evidence or reason |",
      "|---|---|---|---|---|",
    );
    for (const r of rows) {
      const e = map[r.id];
      lines.push(
        `| ${r.id} | ${r.level} | ${cell(shorten(r.description))} | ${e ? STATUS_LABEL[e.status] : "**unmapped**"} | ${evidenceCell(r.id, e, refs)} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<number> {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const args = process.argv.slice(2);
  const reportPath = path.resolve(root, argValue(args, "--report") ?? ".data/vitest-report.json");
  const outPath = path.resolve(root, argValue(args, "--out") ?? "test/security/ASVS-L2.md");
  const { ASVS_MAP } = await import("../security/asvs/map.ts");
  const requirements = parseRequirements(readFileSync(path.join(root, "test/security/asvs/asvs-5.0.0.csv"), "utf8"));
  let reportText: string;
  try {
    reportText = readFileSync(reportPath, "utf8");
  } catch (error) {
    console.error(`asvs: cannot read the vitest report ${reportPath} (${(error as Error).message}); CI writes it with`);
    console.error("  npm test -- --reporter=default --reporter=json --outputFile.json=.data/vitest-report.json");
    return 1;
  }
  const report = JSON.parse(reportText) as { numTotalTests?: number; numPassedTests?: number };
  const tests = parseVitestReport(report, root);
  const checked = checkMap(requirements, ASVS_MAP, tests);
  const relative = path.relative(root, reportPath).split(path.sep).join("/");
  const source = relative.startsWith("..") ? reportPath : relative;
  const run = {
    source,
    total: report.numTotalTests ?? tests.length,
    passed: report.numPassedTests ?? tests.filter((t) => t.status === "passed").length,
  };
  writeFileSync(outPath, renderMarkdown(checked, ASVS_MAP, run));
  const c = countMap(checked.requirements, ASVS_MAP);
  console.log(
    `asvs: ${c.total} requirements at level ≤ 2 (${c.l1} L1, ${c.l2} L2): ${c.met} met, ${c.na} n/a, ${c.notMet} not met; wrote ${outPath}`,
  );
  for (const p of checked.problems) console.error(`asvs: ${p}`);
  if (checked.problems.length > 0) console.error(`asvs: the map does not hold (${checked.problems.length} problems)`);
  return checked.problems.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
