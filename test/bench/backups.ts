/**
 * (k) Backups (P15): one organization with 10,000 records (2,000 of each of five record
 * kinds, with descriptions) and their 10,000 audit entries, seeded as the owner with the
 * triggers on (so the audit chain is real). Measured: the export query
 * (`app.backup_export`, ONE round trip as rampart_app through the Neon stand-in), the
 * NDJSON's size, sealing (gzip + AES-256-GCM segments, the worker's own code, here in
 * Node), the object's size and segments, the restore check, the process's memory, and
 * the restore drill's transaction (the route's `inOrg` batch: authorize, create, members,
 * every record with new ids) through the stand-in with the worker's 5 s database deadline.
 * `npm run bench -- backups` (PGlite unless DATABASE_URL names a Postgres).
 */
import "./ts-resolve.ts";
import { neon, neonConfig } from "@neondatabase/serverless";
import { sql } from "drizzle-orm";
import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import type { Stack } from "../stack/launcher.ts";
import type { Row } from "./table.ts";

const GROUP = "backups";
const RECORDS = 10_000;
const KINDS = ["risks", "controls", "incidents", "trainings", "evidence"] as const;

type Database = NeonHttpDatabase;
type Statement = Parameters<Database["batch"]>[0][number];
interface Result {
  readonly rows: readonly Record<string, unknown>[];
}
const src = (path: string): Promise<unknown> => import(new URL(`../../src/${path}`, import.meta.url).href);

export async function measureBackups(stack: Stack): Promise<Row[]> {
  const { sealBackup } = (await src("modules/backups/backups.format.ts")) as {
    sealBackup: (
      lines: Iterable<string>,
      facts: { orgId: string; date: string; keys: readonly { version: string; raw: Uint8Array }[] },
    ) => Promise<{ bytes: Uint8Array; sha256: string; segments: number }>;
  };
  const { checkBackup } = (await src("modules/backups/backups.check.ts")) as {
    checkBackup: (
      bytes: Uint8Array,
      expected: { orgId: string; date: string; size: number; sha256: string; auditHeadSeq: number; auditHeadHash: string },
      keys: readonly { version: string; raw: Uint8Array }[],
      options: { collect: boolean },
    ) => Promise<{ ok: boolean; rows?: unknown }>;
  };
  const { drillStatements } = (await src("modules/backups/backups.restore.ts")) as {
    drillStatements: (tx: Database, facts: unknown) => readonly Statement[];
  };
  const { createDatabase, inTenant } = (await src("db/tenant.ts")) as {
    createDatabase: (config: { url: string; httpEndpoint?: string; timeoutMs?: number }) => Promise<Database>;
    inTenant: (db: Database, context: unknown, build: (tx: Database) => readonly Statement[]) => Promise<Result[]>;
  };
  neonConfig.fetchEndpoint = stack.neon.httpEndpoint;
  const owner = neon(stack.neon.connectionString);
  const app = neon(stack.appConnectionString);
  const orgId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  const rows: Row[] = [];

  const seeded = performance.now();
  await owner.transaction([
    owner`insert into users (id, email, name, email_verified_at) values (${userId}, ${`bench-${userId}@example.org`}, 'Bench', now())`,
    owner`insert into organizations (id, name) values (${orgId}, 'Backup bench')`,
    owner`insert into memberships (org_id, user_id, role) values (${orgId}, ${userId}, 'owner')`,
    owner`select set_config('app.org_id', ${orgId}, true), set_config('app.user_id', ${userId}, true)`,
    ...KINDS.map((kind) =>
      owner.query(
        `insert into ${kind} (org_id, title, description, owner_id) select $1::uuid, '${kind} ' || g, repeat('Text of a compliance record, as people write it. ', 6) || g, $2::uuid from generate_series(1, ${RECORDS / KINDS.length}) g`,
        [orgId, userId],
      ),
    ),
  ]);
  rows.push({
    group: GROUP,
    name: `seed ${RECORDS} records + audit entries (owner, triggers on)`,
    value: (performance.now() - seeded) / 1000,
    unit: "s",
  });

  const exportStarted = performance.now();
  const [, exported] = (await app.transaction([
    app`select set_config('app.org_id', ${orgId}, true)`,
    app`select line from app.backup_export(${orgId}::uuid) as line`,
  ])) as [unknown, { line: string }[]];
  const exportMs = performance.now() - exportStarted;
  const lines = exported.map((r) => r.line);
  const ndjsonBytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
  rows.push({ group: GROUP, name: `export query (one round trip, ${lines.length} lines)`, value: exportMs, unit: "ms" });
  rows.push({ group: GROUP, name: "NDJSON size", value: ndjsonBytes / 1024 / 1024, unit: "MiB" });

  const keys = [{ version: "v1", raw: crypto.getRandomValues(new Uint8Array(32)) }];
  const date = new Date().toISOString().slice(0, 10);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const header = JSON.stringify({ s: "header", r: { format: "rampart-backup", version: 1, org_id: orgId, date } });
  const sealStarted = performance.now();
  const sealed = await sealBackup([header, ...lines], { orgId, date, keys });
  const sealMs = performance.now() - sealStarted;
  const trailer = JSON.parse(lines.at(-1) ?? "{}") as { r: { audit_head: { seq: number; hash: string } } };
  const checkStarted = performance.now();
  const checked = await checkBackup(
    sealed.bytes,
    {
      orgId,
      date,
      size: sealed.bytes.byteLength,
      sha256: sealed.sha256,
      auditHeadSeq: trailer.r.audit_head.seq,
      auditHeadHash: trailer.r.audit_head.hash,
    },
    keys,
    { collect: true },
  );
  const checkMs = performance.now() - checkStarted;
  clearInterval(sampler);
  if (!checked.ok || checked.rows === undefined) throw new Error(`bench backup failed its check: ${JSON.stringify(checked)}`);
  rows.push({ group: GROUP, name: "seal: gzip + AES-256-GCM (Node)", value: sealMs, unit: "ms" });
  rows.push({
    group: GROUP,
    name: `object size (${sealed.segments} segments of ≤ 1 MiB gzip)`,
    value: sealed.bytes.byteLength / 1024 / 1024,
    unit: "MiB",
  });
  rows.push({ group: GROUP, name: "restore check, collecting rows (Node)", value: checkMs, unit: "ms" });
  rows.push({ group: GROUP, name: "process RSS peak during seal + check", value: peak / 1024 / 1024, unit: "MiB" });

  const db = await createDatabase({ url: stack.appConnectionString, httpEndpoint: stack.neon.httpEndpoint, timeoutMs: 5_000 });
  const drillStarted = performance.now();
  let drillOk = true;
  try {
    await inTenant(db, { orgId, actor: { kind: "user", userId } }, (tx) => [
      tx.execute(sql`select app.authorize('own', 'aal2') as role`),
      ...drillStatements(tx, {
        sourceOrgId: orgId,
        newOrgId: crypto.randomUUID(),
        name: "Backup bench (restore drill)",
        callerId: userId,
        rows: checked.rows,
      }),
    ]);
  } catch (error) {
    drillOk = false;
    console.error("restore drill transaction failed:", error instanceof Error ? error.message : error);
  }
  rows.push({
    group: GROUP,
    name: `restore drill transaction, ${RECORDS} records (5 s deadline)`,
    value: performance.now() - drillStarted,
    unit: "ms",
    goal: "< 5000 ms",
    ok: drillOk,
  });
  return rows;
}
