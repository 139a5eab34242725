/**
 * The WAF bench's corpus figures beyond the overall CRS rate: detection per CRS
 * category, detection on leave-rules-out folds, and the compliance-prose block rate.
 *
 * Leave-rules-out folds: the CRS cases are split by CRS rule id into five folds
 * (the sorted rule ids dealt round-robin, so each fold holds every fifth rule and
 * most categories appear in each). Each fold's detection and benign rate is printed,
 * and the worst fold's. A fold's cases share no CRS rule with the other folds, so a
 * rule that matches the payloads one CRS rule's tests use, rather than the attack
 * class, shows up as a fold that scores well below the others. What it cannot
 * measure: Rampart's rules were written with every fold visible, so no fold is truly
 * held out, and the worst fold is an upper bound on held-out generalisation, not an
 * estimate of it. Future rule work should be designed looking at four folds and
 * measured on the fifth.
 */
import type { CrsCase, WafRequest } from "../waf/crs-cases.ts";
import { crsRequest } from "../waf/crs-cases.ts";
import type { Row } from "./table.ts";

/** What a row needs from the engine: does this request reach the threshold? */
export type Blocks = (request: WafRequest) => boolean;

const pct = (x: number): number => Math.round(x * 1000) / 10;
const FOLDS = 5;

interface Tally {
  attacks: number;
  detected: number;
  benign: number;
  blocked: number;
}

/** Attack cases at or below `level` (CRS's own paranoia per test) and every benign case, tallied by `key`. */
function tally(cases: readonly CrsCase[], level: number, blocks: Blocks, key: (c: CrsCase) => string): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (const c of cases) {
    const attack = c.expect === "attack";
    if (attack && (c.paranoia ?? 1) > level) continue;
    const k = key(c);
    const t = out.get(k) ?? { attacks: 0, detected: 0, benign: 0, blocked: 0 };
    const hit = blocks(crsRequest(c));
    if (attack) {
      t.attacks++;
      if (hit) t.detected++;
    } else {
      t.benign++;
      if (hit) t.blocked++;
    }
    out.set(k, t);
  }
  return out;
}

const benignText = (t: Tally): string =>
  t.benign === 0 ? "no benign cases" : `benign blocked ${t.blocked}/${t.benign} = ${pct(t.blocked / t.benign)}%`;

/** One row per CRS category (`REQUEST-942-APPLICATION-ATTACK-SQLI`): detection, with the benign rate in the name. */
export function categoryRows(cases: readonly CrsCase[], level: number, blocks: Blocks): Row[] {
  const byCategory = tally(cases, level, blocks, (c) => c.category.replace(/^REQUEST-/, ""));
  return [...byCategory]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, t]) => ({
      group: "waf",
      name: `CRS PL${level} ${category}: detected ${t.detected}/${t.attacks}; ${benignText(t)}`,
      value: t.attacks === 0 ? 0 : pct(t.detected / t.attacks),
      unit: "%",
    }));
}

/** The fold of every CRS rule id: the sorted ids dealt round-robin (deterministic, balanced). */
export function foldOf(cases: readonly CrsCase[]): ReadonlyMap<number, number> {
  const ids = [...new Set(cases.map((c) => c.rule))].sort((a, b) => a - b);
  return new Map(ids.map((id, i) => [id, i % FOLDS]));
}

/** One row per leave-rules-out fold and one for the worst (lowest detection). */
export function foldRows(cases: readonly CrsCase[], level: number, blocks: Blocks): Row[] {
  const folds = foldOf(cases);
  const byFold = tally(cases, level, blocks, (c) => String(folds.get(c.rule) ?? 0));
  const rows: Row[] = [];
  let worst: { fold: string; t: Tally; detection: number } | undefined;
  for (const [fold, t] of [...byFold].sort(([a], [b]) => a.localeCompare(b))) {
    const detection = t.attacks === 0 ? 0 : t.detected / t.attacks;
    const rules = [...folds.values()].filter((f) => String(f) === fold).length;
    rows.push({
      group: "waf",
      name: `CRS PL${level} fold ${Number(fold) + 1}/${FOLDS} (${rules} CRS rules): detected ${t.detected}/${t.attacks}; ${benignText(t)}`,
      value: pct(detection),
      unit: "%",
    });
    if (worst === undefined || detection < worst.detection) worst = { fold, t, detection };
  }
  if (worst !== undefined)
    rows.push({
      group: "waf",
      name: `CRS PL${level} WORST leave-rules-out fold (fold ${Number(worst.fold) + 1}; an upper bound on held-out detection: every fold was seen)`,
      value: pct(worst.detection),
      unit: "%",
    });
  return rows;
}

/** The compliance-prose corpus (test/security/corpora/compliance-prose.json). */
export interface ProseCorpus {
  readonly texts: readonly { readonly class: string; readonly text: string }[];
  readonly headerSets: readonly { readonly name: string; readonly headers: Readonly<Record<string, string>> }[];
  readonly cookieSets: readonly { readonly name: string; readonly cookie: string }[];
}

const host: [string, string] = ["host", "api.rampart.example"];

/** A prose text the three ways p03-waf-prose.test.ts sends it: query parameter, JSON field, form field. */
function proseRequests(text: string): WafRequest[] {
  return [
    { method: "GET", target: `/v1/orgs/acme/risks?q=${encodeURIComponent(text)}`, headers: [host], body: undefined },
    {
      method: "POST",
      target: "/v1/orgs/acme/risks",
      headers: [host, ["content-type", "application/json"]],
      body: JSON.stringify({ title: "Quarterly review", description: text, status: "open" }),
    },
    {
      method: "POST",
      target: "/v1/orgs/acme/risks",
      headers: [host, ["content-type", "application/x-www-form-urlencoded"]],
      body: new URLSearchParams({ title: "Quarterly review", notes: text }).toString(),
    },
  ];
}

/** Blocked/total for the prose texts (each in three fields), the header sets and the cookie sets, at the app's PL1. */
export function proseRows(prose: ProseCorpus, blocks: Blocks): Row[] {
  const requests = prose.texts.flatMap((t) => proseRequests(t.text));
  const textsBlocked = prose.texts.filter((t) => proseRequests(t.text).some(blocks)).length;
  const requestsBlocked = requests.filter(blocks).length;
  const headerSets = prose.headerSets.filter((s) =>
    blocks({ method: "GET", target: "/v1/orgs/acme/risks?status=open", headers: [host, ...Object.entries(s.headers)], body: undefined }),
  ).length;
  const cookieSets = prose.cookieSets.filter((s) =>
    blocks({ method: "GET", target: "/v1/auth/me", headers: [host, ["cookie", s.cookie]], body: undefined }),
  ).length;
  const row = (name: string, blocked: number, total: number, goal?: { goal: string; ok: boolean }): Row => ({
    group: "waf",
    name: `${name} (${blocked}/${total})`,
    value: pct(blocked / total),
    unit: "%",
    ...goal,
  });
  return [
    row("compliance prose: texts blocked in some field, PL1", textsBlocked, prose.texts.length, {
      goal: "≤ 2",
      ok: textsBlocked / prose.texts.length <= 0.02,
    }),
    row("compliance prose: requests blocked (each text as query, JSON and form field)", requestsBlocked, requests.length),
    row("compliance prose: browser/client header sets blocked", headerSets, prose.headerSets.length, { goal: "= 0", ok: headerSets === 0 }),
    row("compliance prose: cookie sets blocked", cookieSets, prose.cookieSets.length, { goal: "= 0", ok: cookieSets === 0 }),
  ];
}
