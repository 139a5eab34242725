/**
 * The Upstash stand-in as the P4/P12 suites see it: round trips counted per tag
 * (`<url>/tag/<tag>` counts under `<tag>`, see test/stack/upstash-gateway/http.ts),
 * its keys listed through the REST API, its backend switched off and on.
 * The URL is this project's own stand-in (the worker's binding), so an outage here
 * never reaches another project's files (test/vitest.config.ts).
 */
import { Redis } from "@upstash/redis/cloudflare";
import type { Bindings } from "../../src/env";
import { envWith, testEnv } from "./worker";

/** The stand-in's base URL, as the worker under test is configured with it. */
export const UPSTASH_URL = testEnv.UPSTASH_REDIS_REST_URL ?? "";
const TOKEN = testEnv.UPSTASH_REDIS_REST_TOKEN ?? "";

/** A direct client of the stand-in (not the app's), without retries. */
export function directRedis(): Redis {
  return new Redis({ url: UPSTASH_URL, token: TOKEN, enableTelemetry: false, retry: false });
}

/** A unique tag for counting. */
export function newTag(name: string): string {
  return `${name}-${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * Bindings whose Redis URL counts under `tag`. Build once per test and reuse it:
 * configuration and limiters are cached per env object, as per isolate in production.
 */
export function taggedEnv(tag: string, overrides: Readonly<Record<string, string | undefined>> = {}): Bindings {
  return envWith({ UPSTASH_REDIS_REST_URL: `${UPSTASH_URL}/tag/${tag}`, ...overrides });
}

/** HTTP requests that reached the stand-in under `tag`. */
export async function roundTrips(tag: string): Promise<number> {
  const res = await fetch(`${UPSTASH_URL}/__rampart/stats?tag=${tag}`);
  return (await res.json<{ httpRequests: number }>()).httpRequests;
}

/** Simulates an outage of the stand-in's backend ("hang": no answer; "error": 503 at once), or ends it. */
export async function setBackendDown(down: false | "hang" | "error"): Promise<void> {
  const res = await fetch(`${UPSTASH_URL}/__rampart/backend`, { method: "POST", body: JSON.stringify({ down }) });
  if (res.status !== 200) throw new Error(`could not switch the stand-in's backend: HTTP ${res.status}`);
}
