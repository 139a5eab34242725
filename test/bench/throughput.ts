/**
 * (b) Requests per second through `wrangler dev` (workerd) for the app's /healthz
 * against a bare Hono worker's /healthz, alternating rounds in the same run.
 */
import autocannon from "autocannon";
import type { Row } from "./table.ts";

const ROUND_SECONDS = 4;
const ROUNDS = 2;
const CONNECTIONS = 16;

async function rps(url: string): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: ROUND_SECONDS });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx and ${result.errors} errors during the load run`);
  }
  return result.requests.average;
}

export async function measureThroughput(appUrl: string, benchUrl: string): Promise<Row[]> {
  await rps(`${appUrl}/healthz`); // warm-up
  let app = 0;
  let bare = 0;
  for (let i = 0; i < ROUNDS; i++) {
    app += await rps(`${appUrl}/healthz`);
    bare += await rps(`${benchUrl}/healthz`);
  }
  const ratio = app / bare;
  return [
    { group: "wrangler dev", name: "pipeline GET /healthz", value: app / ROUNDS, unit: "req/s" },
    { group: "wrangler dev", name: "bare Hono GET /healthz", value: bare / ROUNDS, unit: "req/s" },
    { group: "wrangler dev", name: "pipeline / bare", value: ratio, unit: "×", goal: "≥ 0.75", ok: ratio >= 0.75 },
  ];
}
