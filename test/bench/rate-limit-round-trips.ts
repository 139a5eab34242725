/**
 * (c) Redis round trips of rate-limited requests (P4), counted exactly at the Upstash
 * stand-in. The bench worker serves the tests' rate-limit probe routes
 * (test/helpers/rate-limit-probe.ts) under `/rate-limited/…`:
 * - four limits (per IP, user, organization and route) plus a session-revocation
 *   read: one round trip (the organization's limit is read there, not consumed);
 * - the same request from a caller the organization admitted (`x-probe-member`): that
 *   round trip plus one after the response, which consumes the organization's limit;
 * - a caller this isolate already refused: none.
 * Each run uses fresh ids, so a real Redis shared across runs never carries counts over.
 */
import type { Stack } from "../stack/launcher.ts";
import type { Row } from "./table.ts";

const REQUESTS = 20;

async function get(benchUrl: string, path: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${benchUrl}/rate-limited${path}`, { headers });
  await res.arrayBuffer();
  return res.status;
}

export async function measureRateLimitRoundTrips(benchUrl: string, stack: Stack): Promise<Row[]> {
  const org = crypto.randomUUID();
  const caller = (): Record<string, string> => ({
    "x-probe-user": crypto.randomUUID(),
    "x-probe-org": org,
    "x-probe-session": crypto.randomUUID(),
  });
  // Scripts load once per Redis (NOSCRIPT → EVAL, one extra round trip): outside the count.
  await get(benchUrl, "/__rl/many", caller());
  stack.upstash.resetStats();
  for (let i = 0; i < REQUESTS; i++) {
    const status = await get(benchUrl, "/__rl/many", caller());
    if (status !== 200) throw new Error(`rate-limited probe: HTTP ${status}, expected 200`);
  }
  const limited = stack.upstash.stats().httpRequests / REQUESTS;

  // Admitted members: the consume leaves in waitUntil, after the answer; wait until the count settles.
  stack.upstash.resetStats();
  for (let i = 0; i < REQUESTS; i++) {
    const status = await get(benchUrl, "/__rl/many", { ...caller(), "x-probe-member": "1" });
    if (status !== 200) throw new Error(`rate-limited probe (member): HTTP ${status}, expected 200`);
  }
  let settled = -1;
  for (let i = 0; i < 20 && settled !== stack.upstash.stats().httpRequests; i++) {
    settled = stack.upstash.stats().httpRequests;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const member = stack.upstash.stats().httpRequests / REQUESTS;

  // 3 per user: the fourth request is refused by Redis, every later one by the isolate's cache.
  const blocked = { "x-probe-user": crypto.randomUUID(), "x-probe-org": org };
  const first = [];
  for (let i = 0; i < 4; i++) first.push(await get(benchUrl, "/__rl/user", blocked));
  if (first.join() !== "200,200,200,429") throw new Error(`rate-limited probe: ${first.join()}, expected 200,200,200,429`);
  stack.upstash.resetStats();
  for (let i = 0; i < REQUESTS; i++) {
    const status = await get(benchUrl, "/__rl/user", blocked);
    if (status !== 429) throw new Error(`rate-limited probe: HTTP ${status}, expected 429`);
  }
  const cached = stack.upstash.stats().httpRequests / REQUESTS;
  return [
    {
      group: "round trips",
      name: "Redis per rate-limited request (4 limits + revocation read)",
      value: limited,
      unit: "",
      goal: "= 1",
      ok: limited === 1,
    },
    {
      group: "round trips",
      name: "Redis per org member's request (the same, + the org limit consumed after the response)",
      value: member,
      unit: "",
      goal: "= 2",
      ok: member === 2,
    },
    {
      group: "round trips",
      name: "Redis per request refused by the in-isolate cache",
      value: cached,
      unit: "",
      goal: "= 0",
      ok: cached === 0,
    },
  ];
}
