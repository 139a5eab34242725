/**
 * P3 WAF measured against corpora, in the WAF stage itself (not the router):
 * the OWASP CRS regression cases (test/security/corpora/crs, replayed the way
 * CRS's runner completes them: see test/waf/crs-cases.ts) at paranoia 1 and 2,
 * and Rampart's own traffic (test/security/corpora/rampart-traffic.json: every
 * route group of the API, with the exclusions its route declares). Goals: detection
 * ≥ 85% at both levels, fewer benign blocks than CRS 3.3.4 (22.6% at PL1, 30.7%
 * at PL2), no false positive on Rampart's own traffic at the default level.
 */
import { describe, expect, it } from "vitest";
import cases from "./corpora/crs/regression.json";
import { compileRules, exclusionTest, inspect, scoreOf, type WafExclusion, type WafRequest } from "../../src/pipeline/waf";
import { replay, type CrsCase } from "../waf/crs-cases";
import { trafficRequest, type TrafficCase } from "../waf/traffic";
import traffic from "./corpora/rampart-traffic.json";

const THRESHOLD = 5;
const crs = cases as unknown as CrsCase[];
const own = traffic as unknown as TrafficCase[];
const blocks = (level: 1 | 2) => {
  const rules = compileRules(level);
  return (request: WafRequest): boolean => scoreOf(inspect(request, rules)) >= THRESHOLD;
};

describe("P3 WAF against the CRS regression corpus", () => {
  it("P3 (refuses): detects ≥ 85% of attacks and blocks fewer benign cases than CRS, at paranoia 1 and 2", () => {
    const pl1 = replay(crs, 1, blocks(1));
    const pl2 = replay(crs, 2, blocks(2));
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    // workerd does not forward console.table; a plain table is one log line.
    const rows = [pl1, pl2].map((r) => [
      `PL${r.paranoia}`,
      `${r.detected}/${r.attacks}`,
      pct(r.detection),
      `${r.blocked}/${r.benign}`,
      pct(r.benignBlockRate),
      r.paranoia === 1 ? "71.5% / 22.6%" : "70.0% / 30.7%",
    ]);
    const head = ["level", "attacks detected", "detection", "benign blocked", "benign rate", "CRS 3.3.4 (det. / benign)"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
    console.log(["CRS regression corpus, replayed into the WAF stage", line(head), ...rows.map(line)].join("\n"));
    expect(pl1.detection).toBeGreaterThanOrEqual(0.85);
    expect(pl2.detection).toBeGreaterThanOrEqual(0.85);
    expect(pl1.benignBlockRate).toBeLessThan(0.226);
    expect(pl2.benignBlockRate).toBeLessThan(0.307);
  });
});

describe("P3 WAF on Rampart's own traffic", () => {
  it("P3: no request of Rampart's own traffic is blocked at the default level", () => {
    const rules = compileRules(1, { skipAppRules: true });
    const blocked = own.filter(
      (c) => scoreOf(inspect(trafficRequest(c), rules, exclusionTest((c.exclude ?? []) as readonly WafExclusion[]))) >= THRESHOLD,
    );
    console.log(`own traffic: ${blocked.length} of ${own.length} requests blocked at paranoia 1`);
    expect(own.length).toBeGreaterThan(100);
    expect(blocked.map((c) => `${c.method} ${c.path}`)).toEqual([]);
  });

  it("P3: the corpus covers every route group of the API", () => {
    const paths = own.map((c) => c.path);
    for (const prefix of [
      "/healthz",
      "/readyz",
      "/.well-known/",
      "/v1/auth/",
      "/v1/orgs",
      "/members",
      "/api-keys",
      "/webhooks/stripe",
      "/oauth/bank/callback",
      "/v1/admin/",
      "/audit-log",
      "/files/",
    ]) {
      expect(
        paths.some((p) => p.includes(prefix)),
        prefix,
      ).toBe(true);
    }
    for (const resource of ["risks", "vendors", "incidents", "policies", "trainings", "controls", "assessments", "evidence"]) {
      expect(
        own.some((c) => c.method === "POST" && c.path.endsWith(`/${resource}`)),
        resource,
      ).toBe(true);
    }
  });

  it("P3 (refuses): the free-text quotes in the corpus would be blocked without their route's exclusion", () => {
    const rules = compileRules(1, { skipAppRules: true });
    const quoting = own.filter((c) => c.exclude !== undefined && scoreOf(inspect(trafficRequest(c), rules)) >= THRESHOLD);
    // The incident write-up and the policy quote attacks: the exclusion is what lets them in.
    expect(quoting.length).toBeGreaterThanOrEqual(2);
  });
});
