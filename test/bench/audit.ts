/**
 * (h) The audit log: `GET /v1/orgs/{org}/audit-log/verify` over 100,000 entries of one
 * organization, on the real Postgres (`DATABASE_URL`; PGlite is not what production
 * runs). The entries are seeded as the owner in one DO block that chains them with
 * `audit.entry_hash` exactly as the trigger does (the trigger itself, 100,000 updates of
 * one head row in one transaction, takes minutes); then the route's own transaction
 * (context, `app.authorize('audit')`, `audit.verify_chain`) is sent through the Neon
 * stand-in as rampart_app, the way the worker sends it, and timed from Node.
 *
 * Run: `DATABASE_URL=postgresql://postgres@127.0.0.1:5432/rampart_bench npm run bench -- audit`.
 * Part of the default groups only when DATABASE_URL is set (about 15 s with the seeding).
 */
import { neon, neonConfig } from "@neondatabase/serverless";
import type { Stack } from "../stack/launcher.ts";
import { spreadLabel, spreadOf } from "./median.ts";
import type { Row } from "./table.ts";

const ENTRIES = 100_000;
const RUNS = 5;

async function seed(stack: Stack): Promise<{ org: string; user: string; seedMs: number }> {
  neonConfig.fetchEndpoint = stack.neon.httpEndpoint;
  const owner = neon(stack.neon.connectionString);
  const org = crypto.randomUUID();
  const user = crypto.randomUUID();
  const started = performance.now();
  await owner.transaction([
    owner`insert into users (id, email, name) values (${user}, ${`bench.${user}@rampart.example`}, 'Bench auditor')`,
    owner`insert into organizations (id, name) values (${org}, 'Bench audit org')`,
    owner`insert into memberships (org_id, user_id, role) values (${org}, ${user}, 'auditor')`,
    // Literal ids (uuids we generated): a DO block takes no parameters.
    owner.query(`DO $$
      DECLARE
        v_org uuid := '${org}';
        v_user uuid := '${user}';
        v_prev text := repeat('0', 64);
        v_hash text;
        v_row uuid;
        v_after jsonb;
        v_at timestamptz;
      BEGIN
        FOR g IN 1..${ENTRIES} LOOP
          v_row := gen_random_uuid();
          v_after := jsonb_build_object('id', v_row, 'org_id', v_org, 'title', 'Risk ' || g, 'status', 'identified');
          v_at := clock_timestamp();
          v_hash := audit.entry_hash(v_org, g, v_user, NULL, 'insert', 'risks', v_row, NULL, v_after, v_at, v_prev);
          INSERT INTO audit.entries (org_id, seq, actor_user_id, actor_api_key_id, action, table_name, row_id, before, after, at, prev_hash, hash)
          VALUES (v_org, g, v_user, NULL, 'insert', 'risks', v_row, NULL, v_after, v_at, v_prev, v_hash);
          v_prev := v_hash;
        END LOOP;
        INSERT INTO audit.heads (org_id, seq, hash) VALUES (v_org, ${ENTRIES}, v_prev);
      END $$`),
  ]);
  return { org, user, seedMs: performance.now() - started };
}

/** The verify route's transaction as rampart_app; its wall time in ms. */
async function verifyOnce(stack: Stack, org: string, user: string): Promise<number> {
  const app = neon(stack.appConnectionString);
  const started = performance.now();
  const results = await app.transaction([
    app`select set_config('app.org_id', ${org}, true), set_config('app.user_id', ${user}, true), set_config('app.api_key_id', '', true)`,
    app`select app.authorize('audit', 'aal1') as role`,
    app`select valid, entries, first_broken_seq from audit.verify_chain(${org})`,
  ]);
  const ms = performance.now() - started;
  const [verdict] = (results.at(-1) ?? []) as { valid?: boolean; entries?: string | number }[];
  if (verdict?.valid !== true || Number(verdict.entries) !== ENTRIES)
    throw new Error(`audit/verify: expected a valid chain of ${ENTRIES}, got ${JSON.stringify(verdict)}`);
  return ms;
}

export async function measureAudit(stack: Stack): Promise<Row[]> {
  const { org, user, seedMs } = await seed(stack);
  await verifyOnce(stack, org, user); // warm-up: the entries into the buffer cache, as for an org that is read
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await verifyOnce(stack, org, user));
  const { median } = spreadOf(times);
  return [
    { group: "audit", name: `seed ${ENTRIES} chained entries of one org (owner, one DO block)`, value: seedMs / 1000, unit: "s" },
    {
      group: "audit",
      name: `GET audit-log/verify transaction over ${ENTRIES} entries (${spreadLabel(times, "ms", 0)})`,
      value: median,
      unit: "ms",
    },
    { group: "audit", name: "verify per entry", value: (median * 1000) / ENTRIES, unit: "µs" },
  ];
}
