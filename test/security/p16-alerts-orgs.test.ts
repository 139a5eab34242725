/**
 * P16 alerts of organizations: mass deletion (records deleted by one actor in one
 * organization), request spikes per organization and per API key against a moving
 * baseline, their tenant keys in Redis (P12), and what counting costs a request in Redis
 * round trips. Requests go through the worker's app (`createApp`) with `callApp`, which
 * waits for what a request leaves to `waitUntil`; thresholds are lowered per test with env
 * overrides, each env with a Redis key prefix of its own (ALERT_KEY_PREFIX).
 *
 * Attacks and mistakes covered: one actor wiping an organization's records unnoticed; an
 * alert per deletion or per request instead of per window; several actors' deletions
 * added up against one; a leaked API key hammering the API; an outsider making an
 * organization's owners receive spike alerts (only requests the organization admitted
 * count); one organization's counts reaching another's; counter keys without the
 * organization or with raw ids; counting adding a round trip to a request.
 */
import { describe, expect, it } from "vitest";
import { ALERT_KINDS, counterKey, windowOf } from "../../src/alerts";
import { alertEmailsTo, alertEnv, alertEvents, roomInWindow } from "../helpers/alerts";
import { ownerQuery } from "../helpers/identity-ip";
import { addMember, api, orgOf, orgWithRoles, person, type Person } from "../helpers/orgs";
import { apiWith, recordsPath, validBody } from "../helpers/records";
import { directRedis, roundTrips, taggedEnv } from "../helpers/upstash";
import type { Bindings } from "../../src/env";

const prefix = (): string => `p16-${crypto.randomUUID().slice(0, 8)}`;
const QUIET = {
  ALERT_REQUEST_SPIKE_ORG: "off",
  ALERT_REQUEST_SPIKE_API_KEY: "off",
  ALERT_MASS_DELETION: "off",
};

async function emailOf(who: Person): Promise<string> {
  const [row] = await ownerQuery("select email from users where id = $1", [who.id]);
  return String(row?.email);
}

/** Creates `count` risks in `orgId`, one after the other; their ids. */
async function risks(env: Bindings, orgId: string, by: Person, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await apiWith(env, "POST", recordsPath(orgId, "risks"), by.token, validBody("risks"));
    if (response.status !== 201) throw new Error(`creating a risk answered ${response.status}: ${await response.text()}`);
    ids.push((await response.json<{ id: string }>()).id);
  }
  return ids;
}

async function deleteAll(env: Bindings, orgId: string, by: Person, ids: readonly string[]): Promise<void> {
  const answers = await Promise.all(ids.map((id) => apiWith(env, "DELETE", recordsPath(orgId, "risks", id), by.token)));
  expect(answers.map((a) => a.status)).toEqual(ids.map(() => 204));
}

interface CreatedKey {
  readonly id: string;
  readonly key: string;
}

async function apiKey(orgId: string, owner: Person): Promise<CreatedKey> {
  const response = await api("POST", `/v1/orgs/${orgId}/api-keys`, owner.aal2, { name: "alerts", scopes: ["records:read"] });
  if (response.status !== 201) throw new Error(`creating a key answered ${response.status}: ${await response.text()}`);
  return response.json<CreatedKey>();
}

/** `count` record lists of `orgId` at once with `token`; every answer must be `status`. */
async function lists(env: Bindings, orgId: string, token: string, count: number, status = 200): Promise<void> {
  const answers = await Promise.all(Array.from({ length: count }, () => apiWith(env, "GET", recordsPath(orgId, "risks"), token)));
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => status));
}

describe("P16 alerts: mass deletion", () => {
  it("P16: one actor deleting N records alerts the org once (not at N-1, not per deletion past it); its owners and admins are emailed", async () => {
    const env = alertEnv({ ...QUIET, ALERT_KEY_PREFIX: prefix(), ALERT_MASS_DELETION: "3/600" });
    const { orgId, people } = await orgWithRoles();
    const ids = await risks(env, orgId, people.owner, 6);
    await roomInWindow(600, 20_000);
    await deleteAll(env, orgId, people.owner, ids.slice(0, 2));
    expect(await alertEvents({ kind: "mass_deletion", org: orgId })).toHaveLength(0);
    await deleteAll(env, orgId, people.owner, ids.slice(2));
    const events = await alertEvents({ kind: "mass_deletion", org: orgId });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ org_id: orgId, actor_user_id: people.owner.id, severity: "warning" });
    expect(events[0]?.details).toMatchObject({ kind: "mass_deletion", count: 3, threshold: 3, window_seconds: 600, org_id: orgId });
    const [owner, admin, member, auditor] = await Promise.all([people.owner, people.admin, people.member, people.auditor].map(emailOf));
    expect((await alertEmailsTo(owner ?? "")).map((m) => m.subject)).toEqual([`Rampart alert: ${ALERT_KINDS.mass_deletion.title}`]);
    expect(await alertEmailsTo(admin ?? "")).toHaveLength(1);
    expect(await alertEmailsTo(member ?? "")).toHaveLength(0);
    expect(await alertEmailsTo(auditor ?? "")).toHaveLength(0);
    // The organization's auditors see it among its security events.
    const seen = await api("GET", `/v1/orgs/${orgId}/security-events?type=alert_raised`, people.auditor.token);
    expect(seen.status).toBe(200);
    expect(JSON.stringify(await seen.json())).toContain("mass_deletion");
  });

  it("P16 (refuses): deletions by different actors, each below the threshold, do not add up; another org's count is its own", async () => {
    const keyPrefix = prefix();
    const env = alertEnv({ ...QUIET, ALERT_KEY_PREFIX: keyPrefix, ALERT_MASS_DELETION: "3/600" });
    const { orgId, people } = await orgWithRoles();
    const other = await orgWithRoles();
    const [ours, theirs] = await Promise.all([risks(env, orgId, people.owner, 6), risks(env, other.orgId, other.people.owner, 2)]);
    await roomInWindow(600, 20_000);
    await Promise.all([
      deleteAll(env, orgId, people.owner, ours.slice(0, 2)),
      deleteAll(env, orgId, people.admin, ours.slice(2, 4)),
      deleteAll(env, orgId, people.member, ours.slice(4, 6)),
      deleteAll(env, other.orgId, other.people.owner, theirs),
    ]);
    expect(await alertEvents({ kind: "mass_deletion", org: orgId })).toHaveLength(0);
    expect(await alertEvents({ kind: "mass_deletion", org: other.orgId })).toHaveLength(0);
    // P12: the counters are the organization's, one per actor, the actor a keyed hash.
    const keys = await directRedis().keys(`${keyPrefix}:${ALERT_KINDS.mass_deletion.tag}:*`);
    expect(keys.filter((k) => k.includes(`:org:${orgId}:user:`))).toHaveLength(3);
    expect(keys.filter((k) => k.includes(`:org:${other.orgId}:user:`))).toHaveLength(1);
    for (const id of [people.owner.id, people.admin.id, people.member.id]) expect(keys.join()).not.toContain(id);
  });
});

describe("P16 alerts: request spikes", () => {
  it("P16: an API key's requests past the floor (no baseline yet) alert the org once; another key of the org counts apart", async () => {
    const keyPrefix = prefix();
    const env = alertEnv({ ...QUIET, ALERT_KEY_PREFIX: keyPrefix, ALERT_REQUEST_SPIKE_API_KEY: "4/60" });
    const owner = await person("owner");
    const orgId = await orgOf(owner);
    const [hot, calm] = [await apiKey(orgId, owner), await apiKey(orgId, owner)];
    await roomInWindow(60, 25_000);
    await lists(env, orgId, hot.key, 3);
    await lists(env, orgId, calm.key, 3);
    expect(await alertEvents({ kind: "request_spike_api_key", org: orgId })).toHaveLength(0);
    await lists(env, orgId, hot.key, 6);
    const events = await alertEvents({ kind: "request_spike_api_key", org: orgId });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ org_id: orgId, actor_api_key_id: hot.id });
    expect(events[0]?.details).toMatchObject({ api_key_id: hot.id, threshold: 4, baseline: 0, window_seconds: 60 });
    // A baseline kind's threshold moves, so any count past it may be the one whose SET NX wins.
    expect(Number(events[0]?.details.count)).toBeGreaterThanOrEqual(4);
    expect(await alertEmailsTo(await emailOf(owner))).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(hot.key);
    // P12: per-key counters carry the organization and a keyed hash of the key id, never the key or its id.
    const keys = await directRedis().keys(`${keyPrefix}:${ALERT_KINDS.request_spike_api_key.tag}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${keyPrefix}:rsk:org:${orgId}:key:[\\w-]{22}:\\d+(?::fired)?$`));
  });

  it("P16: an organization's requests past factor × its baseline alert its owners and admins once; an org below counts apart", async () => {
    const keyPrefix = prefix();
    const env = alertEnv({
      ...QUIET,
      ALERT_KEY_PREFIX: keyPrefix,
      ALERT_REQUEST_SPIKE_ORG: "3/60",
      ALERT_BASELINE_FACTOR: "2",
      ALERT_BASELINE_WINDOWS: "3",
    });
    const [owner, admin, quietOwner] = await Promise.all([person("owner"), person("admin"), person("owner")]);
    const [orgId, quietOrg] = await Promise.all([orgOf(owner), orgOf(quietOwner)]);
    await addMember(orgId, admin, "admin");
    await roomInWindow(60, 25_000);
    // Usual traffic: 3, 0 and 3 requests in the last three minutes, a mean of 2, so past 4 (2 × 2) it is a spike.
    const now = windowOf(Date.now(), 60);
    const redis = directRedis();
    const tag = ALERT_KINDS.request_spike_org.tag;
    await Promise.all([1, 3].map((back) => redis.set(counterKey(keyPrefix, tag, `org:${orgId}`, now - back), 3, { ex: 600 })));
    await lists(env, orgId, owner.token, 4);
    await lists(env, quietOrg, quietOwner.token, 6);
    expect(await alertEvents({ kind: "request_spike_org", org: orgId })).toHaveLength(0);
    await lists(env, orgId, owner.token, 4);
    const events = await alertEvents({ kind: "request_spike_org", org: orgId });
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ org_id: orgId, threshold: 5, baseline: 2 });
    expect(Number(events[0]?.details.count)).toBeGreaterThanOrEqual(5);
    expect(await alertEmailsTo(await emailOf(owner))).toHaveLength(1);
    expect(await alertEmailsTo(await emailOf(admin))).toHaveLength(1);
    // The quiet org had no baseline: 6 ≥ its floor of 3 is its own spike, and alerts only its owner.
    expect(await alertEvents({ kind: "request_spike_org", org: quietOrg })).toHaveLength(1);
    expect(await alertEmailsTo(await emailOf(quietOwner))).toHaveLength(1);
  });

  it("P16 (refuses): an outsider's requests to an organization are not its traffic: no count, no alert", async () => {
    const keyPrefix = prefix();
    const env = alertEnv({ ...QUIET, ALERT_KEY_PREFIX: keyPrefix, ALERT_REQUEST_SPIKE_ORG: "2/60" });
    const [owner, outsider] = await Promise.all([person("owner"), person("outsider")]);
    const orgId = await orgOf(owner);
    await lists(env, orgId, outsider.token, 5, 404);
    expect(await directRedis().keys(`${keyPrefix}:*`)).toEqual([]);
    expect(await alertEvents({ kind: "request_spike_org", org: orgId })).toHaveLength(0);
  });
});

describe("P16 alerts cost a request no round trip", () => {
  it("P16: an admitted request's counters ride the rate limits' after-response batch: 2 Redis round trips, alerts on or off", async () => {
    const owner = await person("owner");
    const orgId = await orgOf(owner);
    const key = await apiKey(orgId, owner);
    const keyPrefix = prefix();
    const measure = async (overrides: Record<string, string>): Promise<number> => {
      const tag = `p16-alerts-${crypto.randomUUID().slice(0, 8)}`;
      const env = taggedEnv(tag, { RATE_LIMIT_TIMEOUT_MS: "1000", ALERT_KEY_PREFIX: keyPrefix, ...overrides });
      await lists(env, orgId, key.key, 1);
      const before = await roundTrips(tag);
      for (let i = 0; i < 5; i++) await lists(env, orgId, key.key, 1);
      return ((await roundTrips(tag)) - before) / 5;
    };
    await roomInWindow(60, 20_000);
    const off = await measure({ ALERT_REQUEST_SPIKE_ORG: "off", ALERT_REQUEST_SPIKE_API_KEY: "off" });
    const on = await measure({ ALERT_REQUEST_SPIKE_ORG: "1000/60", ALERT_REQUEST_SPIKE_API_KEY: "1000/60" });
    expect({ off, on }).toEqual({ off: 2, on: 2 });
    // …and the counters did count: six requests with the alerts on.
    const count = await directRedis().get(
      counterKey(keyPrefix, ALERT_KINDS.request_spike_org.tag, `org:${orgId}`, windowOf(Date.now(), 60)),
    );
    expect(Number(count)).toBe(6);
  });
});
