/**
 * (c) Round trips of a tenant-scoped request through the data layer (context + two
 * statements, `inTenant`), counted exactly at the Neon stand-in. The request runs in
 * the benchmark worker against an org seeded here as the owner.
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import type { Stack } from "../stack/launcher.ts";
import type { Row } from "./table.ts";

const REQUESTS = 20;

async function seed(stack: Stack): Promise<{ org: string; user: string }> {
  neonConfig.fetchEndpoint = stack.neon.httpEndpoint;
  const owner = neon(stack.neon.connectionString);
  const org = crypto.randomUUID();
  const user = crypto.randomUUID();
  await owner.transaction([
    owner`insert into users (id, email, name) values (${user}, ${`bench.${user}@rampart.example`}, 'Bench')`,
    owner`insert into organizations (id, name) values (${org}, 'Bench org')`,
    owner`insert into memberships (org_id, user_id, role) values (${org}, ${user}, 'member')`,
    owner`select set_config('app.user_id', ${user}, true)`,
    owner`insert into risks (org_id, title) select ${org}, 'Risk ' || g from generate_series(1, 20) g`,
  ]);
  return { org, user };
}

export async function measureTenantRoundTrips(benchUrl: string, stack: Stack): Promise<Row[]> {
  const { org, user } = await seed(stack);
  stack.neon.resetStats();
  for (let i = 0; i < REQUESTS; i++) {
    const res = await fetch(`${benchUrl}/tenant?org=${org}&user=${user}`);
    const body = (await res.json()) as { risks?: unknown[] };
    if (res.status !== 200 || body.risks?.length !== 20)
      throw new Error(`tenant probe: HTTP ${res.status}, ${JSON.stringify(body).slice(0, 200)}`);
  }
  const neonStats = stack.neon.stats();
  const db = (neonStats.httpRequests + neonStats.wsConnections) / REQUESTS;
  return [
    { group: "round trips", name: "database per tenant request (context + 2 statements)", value: db, unit: "", goal: "= 1", ok: db === 1 },
  ];
}
