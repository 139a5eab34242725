/**
 * `npm run bench`: one table, also written to .bench/results.json.
 *  (a) in-isolate cost per request of the pipeline vs a bare Hono route (workerd);
 *  (b) requests per second for /healthz vs a bare Hono worker, in workerd and through
 *      `wrangler dev`, the servers and the load generator on separate cores (throughput.ts);
 *  (c) database and Redis round trips per request, counted exactly at the stand-ins;
 *  (d) the deploy bundle, minified and gzip;
 *  (e) the WAF: CRS corpus detection and benign blocks, own-traffic false positives,
 *      µs per benign request, adversarial 128 KiB / 1 MiB linearity (waf.ts);
 *  (f) the worker's start-up CPU: the isolate thread's CPU for the top-level evaluation in
 *      workerd, beside `wrangler check startup`'s profile (startup.ts);
 *  (g) identity: bcrypt computations per login, a login's CPU in workerd, JWT verification
 *      in-isolate, round trips of an authenticated request, unknown email vs wrong
 *      password (identity.ts, login-cpu.ts);
 *  (h) the audit log: GET audit-log/verify over 100,000 entries of one org (audit.ts), on
 *      the real Postgres only: a default group when DATABASE_URL is set, otherwise
 *      `DATABASE_URL=… npm run bench -- audit`;
 *  (i) compliance records: page cost at 100k vs 1k risks, 500 concurrent creates, round
 *      trips per records request (records.ts), on the real Postgres only, like (h);
 *  (j) evidence files: upload and download throughput through the app against R2 alone,
 *      the workerd memory of a 100 MB upload, signed-URL sign + verify (evidence.ts);
 *  (k) backups: export, seal, check and restore-drill transaction of an org with 10,000 records (backups.ts).
 * Ratios come from one run, so the noisy shared machine affects both sides alike.
 * Later issues add rows through `Row`. `npm run bench -- isolate bundle` runs only
 * the named groups (isolate, throughput, round-trips, bundle, waf, startup, identity, audit, records, evidence); the stack
 * and the `wrangler dev` servers start only for groups that send requests.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startDevServer, repoRoot } from "../stack/dev-server.ts";
import { startStack } from "../stack/launcher.ts";
import { ensureDevVars } from "../stack/secrets.ts";
import { measureIsolate } from "./isolate.ts";
import { measureThroughputWorkerd, measureThroughputWranglerDev } from "./throughput.ts";
import { measureRoundTrips } from "./round-trips.ts";
import { measureBundle } from "./bundle.ts";
import { printTable, type Row } from "./table.ts";
import { measureWaf } from "./waf.ts";
import { measureTenantRoundTrips } from "./tenant-round-trips.ts";
import { measureRateLimitRoundTrips } from "./rate-limit-round-trips.ts";
import { measureStartup } from "./startup.ts";
import { measureIdentity } from "./identity.ts";
import { measureAudit } from "./audit.ts";
import { measureRecords } from "./records.ts";
import { measureEvidence } from "./evidence.ts";
import { measureBackups } from "./backups.ts";

const GROUPS = [
  "isolate",
  "throughput",
  "round-trips",
  "bundle",
  "waf",
  "startup",
  "identity",
  "audit",
  "records",
  "evidence",
  "backups",
] as const;
const asked = process.argv.slice(2);
const unknown = asked.filter((g) => !(GROUPS as readonly string[]).includes(g));
if (unknown.length > 0) throw new Error(`unknown bench group(s): ${unknown.join(", ")}; known: ${GROUPS.join(", ")}`);
/** Groups that measure the real Postgres: by default only when DATABASE_URL names one. */
const POSTGRES_ONLY: ReadonlySet<string> = new Set(["audit", "records"]);
const realPostgres = Boolean(process.env.DATABASE_URL);
const runs = (group: (typeof GROUPS)[number]): boolean =>
  asked.length === 0 ? !POSTGRES_ONLY.has(group) || realPostgres : asked.includes(group);
if (asked.some((g) => POSTGRES_ONLY.has(g)) && !realPostgres)
  throw new Error(`bench group(s) ${asked.filter((g) => POSTGRES_ONLY.has(g)).join(", ")} measure the real Postgres: set DATABASE_URL`);

const rows: Row[] = [];
let backends: Record<string, string> | undefined;
if (
  runs("isolate") ||
  runs("throughput") ||
  runs("round-trips") ||
  runs("waf") ||
  runs("identity") ||
  runs("audit") ||
  runs("records") ||
  runs("evidence") ||
  runs("backups")
) {
  const { vars: secrets } = await ensureDevVars(join(repoRoot, ".dev.vars"));
  const stack = await startStack({
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
    upstashToken: secrets.UPSTASH_REDIS_REST_TOKEN ?? "",
    resendApiKey: secrets.RESEND_API_KEY ?? "",
    bankClientSecret: secrets.BANK_CLIENT_SECRET ?? "",
  });
  backends = { postgres: stack.neon.backend, redis: stack.upstash.backend };
  const app = await startDevServer({ stack });
  const bench = await startDevServer({ stack, configPath: join(repoRoot, "test/bench/wrangler.toml") });
  try {
    if (runs("isolate")) rows.push(...(await measureIsolate(bench.url)));
    if (runs("throughput")) {
      rows.push(...(await measureThroughputWorkerd(stack)));
      rows.push(...(await measureThroughputWranglerDev(app.url, bench.url)));
    }
    if (runs("round-trips")) {
      rows.push(...(await measureRoundTrips(app.url, stack)));
      rows.push(...(await measureTenantRoundTrips(bench.url, stack)));
      rows.push(...(await measureRateLimitRoundTrips(bench.url, stack)));
    }
    if (runs("waf")) rows.push(...(await measureWaf(bench.url)));
    if (runs("identity")) rows.push(...(await measureIdentity(app.url, bench.url, stack)));
    if (runs("audit")) rows.push(...(await measureAudit(stack)));
    if (runs("records")) rows.push(...(await measureRecords(app.url, stack)));
    if (runs("evidence")) rows.push(...(await measureEvidence(bench.url, stack)));
    if (runs("backups")) rows.push(...(await measureBackups(stack)));
  } finally {
    await bench.stop();
    await app.stop();
    await stack.close();
  }
}
// Groups that need neither the stand-ins nor wrangler dev, run after those stopped so they do not share the cores.
if (runs("bundle")) rows.push(...(await measureBundle()));
if (runs("startup")) rows.push(...(await measureStartup()));

printTable(rows);
mkdirSync(join(repoRoot, ".bench"), { recursive: true });
const out = join(repoRoot, ".bench/results.json");
writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), ...(backends ? { backends } : {}), rows }, null, 2));
console.log(`\nwritten to ${out}`);
if (rows.some((r) => r.ok === false)) process.exitCode = 1;
