/**
 * `@upstash/ratelimit` 2.2.0 works through the local Upstash gateway from inside
 * workerd: its Lua scripts (with the Upstash-only `allow-key-locking` shebang)
 * run on real Redis and in the embedded store's Lua VM, EVALSHA falls back to
 * EVAL on NOSCRIPT, and the deny list and analytics paths work offline.
 */
import { Analytics, Ratelimit } from "@upstash/ratelimit";
import { Redis as NodeEntryRedis } from "@upstash/redis";
import { Redis } from "@upstash/redis/cloudflare";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { ConformanceTargets } from "../setup/provided.ts";

type Target = ConformanceTargets["upstash"][number];

const targets = inject("conformance").upstash;
const RUN = crypto.randomUUID().slice(0, 8);
/** Deletes this run's keys, so runs against a shared Redis leave nothing behind. */
const CLEANUP = "local ks = redis.call('KEYS', ARGV[1]) for _, k in ipairs(ks) do redis.call('DEL', k) end return #ks";
let sequence = 0;
/** A fresh prefix per limiter, so runs and tests never share counters. */
const prefix = (name: string): string => `conf:rl:${RUN}:${++sequence}:${name}`;

const redisFor = (target: Target): Redis => new Redis({ url: target.url, token: target.token, enableTelemetry: false, retry: false });
/**
 * `Analytics` is typed for the client of the package's main entry; the entries differ
 * only in how a client is constructed, so the reader uses that one and the limiter
 * keeps the Cloudflare client the worker uses.
 */
const analyticsRedisFor = (target: Target): NodeEntryRedis =>
  new NodeEntryRedis({ url: target.url, token: target.token, enableTelemetry: false, retry: false });

const algorithms = [
  // Hour-long windows here and below wherever a test counts within one window:
  // windows are aligned to the epoch, so a run that
  // straddles a boundary legitimately allows again (the sliding window floors the
  // previous window's weight); at 10 s that happened about once in 300 runs.
  { name: "slidingWindow", limiter: Ratelimit.slidingWindow(3, "1 h"), windowMs: 3_600_000 },
  { name: "fixedWindow", limiter: Ratelimit.fixedWindow(3, "1 h"), windowMs: 3_600_000 },
  { name: "tokenBucket", limiter: Ratelimit.tokenBucket(3, "10 s", 3), windowMs: 10_000 },
];

async function setBackendDown(target: Target, down: false | "hang" | "error"): Promise<void> {
  const res = await fetch(`${target.url}/__rampart/backend`, { method: "POST", body: JSON.stringify({ down }) });
  expect(res.status).toBe(200);
}

describe.each(targets)("@upstash/ratelimit through the gateway ($backend)", (target) => {
  afterAll(async () => {
    await redisFor(target).eval(CLEANUP, [], [`conf:rl:${RUN}:*`]);
  });

  describe.each(algorithms)("$name", ({ name, limiter, windowMs }) => {
    it("allows three requests of a limit of 3 and denies the next two", async () => {
      const ratelimit = new Ratelimit({ redis: redisFor(target), limiter, prefix: prefix(name) });
      const before = Date.now();
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await ratelimit.limit("client"));
      expect(results.map((r) => r.success)).toEqual([true, true, true, false, false]);
      expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0, 0]);
      for (const result of results) {
        expect(result.limit).toBe(3);
        expect(result.reset).toBeGreaterThan(before);
        expect(result.reset).toBeLessThanOrEqual(Date.now() + windowMs);
      }
    });

    it("reports the remaining tokens and gives them back on reset", async () => {
      const ratelimit = new Ratelimit({ redis: redisFor(target), limiter, prefix: prefix(name) });
      await ratelimit.limit("client");
      await ratelimit.limit("client");
      expect(await ratelimit.getRemaining("client")).toMatchObject({ remaining: 1, limit: 3 });
      await ratelimit.resetUsedTokens("client");
      expect(await ratelimit.getRemaining("client")).toMatchObject({ remaining: 3, limit: 3 });
      expect((await ratelimit.limit("client")).success).toBe(true);
    });
  });

  it("counts identifiers separately under one prefix", async () => {
    const ratelimit = new Ratelimit({ redis: redisFor(target), limiter: Ratelimit.fixedWindow(1, "1 h"), prefix: prefix("ids") });
    expect((await ratelimit.limit("a")).success).toBe(true);
    expect((await ratelimit.limit("b")).success).toBe(true);
    expect((await ratelimit.limit("a")).success).toBe(false);
  });

  it("applies a dynamic limit stored in Redis", async () => {
    const ratelimit = new Ratelimit({
      redis: redisFor(target),
      limiter: Ratelimit.slidingWindow(5, "1 h"),
      prefix: prefix("dynamic"),
      dynamicLimits: true,
    });
    await ratelimit.setDynamicLimit({ limit: 1 });
    expect(await ratelimit.getDynamicLimit()).toEqual({ dynamicLimit: 1 });
    const first = await ratelimit.limit("client");
    expect(first).toMatchObject({ success: true, limit: 1 });
    expect((await ratelimit.limit("client")).success).toBe(false);
  });

  it("denies a value on the deny list with protection enabled, without any network access", async () => {
    const redis = redisFor(target);
    const p = prefix("deny");
    // A "disabled" IP list status keeps the SDK from downloading the public IP list.
    await redis.set(`${p}:ipDenyListStatus`, "disabled");
    await redis.sadd(`${p}:denyList:all`, "203.0.113.66");
    const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(10, "10 s"), prefix: p, enableProtection: true });
    const denied = await ratelimit.limit("user-1", { ip: "203.0.113.66" });
    expect(denied).toMatchObject({ success: false, reason: "denyList", deniedValue: "203.0.113.66", remaining: 0 });
    const allowed = await ratelimit.limit("user-2", { ip: "198.51.100.7" });
    expect(allowed.success).toBe(true);
    expect(allowed.reason).toBeUndefined();
  });

  it("records analytics that the SDK reads back through its scripts", async () => {
    const redis = redisFor(target);
    const p = prefix("analytics");
    const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.fixedWindow(2, "1 h"), prefix: p, analytics: true });
    for (let i = 0; i < 3; i++) await (await ratelimit.limit("client")).pending;
    const analytics = new Analytics({ redis: analyticsRedisFor(target), prefix: p });
    expect(await analytics.getUsage()).toEqual({ client: { success: 2, blocked: 1 } });
    const top = await analytics.getMostAllowedBlocked(1);
    expect(top.allowed).toEqual([{ identifier: "client", count: 2 }]);
    expect(top.ratelimited).toEqual([{ identifier: "client", count: 1 }]);
  });

  it("fails open with reason timeout while the backend hangs", async () => {
    const ratelimit = new Ratelimit({
      redis: redisFor(target),
      limiter: Ratelimit.fixedWindow(3, "10 s"),
      prefix: prefix("timeout"),
      timeout: 200,
    });
    await setBackendDown(target, "hang");
    try {
      expect(await ratelimit.limit("client")).toMatchObject({ success: true, reason: "timeout" });
    } finally {
      // The held request is released and answered, so nothing is left hanging.
      await setBackendDown(target, false);
    }
  });
});
