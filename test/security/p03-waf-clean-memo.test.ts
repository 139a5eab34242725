/**
 * P3 WAF: the clean values' memo. An isolate remembers the path and header values
 * no rule matched (the same clients send the same User-Agent, Accept and Host on
 * every request) and charges a request that meets one again the work it cost. The
 * memo must never change a verdict: every case of the CRS corpus and of Rampart's
 * own traffic, inspected twice with one compiled table (the second time from the
 * memo), gets the rule ids and the work it gets from a table that remembers nothing.
 */
import { describe, expect, it } from "vitest";
import { compileRules, inspect, scoreOf, type WafRequest } from "../../src/pipeline/waf";
import { lastInspectionWork } from "../../src/pipeline/waf/engine";
import { crsRequest, type CrsCase } from "../waf/crs-cases";
import { trafficRequest, type TrafficCase } from "../waf/traffic";
import cases from "./corpora/crs/regression.json";
import traffic from "./corpora/rampart-traffic.json";

const THRESHOLD = 5;

/** Rule ids and work of one inspection, as the stage sees it (blocking at the threshold) and as log-only mode does (reading on). */
function verdict(request: WafRequest, rules: ReturnType<typeof compileRules>, blockAt: number): string {
  const matches = inspect(request, rules, undefined, blockAt);
  const ids = [...new Set(matches.map((m) => m.id))].sort((a, b) => a - b);
  return `${ids.join(",")} score ${String(scoreOf(matches))} work ${String(lastInspectionWork())}`;
}

const requests: readonly WafRequest[] = [
  ...(cases as unknown as CrsCase[]).map(crsRequest),
  ...(traffic as unknown as TrafficCase[]).map(trafficRequest),
];

const browser = (userAgent: string, path = "/v1/orgs/acme/risks"): WafRequest => ({
  method: "GET",
  target: path,
  headers: [
    ["host", "api.rampart.example"],
    ["user-agent", userAgent],
    ["accept", "application/json, text/plain, */*"],
    ["accept-language", "en-US,en;q=0.9,de;q=0.8"],
  ],
  body: undefined,
});

describe("P3 WAF: clean path and header values are judged once per isolate", () => {
  for (const [mode, blockAt] of [
    ["block", THRESHOLD],
    ["log-only", Infinity],
  ] as const) {
    it(`P3: the memo changes no verdict and no work figure (${mode}: CRS corpus and own traffic, each inspected twice)`, () => {
      const reference = compileRules(1, { skipAppRules: true, remember: false });
      const remembering = compileRules(1, { skipAppRules: true });
      const expected = requests.map((r) => verdict(r, reference, blockAt));
      const first = requests.map((r) => verdict(r, remembering, blockAt));
      const second = requests.map((r) => verdict(r, remembering, blockAt));
      expect(first).toEqual(expected);
      expect(second).toEqual(expected);
      // Both sides are exercised: over a thousand cases with matches, over a thousand without.
      expect(expected.filter((v) => v.startsWith(" ")).length).toBeGreaterThan(1000);
      expect(expected.filter((v) => !v.startsWith(" ")).length).toBeGreaterThan(1000);
    });
  }

  it("P3 (refuses): an attack in a header or the path is refused every time it comes, after clean values and between them", () => {
    const rules = compileRules(1, { skipAppRules: true });
    const clean = browser("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");
    const attacks = [browser("<script>alert(document.cookie)</script>"), browser("curl/8.4.0", "/v1/orgs/acme/../../etc/passwd")];
    for (let round = 0; round < 3; round++) {
      expect(inspect(clean, rules, undefined, THRESHOLD)).toEqual([]);
      for (const attack of attacks) expect(scoreOf(inspect(attack, rules, undefined, THRESHOLD))).toBeGreaterThanOrEqual(THRESHOLD);
    }
  });

  it("P3: a remembered value is charged the work it cost, so the work budget counts it as before", () => {
    const rules = compileRules(1, { skipAppRules: true });
    const request = browser(
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
    );
    inspect(request, rules);
    const judged = lastInspectionWork();
    inspect(request, rules);
    expect(judged).toBeGreaterThan(0);
    expect(lastInspectionWork()).toBe(judged);
  });

  it("P3: a sender of ever new header values gets the same verdicts past the memo's bound (it starts again, it does not grow)", () => {
    const reference = compileRules(1, { skipAppRules: true, remember: false });
    const rules = compileRules(1, { skipAppRules: true });
    for (let i = 0; i < 3000; i++) {
      // Every 7th value is an attack: none of them may ever be taken for a remembered clean one.
      const agent = i % 7 === 0 ? `agent/${String(i)} <img src=x onerror=alert(${String(i)})>` : `agent/${String(i)} (compatible; probe)`;
      const request = browser(agent);
      expect(verdict(request, rules, THRESHOLD)).toBe(verdict(request, reference, THRESHOLD));
    }
  });
});
