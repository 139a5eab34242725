/**
 * P3 WAF against injection classes it has never seen as samples: shell, SQL
 * (Postgres first), traversal and local files, SSRF, NoSQL operators and
 * prototype pollution paths. The cases (test/security/corpora/own-attacks/*.json)
 * are written from each class's grammar by Rampart's engineers, not copied from
 * any corpus: an attack must be refused wherever a client can put it (query
 * argument, JSON field, header, cookie, path), and each file's look-alikes
 * (prose that names the same words) must pass. The CRS figures of the matching
 * categories are logged and held to a floor.
 */
import { describe, expect, it } from "vitest";
import { compileRules, inspect, looksLikeSqlInjection, scoreOf, type WafRequest } from "../../src/pipeline/waf";
import { isInternalHost } from "../../src/pipeline/waf/rules/hosts";
import { canonicalPath } from "../../src/pipeline/waf/rules/locations";
import { replay, type CrsCase } from "../waf/crs-cases";
import cases from "./corpora/crs/regression.json";
import nosqlCases from "./corpora/own-attacks/nosql.json";
import shellCases from "./corpora/own-attacks/shell.json";
import sqlCases from "./corpora/own-attacks/sql.json";
import ssrfCases from "./corpora/own-attacks/ssrf.json";
import traversalCases from "./corpora/own-attacks/traversal.json";

interface Case {
  readonly class: string;
  readonly value: string;
}
interface CaseFile {
  readonly attacks: readonly Case[];
  readonly lookalikes: readonly Case[];
}

const THRESHOLD = 5;
const rules = compileRules(1, { skipAppRules: true });
const host: [string, string] = ["host", "api.rampart.example"];
const refused = (request: WafRequest): boolean => scoreOf(inspect(request, rules)) >= THRESHOLD;

/** The ways a client can carry one value: each builds the request with `value` in that place. */
const PLACES = {
  query: (value: string): WafRequest => ({
    method: "GET",
    target: `/v1/orgs/acme/evidence?file=${encodeURIComponent(value)}`,
    headers: [host],
    body: undefined,
  }),
  json: (value: string): WafRequest => ({
    method: "POST",
    target: "/v1/orgs/acme/evidence",
    headers: [host, ["content-type", "application/json"]],
    body: JSON.stringify({ title: "Q3 evidence", source: value }),
  }),
  // Percent-encoded as a client must encode a header's or a cookie's CR, LF, `;` or non-ASCII; the WAF decodes it.
  header: (value: string): WafRequest => ({
    method: "GET",
    target: "/v1/orgs/acme/evidence",
    headers: [host, ["x-evidence-source", encodeURIComponent(value)]],
    body: undefined,
  }),
  cookie: (value: string): WafRequest => ({
    method: "GET",
    target: "/v1/orgs/acme/evidence",
    headers: [host, ["cookie", `theme=dark; last_source=${encodeURIComponent(value)}`]],
    body: undefined,
  }),
  path: (value: string): WafRequest => ({
    method: "GET",
    target: `/v1/orgs/acme/evidence/${encodeURIComponent(value)}`,
    headers: [host],
    body: undefined,
  }),
} as const;
type Place = keyof typeof PLACES;

/** The places where `value` got through, for a readable failure. */
function passedIn(value: string, places: readonly Place[]): Place[] {
  return places.filter((place) => !refused(PLACES[place](value)));
}

/** Every attack refused in each of `places`, every look-alike passing in query and JSON. */
function checkFile(file: CaseFile, places: readonly Place[], minimum: number): void {
  expect(file.attacks.length).toBeGreaterThanOrEqual(minimum);
  const missed = file.attacks.flatMap((c) => {
    const where = passedIn(c.value, places);
    return where.length === 0 ? [] : [`[${c.class}] ${JSON.stringify(c.value)} passed in ${where.join(", ")}`];
  });
  expect(missed).toEqual([]);
  const blocked = file.lookalikes.filter((c) => refused(PLACES.query(c.value)) || refused(PLACES.json(c.value)));
  expect(blocked.map((c) => c.value)).toEqual([]);
}

describe("P3 WAF on injection classes written from their grammar", () => {
  it("P3 (refuses): SQL injection (tautologies without `=`, NOT/IS/IN/BETWEEN, nested sub-selects, Postgres quoting, casts, COPY … PROGRAM) is refused in every place", () => {
    checkFile(sqlCases, ["query", "json", "header", "cookie", "path"], 30);
  });

  it("P3 (refuses): command injection (living-off-the-land binaries, interpreters, wrappers, quoting and $IFS tricks) is refused in every place", () => {
    checkFile(shellCases, ["query", "json", "header", "cookie"], 30);
  });

  it("P3 (refuses): command injection after a separator is refused in the path too", () => {
    const separated = (shellCases as CaseFile).attacks.filter((c) => /^report\.pdf[;|&]/.test(c.value));
    expect(separated.length).toBeGreaterThan(20);
    expect(separated.filter((c) => passedIn(c.value, ["path"]).length > 0).map((c) => c.value)).toEqual([]);
  });

  it("P3 (refuses): traversal and local files (dot segments, Windows paths, exotic encodings and separators) are refused in every place", () => {
    checkFile(traversalCases, ["query", "json", "header", "cookie"], 30);
  });

  it("P3 (refuses): a URL to an internal address in any spelling is refused where the server could fetch it (query, JSON, cookie)", () => {
    checkFile(ssrfCases, ["query", "json", "cookie"], 30);
  });

  const nosql = nosqlCases as CaseFile;
  const nosqlRequest = (c: Case): WafRequest => {
    switch (c.class) {
      case "json-key":
      case "prototype-json":
      case "json":
        return {
          method: "POST",
          target: "/v1/orgs/acme/risks/search",
          headers: [host, ["content-type", "application/json"]],
          body: c.value,
        };
      case "query-name":
      case "query":
        return { method: "GET", target: `/v1/orgs/acme/risks?${c.value}`, headers: [host], body: undefined };
      case "json-in-value":
      case "where-js":
      case "where-prose":
        return PLACES.query(c.value);
      default:
        return { method: "GET", target: c.value, headers: [host], body: undefined };
    }
  };

  it("P3 (refuses): NoSQL operators as JSON keys, query names or JSON in a value, `$where` break-outs, and prototype paths, are refused", () => {
    const attacks = nosql.attacks.filter((c) => !c.class.startsWith("prototype") && c.class !== "where-js");
    expect(attacks.length).toBeGreaterThanOrEqual(30);
    expect(nosql.attacks.filter((c) => !refused(nosqlRequest(c))).map((c) => `[${c.class}] ${c.value}`)).toEqual([]);
    expect(nosql.attacks.filter((c) => c.class === "json-in-value" && !refused(PLACES.json(c.value))).map((c) => c.value)).toEqual([]);
  });

  it("P3: JSON Schema keys, prices and prose about operators pass", () => {
    expect(nosql.lookalikes.filter((c) => refused(nosqlRequest(c))).map((c) => c.value)).toEqual([]);
  });
});

describe("P3 WAF units for the classes above", () => {
  it.each([
    "acme' or not false or '",
    "acme\\' or true--",
    "7 or 1 in (1)",
    "7 or 'a' is not null",
    "acme' or e'1'=e'1' or '",
    "acme' or $q$x$q$ is not null--",
    "1; copy audit from program 'id'",
  ])("P3 (refuses): %s reads as SQL injection", (value) => {
    expect(looksLikeSqlInjection(value)).toBe(true);
  });

  it.each(["1 or more owners", "copy the evidence to the program folder", "cost: $$ (medium)", "it's not false, it's pending"])(
    "P3: %s does not read as SQL injection",
    (value) => {
      expect(looksLikeSqlInjection(value)).toBe(false);
    },
  );

  it.each([
    "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]",
    "[fd00:ec2::254]",
    "127\u30020\u30020\u30021",
    "10.0.0.1.nip.io",
    "169-254-169-254.sslip.io",
    "7f000001.nip.io",
    "lvh.me",
    "localhost.",
  ])("P3 (refuses): %s is internal", (hostname) => {
    expect(isInternalHost(hostname)).toBe(true);
  });

  it.each(["[::ffff:8.8.8.8]", "8.8.8.8.nip.io", "nip.io", "0.171.205.239", "example.me"])("P3: %s is not internal", (hostname) => {
    expect(isInternalHost(hostname)).toBe(false);
  });

  it("P3: dot segments, repeated and spelled-out separators fold to the path a file API opens", () => {
    expect(canonicalPath("/etc/.//./passwd")).toBe("/etc/passwd");
    expect(canonicalPath("..0x2f..0x5cetc")).toBe("../../etc");
    expect(canonicalPath("docs/../x")).toBe("docs/../x");
  });
});

describe("P3 WAF on the CRS categories of these classes", () => {
  const crs = cases as unknown as CrsCase[];
  // Floors a little under the figures measured when the detectors above were written.
  const FLOORS: Readonly<Record<string, number>> = {
    "REQUEST-930-APPLICATION-ATTACK-LFI": 0.85,
    "REQUEST-932-APPLICATION-ATTACK-RCE": 0.78,
    "REQUEST-934-APPLICATION-ATTACK-GENERIC": 0.9,
    "REQUEST-942-APPLICATION-ATTACK-SQLI": 0.75,
  };

  it("P3 (refuses): the LFI, RCE, generic (SSRF, NoSQL, prototype) and SQLi categories stay at their detection floors at paranoia 1", () => {
    const blocks = (request: WafRequest): boolean => refused(request);
    const figures = Object.entries(FLOORS).map(([category, floor]) => {
      const row = replay(
        crs.filter((c) => c.category === category),
        1,
        blocks,
      );
      return { category, floor, row };
    });
    console.log(
      figures
        .map(({ category, row }) => `${category}: ${row.detected}/${row.attacks} detected, ${row.blocked}/${row.benign} benign blocked`)
        .join("\n"),
    );
    for (const { floor, row } of figures) expect(row.detection).toBeGreaterThanOrEqual(floor);
  });
});
