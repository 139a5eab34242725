/**
 * P3 WAF work budget: one request may cost the value rules at most
 * INSPECTION_LIMITS.work units (a unit per rule run and per KiB it reads, and on a
 * long value one per occurrence of a detector's work characters past one in 64).
 * What an attacker builds to make every rule run on every value, or a detector stop
 * at every character, is refused (413 `inspection_limit_exceeded`) once it reaches
 * the budget; nothing ordinary comes near it (the densest ordinary body, 64 KiB of
 * prose in ~700 fields, costs ~80% of it). With the score at which the caller refuses
 * (`blockAt`), the engine stops once the matches reach it, with the same verdict.
 * The figures printed here are the calibration the README quotes.
 */
import { describe, expect, it } from "vitest";
import { compileRules, exclusionTest, inspect, scoreOf, type WafExclusion, type WafRequest } from "../../src/pipeline/waf";
import { lastInspectionWork, limitExceeded, LIMIT_RULE_IDS } from "../../src/pipeline/waf/engine";
import { INSPECTION_LIMITS } from "../../src/pipeline/waf/targets";
import { adversarialBodies } from "../bench/waf-adversarial";
import { crsRequest, type CrsCase } from "../waf/crs-cases";
import { trafficRequest, type TrafficCase } from "../waf/traffic";
import cases from "./corpora/crs/regression.json";
import prose from "./corpora/compliance-prose.json";
import traffic from "./corpora/rampart-traffic.json";

const rules = compileRules(1, { skipAppRules: true });
const CAP = 64 * 1024;
const host: [string, string] = ["host", "api.rampart.example"];
const texts = (prose as { texts: { text: string }[] }).texts.map((t) => t.text);

const workOf = (request: WafRequest): number => {
  inspect(request, rules);
  return lastInspectionWork();
};

/** Ordinary prose, as much as fits the cap, in one JSON body: many fields or one long one. */
function proseBodies(): WafRequest[] {
  const fields: Record<string, string> = {};
  let size = 2;
  for (let i = 0; size < CAP - 2048; i++) {
    const text = texts[i % texts.length] ?? "";
    fields[`note_${String(i)}`] = text;
    size += text.length + 16;
  }
  let long = "";
  for (let i = 0; long.length < CAP - 2048; i++) long += `${texts[i % texts.length] ?? ""}\n`;
  const post = (body: string): WafRequest => ({
    method: "POST",
    target: "/v1/orgs/acme/risks",
    headers: [host, ["content-type", "application/json"]],
    body,
  });
  return [post(JSON.stringify(fields)), post(JSON.stringify({ description: long }))];
}

describe("P3 WAF work budget", () => {
  it("P3: ordinary requests stay below the budget: Rampart's traffic and CRS's benign cases under a tenth, 64 KiB bodies of prose under 85%", () => {
    const own = (traffic as unknown as TrafficCase[]).map((c) => workOf(trafficRequest(c)));
    const benign = (cases as unknown as CrsCase[]).filter((c) => c.expect === "benign").map((c) => workOf(crsRequest(c)));
    const bodies = proseBodies().map(workOf);
    const max = (xs: number[]) => Math.max(...xs);
    console.log(
      `WAF work (rule runs, +1 per KiB of a value (+2 on a long one), + dense work characters): own traffic max ${max(own)}, CRS benign max ${max(benign)}, 64 KiB prose bodies ${bodies.join(", ")}; budget ${INSPECTION_LIMITS.work}`,
    );
    expect(own.length).toBeGreaterThan(100);
    expect(max([...own, ...benign])).toBeLessThanOrEqual(INSPECTION_LIMITS.work / 10);
    // The densest ordinary body we could write: 64 KiB of prose in ~700 fields (it costs the
    // isolate about what the worst adversarial body does: the budget cannot be much lower).
    expect(max(bodies)).toBeLessThanOrEqual(INSPECTION_LIMITS.work * 0.85);
  });

  it("P3 (refuses): a body built to make every rule run on every value is refused at the budget, not judged to the end", () => {
    const over: string[] = [];
    let worst = 0;
    for (const { label, request } of adversarialBodies(CAP)) {
      const matches = inspect(request, rules);
      const work = lastInspectionWork();
      worst = Math.max(worst, work);
      // Never more than the budget plus the one value that crossed it.
      expect(work, label).toBeLessThanOrEqual(INSPECTION_LIMITS.work + INSPECTION_LIMITS.length);
      if (matches.some((m) => m.id === LIMIT_RULE_IDS.work)) {
        over.push(label);
        expect(limitExceeded(matches), label).toBe(true);
      }
    }
    console.log(`adversarial bodies at the 64 KiB cap: ${over.length} reach the work budget; the worst stops at ${worst}`);
    expect(over.length).toBeGreaterThan(0);
  });

  it("P3 (refuses): an attack placed after the budget is spent is still refused (413), never waved through", () => {
    const [dense] = adversarialBodies(CAP).filter(({ request }) => {
      inspect(request, rules);
      return lastInspectionWork() > INSPECTION_LIMITS.work;
    });
    expect(dense).toBeDefined();
    const matches = inspect(dense!.request, rules);
    expect(limitExceeded(matches)).toBe(true);
    expect(scoreOf(matches)).toBeGreaterThanOrEqual(1000);
  });

  it("P3 (refuses): a long value dense in a detector's work characters is refused before the detector reads it; the same characters spread like prose's are not", () => {
    const post = (description: string): WafRequest => ({
      method: "POST",
      target: "/v1/orgs/acme/risks",
      headers: [host, ["content-type", "application/json"]],
      body: JSON.stringify({ description }),
    });
    // Separators with no command after them: nothing matches, every one makes the shell rules read on.
    const dense = post("a;b|c ".repeat(10_000));
    const matches = inspect(dense, rules);
    expect(lastInspectionWork()).toBeGreaterThan(INSPECTION_LIMITS.work);
    expect(limitExceeded(matches)).toBe(true);
    // The same separators one per sentence, as a long note holds them: read, nothing to refuse.
    const sparse = post("The review found gaps; the owner fixed them | see the register. ".repeat(900));
    const read = inspect(sparse, rules);
    expect(lastInspectionWork()).toBeLessThan(INSPECTION_LIMITS.work / 2);
    expect(read).toEqual([]);
  });

  it("P3: code quoted in a free-text field its route excludes groups on is not charged for them: a 48 KiB script, SQL or JSON passes; elsewhere the same text is read, and a group left on still fires", () => {
    // The route's own declaration, as the traffic corpus records it (POST a risk: description is free text).
    const route = (traffic as unknown as TrafficCase[]).find((c) => c.method === "POST" && c.path.endsWith("/risks"));
    expect(route?.exclude).toBeDefined();
    const excluded = exclusionTest(route!.exclude as readonly WafExclusion[]);
    const units = [
      'set -eu\nfor f in /var/log/app/*.log; do gzip -9 "$f" && mv "$f.gz" /srv/archive/ || echo "failed: $f" >&2; done\n',
      "SELECT r.id, count(*) AS n FROM risks r JOIN actions a ON a.risk_id = r.id WHERE a.done AND r.title NOT LIKE '%draft%' GROUP BY r.id;\n",
      `${JSON.stringify({ controls: [{ id: 7, tags: ["a", "b"], owner: null, done: true }], next: { page: 2 } })}\n`,
    ];
    const post = (fields: Record<string, string>): WafRequest => ({
      method: "POST",
      target: "/v1/orgs/acme/risks",
      headers: [host, ["content-type", "application/json"]],
      body: JSON.stringify(fields),
    });
    for (const unit of units) {
      const text = unit.repeat(Math.ceil((48 * 1024) / unit.length)).slice(0, 48 * 1024);
      const inField = inspect(post({ title: "Nightly job", description: text }), rules, excluded);
      const spentThere = lastInspectionWork();
      expect(inField, unit).toEqual([]);
      expect(spentThere, unit).toBeLessThan(INSPECTION_LIMITS.work / 2);
      // The same text under a field the route does not exclude runs every group: it costs more.
      inspect(post({ title: "Nightly job", vendor_notes: text }), rules, excluded);
      expect(lastInspectionWork(), unit).toBeGreaterThan(spentThere);
    }
    // The exclusion names groups, not the field: prototype pollution is no group the route excludes there.
    const polluted = inspect(post({ description: "set user.__proto__.isAdmin to true" }), rules, excluded);
    expect(polluted.map((m) => m.group)).toContain("prototype");
  });

  it("P3 (refuses): with blockAt the engine stops once the score reaches it, and every verdict is the same as reading to the end", () => {
    const crs = (cases as unknown as CrsCase[]).map((c) => crsRequest(c));
    const bodies = adversarialBodies(CAP).map((c) => c.request);
    const refused = (matches: readonly { id: number }[]): boolean =>
      scoreOf(matches as Parameters<typeof scoreOf>[0]) >= 5 || limitExceeded(matches as Parameters<typeof limitExceeded>[0]);
    let compared = 0;
    let stoppedEarly = 0;
    for (const request of [...crs, ...bodies]) {
      const whole = inspect(request, rules);
      const wholeWork = lastInspectionWork();
      const stopped = inspect(request, rules, undefined, 5);
      const stoppedWork = lastInspectionWork();
      expect(refused(stopped)).toBe(refused(whole));
      // Below the threshold nothing stopped: the same matches, the same work.
      if (!refused(whole)) expect(stopped).toEqual(whole);
      if (stoppedWork < wholeWork) stoppedEarly++;
      compared++;
    }
    expect(compared).toBeGreaterThan(2000);
    expect(stoppedEarly).toBeGreaterThan(100);
    // A body of attacks costs what its first ones cost: 2,048 fields, each an injection.
    const attacks = Array.from({ length: 2048 }, (_, i) => `f${i}=${encodeURIComponent(`x' or 1=1 -- ${i}`)}`).join("&");
    const request: WafRequest = {
      method: "POST",
      target: "/v1/x",
      headers: [host, ["content-type", "application/x-www-form-urlencoded"]],
      body: attacks,
    };
    inspect(request, rules);
    const whole = lastInspectionWork();
    expect(scoreOf(inspect(request, rules, undefined, 5))).toBeGreaterThanOrEqual(5);
    expect(lastInspectionWork()).toBeLessThan(whole / 100);
  });
});
