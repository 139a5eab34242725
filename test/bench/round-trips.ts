/**
 * (c) Database and Redis round trips per request, counted exactly at the stand-ins
 * (every Neon /sql request, every Neon WebSocket, every Upstash REST request).
 */
import type { Stack } from "../stack/launcher.ts";
import type { Row } from "./table.ts";

const REQUESTS = 20;

interface Probe {
  readonly path: string;
  readonly status: number;
  /** Expected round trips per request; a mismatch marks the row missed. */
  readonly db: number;
  readonly redis: number;
}

const PROBES: readonly Probe[] = [
  { path: "/healthz", status: 200, db: 0, redis: 0 },
  { path: "/readyz", status: 200, db: 1, redis: 1 },
];

export async function measureRoundTrips(appUrl: string, stack: Stack): Promise<Row[]> {
  const rows: Row[] = [];
  for (const probe of PROBES) {
    stack.neon.resetStats();
    stack.upstash.resetStats();
    for (let i = 0; i < REQUESTS; i++) {
      const res = await fetch(`${appUrl}${probe.path}`);
      await res.arrayBuffer();
      if (res.status !== probe.status) throw new Error(`${probe.path}: HTTP ${res.status}, expected ${probe.status}`);
    }
    const neon = stack.neon.stats();
    const db = (neon.httpRequests + neon.wsConnections) / REQUESTS;
    const redis = stack.upstash.stats().httpRequests / REQUESTS;
    rows.push(
      { group: "round trips", name: `database per GET ${probe.path}`, value: db, unit: "", goal: `= ${probe.db}`, ok: db === probe.db },
      {
        group: "round trips",
        name: `Redis per GET ${probe.path}`,
        value: redis,
        unit: "",
        goal: `= ${probe.redis}`,
        ok: redis === probe.redis,
      },
    );
  }
  return rows;
}
