/**
 * P16 alerts fed by sign-ins: failed logins per account, per network (IPv4 /24) and
 * platform-wide against a moving baseline, and refresh-token reuse. Requests go through
 * the worker's app (`createApp`, as the entry point builds it) with `callApp`, which
 * waits for what a request leaves to `waitUntil`: the counting, the event and the email
 * are all done when a request returns. Thresholds are lowered per test with env
 * overrides, and each env has a Redis key prefix of its own (ALERT_KEY_PREFIX), so
 * neither other files' sign-ins nor a real Redis reused across runs reach its counters.
 *
 * Attacks and mistakes covered: an alert per request instead of per window (a flood of
 * failures becomes a flood of emails), concurrent requests each seeing the crossing, an
 * alert one short of its threshold, one account's failures alerting another, a spike
 * that is the platform's usual volume, and alerts leaking a raw address, email or token.
 */
import { describe, expect, it } from "vitest";
import { counterKey, networkPseudonym, windowOf } from "../../src/alerts";
import { ALERT_KINDS } from "../../src/alerts";
import { alertEmailsTo, alertEnv, alertEvents, operatorAddress, roomInWindow, nextWindow } from "../helpers/alerts";
import { newEmail, strongPassword } from "../helpers/identity";
import { captureLogs } from "../helpers/logs";
import { ownerQuery, randomIp } from "../helpers/identity-ip";
import { post, refresh, sessionOf, signedInUser, verifiedUser, type User } from "../helpers/session-client";
import { directRedis } from "../helpers/upstash";
import { testEnv } from "../helpers/worker";
import type { Bindings } from "../../src/env";

const prefix = (): string => `p16-${crypto.randomUUID().slice(0, 8)}`;
const OFF = { ALERT_FAILED_LOGINS_ACCOUNT: "off", ALERT_FAILED_LOGINS_NETWORK: "off", ALERT_FAILED_LOGINS_PLATFORM: "off" };
const secret = testEnv.IDENTIFIER_HASH_SECRET ?? "";

/** A failed login: `user`'s address with a wrong password, or an address no account has. */
function failLogin(env: Bindings, user?: User, ip: string = randomIp()): Promise<Response> {
  const body = { email: user?.email ?? newEmail("nobody"), password: strongPassword() };
  return post("/v1/auth/login", body, { env, ip });
}

/** `count` failed logins at once; their request ids. */
async function failLogins(env: Bindings, count: number, user?: User, ip?: () => string): Promise<string[]> {
  const answers = await Promise.all(Array.from({ length: count }, () => failLogin(env, user, ip?.())));
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 401));
  return answers.map((a) => a.headers.get("x-request-id") ?? "");
}

/** Addresses of one random IPv4 /24. */
function network(): { prefix: string; ip: () => string } {
  const bytes = crypto.getRandomValues(new Uint8Array(2));
  const net = `10.${bytes[0] ?? 0}.${bytes[1] ?? 0}`;
  let host = 0;
  return { prefix: net, ip: () => `${net}.${(host = (host % 250) + 1)}` };
}

describe("P16 alerts: failed logins per account", () => {
  it("P16: no alert at N-1 failed logins; at N exactly one event and one email to the holder, however many arrive at once", async () => {
    const env = alertEnv({ ...OFF, ALERT_KEY_PREFIX: prefix(), ALERT_FAILED_LOGINS_ACCOUNT: "4/900" });
    const user = await verifiedUser();
    await roomInWindow(900, 15_000);
    for (let i = 0; i < 3; i++) await failLogins(env, 1, user);
    expect(await alertEvents({ kind: "failed_logins_account", details: { user_id: user.id } })).toHaveLength(0);
    expect(await alertEmailsTo(user.email)).toHaveLength(0);
    // Six at once: only the one INCR that answers 4 raises the alert.
    await failLogins(env, 6, user);
    const events = await alertEvents({ kind: "failed_logins_account", details: { user_id: user.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ org_id: null, actor_user_id: user.id, severity: "warning" });
    expect(events[0]?.details).toMatchObject({ kind: "failed_logins_account", count: 4, threshold: 4, window_seconds: 900 });
    const emails = await alertEmailsTo(user.email);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toBe(`Rampart alert: ${ALERT_KINDS.failed_logins_account.title}`);
  });

  it("P16 (refuses): another account's failed logins count apart, and an account's alert tells nobody else", async () => {
    const env = alertEnv({ ...OFF, ALERT_KEY_PREFIX: prefix(), ALERT_FAILED_LOGINS_ACCOUNT: "3/900" });
    const [a, b] = await Promise.all([verifiedUser(), verifiedUser()]);
    await roomInWindow(900, 15_000);
    await Promise.all([failLogins(env, 2, a), failLogins(env, 2, b)]);
    await failLogins(env, 1, a);
    expect(await alertEvents({ kind: "failed_logins_account", details: { user_id: a.id } })).toHaveLength(1);
    expect(await alertEvents({ kind: "failed_logins_account", details: { user_id: b.id } })).toHaveLength(0);
    expect(await alertEmailsTo(a.email)).toHaveLength(1);
    expect(await alertEmailsTo(b.email)).toHaveLength(0);
  });

  it("P16: the same account alerts again in the next window, and only then", async () => {
    const env = alertEnv({ ...OFF, ALERT_KEY_PREFIX: prefix(), ALERT_FAILED_LOGINS_ACCOUNT: "2/6" });
    const user = await verifiedUser();
    await nextWindow(6);
    await failLogins(env, 2, user);
    await failLogins(env, 2, user);
    expect(await alertEvents({ kind: "failed_logins_account", details: { user_id: user.id } })).toHaveLength(1);
    await nextWindow(6);
    await failLogins(env, 1, user);
    expect(await alertEvents({ kind: "failed_logins_account", details: { user_id: user.id } })).toHaveLength(1);
    await failLogins(env, 1, user);
    const events = await alertEvents({ kind: "failed_logins_account", details: { user_id: user.id } });
    expect(events).toHaveLength(2);
    expect(events[0]?.details.window_start).not.toBe(events[1]?.details.window_start);
    expect(await alertEmailsTo(user.email)).toHaveLength(2);
  });

  it("P16 (refuses): a right password on an unverified address is not a failed login to alert on", async () => {
    const env = alertEnv({ ...OFF, ALERT_KEY_PREFIX: prefix(), ALERT_FAILED_LOGINS_ACCOUNT: "1/900" });
    const account = { email: newEmail("unverified"), password: strongPassword(), name: "Unverified" };
    expect((await post("/v1/auth/signup", account)).status).toBe(201);
    const answer = await post("/v1/auth/login", { email: account.email, password: account.password }, { env });
    expect(answer.status).toBe(403);
    const [row] = await ownerQuery("select id from users where email = $1", [account.email]);
    expect(await alertEvents({ kind: "failed_logins_account", details: { user_id: String(row?.id) } })).toHaveLength(0);
    // A wrong password on the same address is one (the rule alerts at the first).
    expect((await post("/v1/auth/login", { email: account.email, password: strongPassword() }, { env })).status).toBe(401);
    expect(await alertEvents({ kind: "failed_logins_account", details: { user_id: String(row?.id) } })).toHaveLength(1);
  });
});

describe("P16 alerts: failed logins per network and platform-wide", () => {
  it("P16: failed logins from one /24 alert the operators once, with a pseudonym of the range; another /24 counts apart", async () => {
    const operator = operatorAddress();
    const env = alertEnv({ ...OFF, ALERT_KEY_PREFIX: prefix(), ALERT_FAILED_LOGINS_NETWORK: "3/900", ALERT_OPERATOR_EMAILS: operator });
    const [hot, quiet] = [network(), network()];
    await roomInWindow(900, 15_000);
    await failLogins(env, 2, undefined, hot.ip);
    await failLogins(env, 2, undefined, quiet.ip);
    const hotPseudonym = await networkPseudonym(secret, hot.ip());
    const quietPseudonym = await networkPseudonym(secret, quiet.ip());
    expect(await alertEvents({ kind: "failed_logins_network", details: { network: hotPseudonym ?? "" } })).toHaveLength(0);
    await failLogins(env, 4, undefined, hot.ip);
    const events = await alertEvents({ kind: "failed_logins_network", details: { network: hotPseudonym ?? "" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ org_id: null, actor_user_id: null });
    expect(events[0]?.details).toMatchObject({ count: 3, threshold: 3 });
    expect(JSON.stringify(events[0])).not.toContain(hot.prefix);
    expect(await alertEvents({ kind: "failed_logins_network", details: { network: quietPseudonym ?? "" } })).toHaveLength(0);
    const emails = await alertEmailsTo(operator);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.text).not.toContain(hot.prefix);
  });

  it("P16: platform-wide failed logins alert the operators once at the floor when there is no baseline (not one short of it)", async () => {
    const operator = operatorAddress();
    const env = alertEnv({ ...OFF, ALERT_KEY_PREFIX: prefix(), ALERT_FAILED_LOGINS_PLATFORM: "4/300", ALERT_OPERATOR_EMAILS: operator });
    await roomInWindow(300, 20_000);
    const below = await failLogins(env, 3);
    expect(await alertEmailsTo(operator)).toHaveLength(0);
    const past = await failLogins(env, 5);
    expect(await alertEmailsTo(operator)).toHaveLength(1);
    const events = (await alertEvents({ kind: "failed_logins_platform" })).filter((e) => [...below, ...past].includes(e.request_id ?? ""));
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ threshold: 4, baseline: 0 });
    // The failures run concurrently: the count is the one of whichever request won the window's marker.
    expect(Number(events[0]?.details.count)).toBeGreaterThanOrEqual(4);
    expect(Number(events[0]?.details.count)).toBeLessThanOrEqual(8);
  });

  it("P16 (refuses): platform-wide failures above the floor but within factor × the baseline do not alert; past it, once", async () => {
    const operator = operatorAddress();
    const keyPrefix = prefix();
    const env = alertEnv({
      ...OFF,
      ALERT_KEY_PREFIX: keyPrefix,
      ALERT_FAILED_LOGINS_PLATFORM: "3/300",
      ALERT_BASELINE_FACTOR: "1.5",
      ALERT_BASELINE_WINDOWS: "2",
      ALERT_OPERATOR_EMAILS: operator,
    });
    await roomInWindow(300, 30_000);
    // The two previous windows saw 4 failures each: the usual volume is 4, so 7 (> 1.5 × 4) is the threshold.
    const now = windowOf(Date.now(), 300);
    const redis = directRedis();
    await Promise.all(
      [1, 2].map((back) => redis.set(counterKey(keyPrefix, ALERT_KINDS.failed_logins_platform.tag, "all", now - back), 4, { ex: 900 })),
    );
    const within = await failLogins(env, 6);
    expect(await alertEmailsTo(operator)).toHaveLength(0);
    const past = await failLogins(env, 3);
    expect(await alertEmailsTo(operator)).toHaveLength(1);
    const events = (await alertEvents({ kind: "failed_logins_platform" })).filter((e) => [...within, ...past].includes(e.request_id ?? ""));
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({ threshold: 7, baseline: 4, window_start: new Date(now * 300_000).toISOString() });
    expect(Number(events[0]?.details.count)).toBeGreaterThanOrEqual(7);
    expect(Number(events[0]?.details.count)).toBeLessThanOrEqual(9);
  });
});

describe("P16 alerts: refresh-token reuse", () => {
  it("P16: every reused refresh token alerts its holder, once per session: a replay of a revoked session's token adds none", async () => {
    const env = alertEnv({ ...OFF, ALERT_KEY_PREFIX: prefix(), REFRESH_REUSE_GRACE_SECONDS: "0" });
    const { user, session } = await signedInUser();
    expect((await refresh(session.refresh_token, { env })).status).toBe(200);
    expect((await refresh(session.refresh_token, { env })).status).toBe(401);
    expect((await refresh(session.refresh_token, { env })).status).toBe(401);
    const events = await alertEvents({ kind: "refresh_token_reuse", details: { user_id: user.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ org_id: null, actor_user_id: user.id });
    expect(events[0]?.details).toMatchObject({ session_id: session.session_id, count: 1, threshold: 1 });
    expect(await alertEmailsTo(user.email)).toHaveLength(1);
    // Another session of the same holder reused: an alert of its own.
    const second = await sessionOf(user);
    expect((await refresh(second.refresh_token, { env })).status).toBe(200);
    expect((await refresh(second.refresh_token, { env })).status).toBe(401);
    const both = await alertEvents({ kind: "refresh_token_reuse", details: { user_id: user.id } });
    expect(both.map((e) => e.details.session_id)).toEqual([session.session_id, second.session_id]);
    const emails = await alertEmailsTo(user.email);
    expect(emails).toHaveLength(2);
    for (const email of emails) expect(email.text).not.toMatch(/rt_[\w-]{20,}/);
  });
});

describe("P16 alerts carry no secrets", () => {
  it("P16: an alert's log line, stored details and email hold no raw address, email, password or token", async () => {
    const operator = operatorAddress();
    const env = alertEnv({
      ALERT_KEY_PREFIX: prefix(),
      ALERT_FAILED_LOGINS_ACCOUNT: "2/900",
      ALERT_FAILED_LOGINS_NETWORK: "2/900",
      ALERT_FAILED_LOGINS_PLATFORM: "off",
      ALERT_OPERATOR_EMAILS: operator,
    });
    const user = await verifiedUser();
    const net = network();
    const ips = [net.ip(), net.ip()];
    const passwords = [strongPassword(), strongPassword()];
    await roomInWindow(900, 15_000);
    const logs = captureLogs();
    try {
      for (const [i, ip] of ips.entries()) {
        expect((await post("/v1/auth/login", { email: user.email, password: passwords[i] }, { env, ip })).status).toBe(401);
      }
    } finally {
      logs.restore();
    }
    const lines = logs.lines().filter((line) => line.event === "security.alert_raised");
    expect(lines.map((line) => line.kind).sort()).toEqual(["failed_logins_account", "failed_logins_network"]);
    const stored = [
      ...(await alertEvents({ kind: "failed_logins_account", details: { user_id: user.id } })),
      ...(await alertEvents({ kind: "failed_logins_network", details: { network: (await networkPseudonym(secret, ips[0])) ?? "" } })),
    ];
    expect(stored).toHaveLength(2);
    const emails = [...(await alertEmailsTo(user.email)), ...(await alertEmailsTo(operator))];
    expect(emails).toHaveLength(2);
    const everything = JSON.stringify([lines, stored, emails.map((e) => [e.subject, e.text])]);
    for (const secretText of [...ips, net.prefix, user.email, user.password, ...passwords]) expect(everything).not.toContain(secretText);
  });
});
