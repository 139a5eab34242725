/**
 * The local Upstash gateway answers what `@upstash/redis` sends, from inside
 * workerd, the same way in front of a real Redis and of the embedded store:
 * base64 responses, pipelines and transactions, scripts, errors and status codes.
 * Every block runs once per backend the global setup started.
 */
import { Redis, errors } from "@upstash/redis/cloudflare";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { ConformanceTargets } from "../setup/provided.ts";

type Target = ConformanceTargets["upstash"][number];
type ClientOptions = Omit<ConstructorParameters<typeof Redis>[0], "url" | "token">;

const targets = inject("conformance").upstash;
/** Unique per run, so earlier runs and other files never share keys. */
const RUN = crypto.randomUUID().slice(0, 8);
/** Deletes this run's keys, so runs against a shared Redis leave nothing behind. */
const CLEANUP = "local ks = redis.call('KEYS', ARGV[1]) for _, k in ipairs(ks) do redis.call('DEL', k) end return #ks";
let sequence = 0;
const key = (name: string): string => `conf:upstash:${RUN}:${++sequence}:${name}`;

function client(target: Target, options: ClientOptions = {}, url = target.url): Redis {
  return new Redis({ url, token: target.token, enableTelemetry: false, ...options });
}

/** A raw REST call, for what the SDK never sends (bad bodies, wrong tokens). */
async function rest(
  target: Target,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${target.token}`, "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, json: await res.json() };
}

async function taggedStats(target: Target, tag: string): Promise<number> {
  const res = await fetch(`${target.url}/__rampart/stats?tag=${tag}`);
  return (await res.json<{ httpRequests: number }>()).httpRequests;
}

async function sha1(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The rejection of `promise`, which must reject. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof Error)) throw new Error("expected a rejection, got a result");
  return outcome;
}

describe.each(targets)("Upstash gateway ($backend)", (target) => {
  afterAll(async () => {
    await client(target).eval(CLEANUP, [], [`conf:upstash:${RUN}:*`]);
  });

  describe("values and encodings", () => {
    it("stores JSON with a non-ASCII string and reads it back through base64 responses", async () => {
      const redis = client(target);
      const k = key("json");
      const value = { name: "Zoë Ångström – Ωmega ✓ 日本", n: 1 };
      expect(await redis.set(k, value)).toBe("OK");
      expect(await redis.get(k)).toEqual(value);
      const wire = await rest(target, "/", JSON.stringify(["GET", k]), { "upstash-encoding": "base64" });
      const text = new TextDecoder().decode(Uint8Array.from(atob((wire.json as { result: string }).result), (c) => c.charCodeAt(0)));
      expect(JSON.parse(text)).toEqual(value);
    });

    it("answers plain strings when the client turns responseEncoding off", async () => {
      const redis = client(target, { responseEncoding: false });
      const k = key("plain");
      await redis.set(k, "grüße ✓");
      expect(await redis.get(k)).toBe("grüße ✓");
      expect(await rest(target, "/", JSON.stringify(["GET", k]))).toEqual({ status: 200, json: { result: "grüße ✓" } });
    });

    it("counts with incr, incrby, decr and incrbyfloat", async () => {
      const redis = client(target);
      const k = key("counter");
      expect(await redis.incr(k)).toBe(1);
      expect(await redis.incrby(k, 5)).toBe(6);
      expect(await redis.decr(k)).toBe(5);
      expect(await redis.incrbyfloat(k, 0.5)).toBe(5.5);
    });

    it("reports expiries through expire, ttl and pttl and removes them with persist", async () => {
      const redis = client(target);
      const k = key("ttl");
      await redis.set(k, "v");
      expect(await redis.ttl(k)).toBe(-1);
      expect(await redis.expire(k, 100)).toBe(1);
      expect(await redis.ttl(k)).toBeGreaterThan(98);
      expect(await redis.ttl(k)).toBeLessThanOrEqual(100);
      const pttl = await redis.pttl(k);
      expect(pttl).toBeGreaterThan(98_000);
      expect(pttl).toBeLessThanOrEqual(100_000);
      expect(await redis.persist(k)).toBe(1);
      expect(await redis.ttl(k)).toBe(-1);
      expect(await redis.ttl(key("absent"))).toBe(-2);
    });

    it("sets only absent keys with nx and gives them an expiry with ex", async () => {
      const redis = client(target);
      const k = key("nx");
      expect(await redis.set(k, "first", { nx: true, ex: 60 })).toBe("OK");
      expect(await redis.set(k, "second", { nx: true, ex: 60 })).toBeNull();
      expect(await redis.get(k)).toBe("first");
      expect(await redis.ttl(k)).toBeGreaterThan(58);
    });

    it("lets a key expire after px milliseconds", async () => {
      const redis = client(target);
      const k = key("px");
      await redis.set(k, "short", { px: 50 });
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await redis.get(k)).toBeNull();
      expect(await redis.exists(k)).toBe(0);
    });

    it("keeps hashes with hset, hgetall and hincrby", async () => {
      const redis = client(target);
      const k = key("hash");
      expect(await redis.hset(k, { tokens: 3, owner: "zoë" })).toBe(2);
      expect(await redis.hgetall(k)).toEqual({ tokens: 3, owner: "zoë" });
      expect(await redis.hincrby(k, "tokens", -1)).toBe(2);
      expect(await redis.hget(k, "tokens")).toBe(2);
    });

    it("keeps sets with sadd, smembers and sismember", async () => {
      const redis = client(target);
      const k = key("set");
      expect(await redis.sadd(k, "a", "b", "a")).toBe(2);
      expect((await redis.smembers(k)).sort()).toEqual(["a", "b"]);
      expect(await redis.sismember(k, "b")).toBe(1);
      expect(await redis.sismember(k, "z")).toBe(0);
    });
  });

  describe("round trips", () => {
    it("sends concurrent auto-pipelined commands in one HTTP round trip", async () => {
      const tag = `auto-${RUN}-${target.backend}`;
      const redis = client(target, {}, `${target.url}/tag/${tag}`);
      const keys = Array.from({ length: 10 }, (_, i) => key(`auto${i}`));
      const results = await Promise.all(keys.map((k, i) => redis.incrby(k, i + 1)));
      expect(results).toEqual(keys.map((_, i) => i + 1));
      expect(await taggedStats(target, tag)).toBe(1);
    });

    it("runs an explicit pipeline in one round trip and keeps each command's error apart", async () => {
      const tag = `pipe-${RUN}-${target.backend}`;
      const redis = client(target, {}, `${target.url}/tag/${tag}`);
      const k = key("pipe");
      const results = await redis.pipeline().set(k, "text").incr(key("pipe-n")).hget(k, "field").get(k).exec({ keepErrors: true });
      expect(results.map((r) => r.result)).toEqual(["OK", 1, undefined, "text"]);
      expect(results[2].error).toMatch(/^WRONGTYPE/);
      expect(await taggedStats(target, tag)).toBe(1);
    });

    it("runs multi() as one atomic transaction and returns every result", async () => {
      const tag = `multi-${RUN}-${target.backend}`;
      const redis = client(target, {}, `${target.url}/tag/${tag}`);
      const k = key("multi");
      expect(await redis.multi().set(k, 1).incr(k).exec()).toEqual(["OK", 2]);
      expect(await taggedStats(target, tag)).toBe(1);
    });

    it("reports a command failing inside a transaction without undoing the others", async () => {
      const k = key("multi-err");
      const { status, json } = await rest(
        target,
        "/multi-exec",
        JSON.stringify([
          ["SET", k, "v"],
          ["HGET", k, "f"],
          ["GET", k],
        ]),
      );
      expect(status).toBe(200);
      expect(json).toEqual([{ result: "OK" }, { error: expect.stringMatching(/^WRONGTYPE/) as unknown }, { result: "v" }]);
    });

    it("discards a whole transaction when a command is refused while queueing", async () => {
      const k = key("discarded");
      const { status, json } = await rest(
        target,
        "/multi-exec",
        JSON.stringify([
          ["SET", k, "v"],
          ["NOSUCHCMD", "x"],
        ]),
      );
      expect(status).toBe(400);
      expect((json as { error: string }).error).toMatch(/unknown command 'NOSUCHCMD'/);
      expect(await client(target).exists(k)).toBe(0);
    });
  });

  describe("scripts", () => {
    it("evaluates a script with KEYS and ARGV", async () => {
      const redis = client(target);
      const k = key("eval");
      const result = await redis.eval("return {KEYS[1], redis.call('INCRBY', KEYS[1], ARGV[1]), 3.9, false}", [k], ["5"]);
      expect(result).toEqual([k, 5, 3, null]);
    });

    it("loads a script, reports it as existing and runs it by sha", async () => {
      const redis = client(target);
      const script = `return ARGV[1] .. ':${RUN}'`;
      const sha = await redis.scriptLoad(script);
      expect(sha).toBe(await sha1(script));
      expect(await redis.scriptExists(sha, "0".repeat(40))).toEqual([1, 0]);
      expect(await redis.evalsha(sha, [], ["hi"])).toBe(`hi:${RUN}`);
    });

    it("answers NOSCRIPT for an unknown sha", async () => {
      const err = await rejection(client(target).evalsha("f".repeat(40), [], []));
      expect(err).toBeInstanceOf(errors.UpstashError);
      expect(err.message).toContain("NOSCRIPT");
    });

    it("accepts the Upstash-only shebang flag and keeps the sha the SDK computes", async () => {
      const redis = client(target);
      const script = `#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ARGV[1]) -- ${RUN}`;
      const k = key("shebang");
      expect(await redis.eval(script, [k], [2])).toBe(2);
      const sha = await redis.scriptLoad(script);
      expect(sha).toBe(await sha1(script));
      expect(await redis.evalsha(sha, [k], [3])).toBe(5);
    });

    it("surfaces an error raised inside a script with the script's sha and line", async () => {
      const redis = client(target);
      const k = key("script-err");
      await redis.set(k, "text");
      const script = `-- ${RUN}\nreturn redis.call('HGET', KEYS[1], 'f')`;
      const err = await rejection(redis.eval(script, [k], []));
      expect(err.message).toMatch(new RegExp(`WRONGTYPE .* script: ${await sha1(script)}, on @user_script:2\\.`));
    });
  });

  describe("errors", () => {
    it("surfaces WRONGTYPE as an UpstashError", async () => {
      const redis = client(target);
      const k = key("wrongtype");
      await redis.set(k, "text");
      const err = await rejection(redis.hget(k, "field"));
      expect(err).toBeInstanceOf(errors.UpstashError);
      expect(err.message).toContain("WRONGTYPE Operation against a key holding the wrong kind of value");
    });

    it("rejects a wrong token with 401 and an error body", async () => {
      const res = await fetch(`${target.url}/`, { method: "POST", headers: { authorization: "Bearer wrong" }, body: '["PING"]' });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: expect.stringContaining("WRONGPASS") as unknown });
      const err = await rejection(new Redis({ url: target.url, token: "wrong", enableTelemetry: false }).get(key("x")));
      expect(err).toBeInstanceOf(errors.UpstashError);
    });

    it("errors on an unknown command with Redis' text", async () => {
      const err = await rejection(client(target).exec(["NOSUCHCMD", "arg"]));
      expect(err).toBeInstanceOf(errors.UpstashError);
      expect(err.message).toContain("ERR unknown command 'NOSUCHCMD', with args beginning with: 'arg'");
    });

    it("answers 400 with an error for malformed bodies and keeps serving", async () => {
      for (const [path, body] of [
        ["/", "{not json"],
        ["/", '"GET"'],
        ["/", "[]"],
        ["/", '["GET", {"a": 1}]'],
        ["/pipeline", '["GET"]'],
        ["/multi-exec", "[]"],
      ] as const) {
        const { status, json } = await rest(target, path, body);
        expect.soft(status, `${path} ${body}`).toBe(400);
        expect.soft(json, `${path} ${body}`).toEqual({ error: expect.any(String) as unknown });
      }
      expect(await client(target).ping()).toBe("PONG");
    });
  });

  describe("backend outages", () => {
    const setDown = async (down: false | "hang" | "error"): Promise<void> => {
      const res = await fetch(`${target.url}/__rampart/backend`, { method: "POST", body: JSON.stringify({ down }) });
      expect(res.status).toBe(200);
    };

    it("fails commands with a 5xx while the backend is down and recovers when it is back", async () => {
      const redis = client(target, { retry: false });
      const k = key("outage");
      await redis.set(k, "before");
      await setDown("error");
      try {
        const err = await rejection(redis.get(k));
        expect(err).toBeInstanceOf(errors.UpstashError);
        expect((await rest(target, "/", '["PING"]')).status).toBe(503);
      } finally {
        await setDown(false);
      }
      expect(await redis.get(k)).toBe("before");
    });

    it("holds commands while the backend hangs until the client gives up", async () => {
      const redis = client(target, { retry: false, signal: () => AbortSignal.timeout(300) });
      await setDown("hang");
      try {
        const started = Date.now();
        const err = await rejection(redis.get(key("hang")));
        expect(err.name).toMatch(/TimeoutError|AbortError/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      } finally {
        await setDown(false);
      }
      expect(await client(target).ping()).toBe("PONG");
    });
  });
});
