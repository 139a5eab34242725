/**
 * P3 false positives: ordinary compliance prose must pass in ANY field, with no
 * route exclusion (test/security/corpora/compliance-prose.json: risk titles,
 * findings, vendor notes, runbook lines, code quoted in notes, in several
 * languages), and the header and cookie sets that browsers and API clients send
 * must never be refused. Each text is sent three ways: as a query parameter, as
 * a JSON body field and as a form field, at the default paranoia level, with no
 * exclusion at all.
 */
import { describe, expect, it } from "vitest";
import { compileRules, inspect, scoreOf, type WafRequest } from "../../src/pipeline/waf";
import corpus from "./corpora/compliance-prose.json";

interface ProseCorpus {
  readonly texts: readonly { readonly class: string; readonly text: string }[];
  readonly headerSets: readonly { readonly name: string; readonly headers: Readonly<Record<string, string>> }[];
  readonly cookieSets: readonly { readonly name: string; readonly cookie: string }[];
}

const THRESHOLD = 5;
const prose = corpus as ProseCorpus;
const rules = compileRules(1, { skipAppRules: true });
const blocked = (request: WafRequest): boolean => scoreOf(inspect(request, rules)) >= THRESHOLD;
const host: [string, string] = ["host", "api.rampart.example"];

const asQuery = (text: string): WafRequest => ({
  method: "GET",
  target: `/v1/orgs/acme/risks?q=${encodeURIComponent(text)}`,
  headers: [host],
  body: undefined,
});
const asJson = (text: string): WafRequest => ({
  method: "POST",
  target: "/v1/orgs/acme/risks",
  headers: [host, ["content-type", "application/json"]],
  body: JSON.stringify({ title: "Quarterly review", description: text, status: "open" }),
});
const asForm = (text: string): WafRequest => ({
  method: "POST",
  target: "/v1/orgs/acme/risks",
  headers: [host, ["content-type", "application/x-www-form-urlencoded"]],
  body: new URLSearchParams({ title: "Quarterly review", notes: text }).toString(),
});

describe("P3 WAF on ordinary compliance prose", () => {
  it("P3: at most 2% of the corpus's texts are refused in any field, and none as a plain sentence of prose", () => {
    const ways = { query: asQuery, json: asJson, form: asForm } as const;
    const refused = new Map<string, string[]>();
    for (const { class: kind, text } of prose.texts) {
      const where = Object.entries(ways).flatMap(([way, build]) => (blocked(build(text)) ? [way] : []));
      if (where.length > 0) refused.set(text, [kind, ...where]);
    }
    const rate = refused.size / prose.texts.length;
    console.log(
      `compliance prose: ${refused.size} of ${prose.texts.length} texts refused in some field (${(rate * 100).toFixed(1)}%)` +
        [...refused].map(([text, [kind, ...where]]) => `\n  [${kind}] ${where.join("+")}: ${JSON.stringify(text.slice(0, 100))}`).join(""),
    );
    expect(prose.texts.length).toBeGreaterThan(300);
    expect(rate).toBeLessThanOrEqual(0.02);
    expect([...refused.values()].filter(([kind]) => kind === "prose" || kind === "multilingual")).toEqual([]);
  });

  it.each(prose.headerSets.map((set) => [set.name, set.headers] as const))("P3: %s's headers pass", (_name, headers) => {
    const request: WafRequest = {
      method: "GET",
      target: "/v1/orgs/acme/risks?status=open",
      headers: [host, ...Object.entries(headers)],
      body: undefined,
    };
    expect(inspect(request, rules).map((m) => m.id)).toEqual([]);
  });

  it.each(prose.cookieSets.map((set) => [set.name, set.cookie] as const))("P3: the %s cookies pass", (_name, cookie) => {
    const request: WafRequest = { method: "GET", target: "/v1/auth/me", headers: [host, ["cookie", cookie]], body: undefined };
    expect(inspect(request, rules).map((m) => m.id)).toEqual([]);
  });
});
