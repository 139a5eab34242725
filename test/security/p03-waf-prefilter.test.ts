/**
 * P3 WAF prefilter (src/pipeline/waf/prefilter.ts): on a long value, a pattern rule
 * runs only where its required characters are, so that a body of near-misses at the
 * inspection cap cannot cost tens of milliseconds. It must never change a verdict:
 * every pattern is compared match by match with a walk over the whole value, and
 * the engine's matches with the prefilter on and off, on long values that hold the
 * CRS corpus's requests (read from the corpus file, not copied) between filler text.
 * The request rules' `when` traits are the same kind of shortcut: a rule is skipped on
 * a request without any of its traits, with the same request matches as running all.
 */
import { describe, expect, it } from "vitest";
import cases from "./corpora/crs/regression.json";
import { compileRules, inspect, REQUEST_RULES, VALUE_RULES, type WafRequest } from "../../src/pipeline/waf";
import { eachMatch, patternShape, profileValue, windowedMatch } from "../../src/pipeline/waf/prefilter";
import { LIMIT_RULE_IDS } from "../../src/pipeline/waf/engine";
import { adversarialBodies } from "../bench/waf-adversarial";
import { crsRequest, type CrsCase } from "../waf/crs-cases";
import { trafficRequest, type TrafficCase } from "../waf/traffic";
import traffic from "./corpora/rampart-traffic.json";

const crs = cases as unknown as CrsCase[];
const FILLERS = ["lorem ipsum dolor sit amet, ", "x", "a b c ", "0123456789", "the review found. "];

/** The raw text each CRS request carries (query and body), lower case as the engine sees values. */
const payloads: string[] = crs
  .map((c) => crsRequest(c))
  .map((r) => `${r.target.split("?")[1] ?? ""} ${r.body ?? ""}`.trim().toLowerCase())
  .filter((p) => p !== "");

/** Long values: a few payloads between fillers, one at the very start and one at the very end (for `^` and `$`). */
function longValues(count: number, length: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const filler = FILLERS[k % FILLERS.length] ?? "x";
    const pick = (n: number): string => payloads[(k * 7 + n * 131) % payloads.length] ?? "";
    let middle = "";
    for (let n = 1; middle.length < length; n++) middle += filler.repeat(40 + ((k + n) % 60)) + (n % 3 === 0 ? pick(n) : "");
    out.push(pick(0) + middle + pick(99));
  }
  return out;
}

interface Found {
  readonly index: number;
  readonly text: string;
  readonly group: string | undefined;
}

/** Every match of a global walk over the whole value, as the engine's `accept` loop makes it. */
function wholeWalk(pattern: RegExp, value: string): Found[] {
  const re = new RegExp(pattern.source, "g");
  const found: Found[] = [];
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    found.push({ index: m.index, text: m[0], group: m[1] });
    if (m[0] === "") re.lastIndex++;
  }
  return found;
}

describe("P3 WAF prefilter", () => {
  it("P3: reads the characters every match needs and how far one attempt reads", () => {
    const tag = patternShape(/<[a-z]{1,20}=/);
    expect(tag?.reach).toBe(22);
    expect(tag?.alternatives.map((req) => req.map((set) => set.length))).toEqual([[1, 26, 1]]);
    // A pattern that is one group: each alternative keeps its own requirement.
    const either = patternShape(/(?:a\(|b=\d{1,3})/);
    expect(either?.alternatives).toEqual([
      [[97], [40]],
      [[98], [61], [48, 49, 50, 51, 52, 53, 54, 55, 56, 57]],
    ]);
    // Lookaheads and `\b` read past the match: reach counts them.
    expect(patternShape(/\bab(?=[c-e]{0,4})/)?.reach).toBe(6);
    expect(patternShape(/a+/)?.reach).toBe(Infinity);
    // What it cannot reason about has no shape (it runs on the whole value).
    expect(patternShape(/(?<=ab)c/)).toBeUndefined();
    expect(patternShape(/(?<![a-z]{1,2})b/)).toBeUndefined();
    // A one-character lookbehind reads the character before a start, which every slice keeps.
    expect(patternShape(/(?<![a-z_])b[c-e]{0,4}/)).toMatchObject({ alternatives: [[[98]]], reach: 5 });
    expect(patternShape(/(a)\1/)).toBeUndefined();
    expect(patternShape(/a/i)).toBeUndefined();
    // An octal escape (legacy syntax TypeScript refuses in a literal): built from a string.
    expect(patternShape(new RegExp("\\012"))).toBeUndefined();
  });

  it("P3: skips a rule when a required character is absent, and runs a dense value whole", () => {
    const shape = patternShape(/<[a-z]{1,20}=/);
    if (shape === undefined) throw new Error("no shape");
    const sparse = "<a ".repeat(3000);
    expect(windowedMatch(shape, sparse, profileValue(sparse), () => true)).toBe(false);
    const one = `${"x ".repeat(3000)}<ab=${"y ".repeat(3000)}`;
    expect(windowedMatch(shape, one, profileValue(one), () => true)).toBe(true);
    const dense = "<a=".repeat(3000);
    expect(windowedMatch(shape, dense, profileValue(dense), () => true)).toBeUndefined();
  });

  it("P3: every rule pattern finds the same matches through the prefilter as over the whole value", () => {
    const values = longValues(160, 4000);
    let compared = 0;
    for (const rule of VALUE_RULES) {
      const pattern = rule.pattern;
      const shape = pattern === undefined ? undefined : patternShape(pattern);
      if (pattern === undefined || shape === undefined) continue;
      for (const value of values) {
        const found: Found[] = [];
        const windowed = windowedMatch(shape, value, profileValue(value), (m) => {
          found.push({ index: m.index, text: m[0], group: m[1] });
          return false;
        });
        if (windowed === undefined) continue; // runs whole in the engine
        expect(windowed).toBe(false);
        // Slice-relative indexes differ; the matched texts, in order, must not.
        expect({ rule: rule.id, found: found.map((f) => [f.text, f.group]) }).toEqual({
          rule: rule.id,
          found: wholeWalk(pattern, value).map((f) => [f.text, f.group]),
        });
        compared++;
      }
    }
    // The prefilter did engage on most pairs (not a test that passes by running everything whole).
    expect(compared).toBeGreaterThan(3000);
  });

  it("P3: a detector's walk through eachMatch sees the matches of a walk over the whole value", () => {
    const scheme = /([a-z\t ]{4,60}):/g;
    for (const value of longValues(40, 6000)) {
      const seen: string[] = [];
      expect(eachMatch(scheme, value, (m) => (seen.push(m[1] ?? ""), false))).toBe(false);
      expect(seen).toEqual(wholeWalk(scheme, value).map((f) => f.group ?? ""));
    }
    const value = `${"ab ".repeat(3000)}java script:x`;
    expect(eachMatch(scheme, value, (m) => (m[1] ?? "").endsWith("script"))).toBe(true);
  });

  it("P3: the engine's matches are the same with and without the prefilter, on long bodies and adversarial ones", () => {
    const post = (contentType: string, body: string): WafRequest => ({
      method: "POST",
      target: "/v1/orgs/acme/risks",
      headers: [
        ["host", "api.rampart.example"],
        ["content-type", contentType],
      ],
      body,
    });
    const requests: WafRequest[] = longValues(120, 5000).flatMap((v) => [
      post("application/json", JSON.stringify({ title: "Quarterly review", description: v })),
      post("application/x-www-form-urlencoded", `notes=${encodeURIComponent(v)}`),
      post("text/plain", v),
    ]);
    requests.push(...adversarialBodies(8 * 1024).map((c) => c.request));
    let matched = 0;
    let cut = 0;
    for (const level of [1, 2] as const) {
      const withPrefilter = compileRules(level);
      const without = compileRules(level, { prefilter: false });
      for (const request of requests) {
        const expected = inspect(request, without);
        // Without the prefilter more rules run, so the work budget can stop the walk sooner: compare
        // verdicts only where neither walk was cut short (p03-waf-work-budget covers the rest).
        if (expected.some((m) => m.id === LIMIT_RULE_IDS.work)) {
          cut++;
          continue;
        }
        const actual = inspect(request, withPrefilter);
        if (actual.some((m) => m.id === LIMIT_RULE_IDS.work)) {
          cut++;
          continue;
        }
        if (expected.length > 0) matched++;
        expect(actual).toEqual(expected);
      }
    }
    expect(matched).toBeGreaterThan(100);
    // The adversarial bodies dense in a detector's work characters stop at the budget (one in ten
    // of all); the comparison must still cover the great majority.
    expect(cut).toBeLessThan(requests.length / 8);
  });

  it("P3: a request rule skipped for lack of its traits never matched: the same request matches with and without the shortcut", () => {
    const requests: WafRequest[] = [...crs.map(crsRequest), ...(traffic as unknown as TrafficCase[]).map(trafficRequest)];
    // Each trait's edge: present but empty, present twice, the only thing that makes a rule match.
    const host: [string, string] = ["host", "api.rampart.example"];
    const get = (target: string, headers: [string, string][] = [], body?: string): WafRequest => ({
      method: body === undefined ? "GET" : "POST",
      target,
      headers: [host, ...headers],
      body,
    });
    requests.push(
      get("/x", [["content-length", "abc"]]),
      get("/x", [
        ["content-length", "0"],
        ["transfer-encoding", "chunked"],
      ]),
      get("/x", [["transfer-encoding", "gzip"]]),
      get("/x", [["content-type", ""]]),
      get("/x", [["content-type", "text/html; charset=utf-7"]]),
      get("/x", [["range", "bytes=0-,0-,0-"]]),
      get("/x", [["connection", "keep-alive, close"]]),
      get("/x", [
        ["content-length", "5"],
        ["content-length", "6"],
      ]),
      get("/x?a=%zz"),
      get("/x%c0%ae%c0%ae/"),
      get("/x?a=%252e"),
      get("/config.bak"),
      get("/x", [], "a=b"),
      get(
        "/x",
        [["content-type", "multipart/form-data; boundary=b"]],
        '--b\r\nContent-Disposition: form-data; name="_charset_"\r\n\r\nx\r\n--b--',
      ),
    );
    let matched = 0;
    const fired = new Set<number>();
    for (const level of [1, 2, 3, 4] as const) {
      const withShortcut = compileRules(level);
      const without = compileRules(level, { prefilter: false });
      expect(withShortcut.requestWhen.some((mask) => mask !== 0)).toBe(true);
      for (const request of requests) {
        const expected = inspect(request, without).filter((m) => m.kind === "request");
        const actual = inspect(request, withShortcut).filter((m) => m.kind === "request");
        if (expected.length > 0) matched++;
        for (const m of expected) fired.add(m.id);
        expect(actual).toEqual(expected);
      }
    }
    // Every rule with traits fired somewhere in this sample (not a comparison of empty lists).
    const gated = REQUEST_RULES.filter((r) => r.when !== undefined).map((r) => r.id);
    expect(gated.length).toBeGreaterThan(10);
    expect(gated.filter((id) => !fired.has(id))).toEqual([]);
    expect(matched).toBeGreaterThan(400);
  });
});
