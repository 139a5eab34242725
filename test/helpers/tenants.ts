/**
 * Two-sided access to the migrated database of every Neon target the global setup
 * started (real Postgres in CI, embedded PGlite always): as the owner (to seed and to
 * look behind RLS) and as the worker's own login role, rampart_app. Seeded data is
 * unique per call, so test files can share a database.
 */
import { NeonDbError } from "@neondatabase/serverless";
import { inject } from "vitest";
import { createSql, type DatabaseConfig } from "../../src/db";
import { ORG_ROLES, type OrgRole } from "../../src/db/schema";
import { RECORD_RESOURCES, resourceNamed, type RecordName } from "../../src/modules/records";
import type { ConformanceTargets } from "../setup/provided.ts";

type NeonTarget = ConformanceTargets["neon"][number];

/** The compliance tables: the records registry's names (the one list; p11-records checks the database protects exactly these). */
export const RECORD_TABLES: readonly RecordTable[] = RECORD_RESOURCES.map((resource) => resource.name);
export type RecordTable = RecordName;
/** The column that names a record (`vendors` have a name, the rest a title), as each declaration says. */
export const labelOf = (table: RecordTable): "name" | "title" => resourceNamed(table).spec.label;

export interface DbTarget {
  readonly backend: NeonTarget["backend"];
  readonly owner: DatabaseConfig;
  readonly app: DatabaseConfig;
  /** The owner's login name (to try `SET ROLE` to it). */
  readonly ownerRole: string;
  readonly controlUrl: string;
}

/** Every migrated database the run has, one per backend. */
export function dbTargets(): DbTarget[] {
  return inject("conformance").neon.map((t) => ({
    backend: t.backend,
    owner: { url: t.connectionString, httpEndpoint: t.httpEndpoint, wsProxy: t.wsProxy },
    app: { url: t.appConnectionString, httpEndpoint: t.httpEndpoint, wsProxy: t.wsProxy },
    ownerRole: decodeURIComponent(new URL(t.connectionString).username),
    controlUrl: t.controlUrl,
  }));
}

/** The same config with round trips counted under `tag` at the gateway. */
export function tagged(config: DatabaseConfig, tag: string): DatabaseConfig {
  return { ...config, httpEndpoint: `${config.httpEndpoint ?? ""}?tag=${encodeURIComponent(tag)}` };
}

/** HTTP round trips the gateway counted under `tag`. */
export async function roundTrips(target: DbTarget, tag: string): Promise<number> {
  const res = await fetch(`${target.controlUrl}/__rampart/stats?tag=${encodeURIComponent(tag)}`);
  const stats: { httpRequests: number; wsConnections: number } = await res.json();
  return stats.httpRequests + stats.wsConnections;
}

/** Who the app acts as in a test transaction; null sets no variable at all. */
export type TestContext = { orgId: string; userId?: string; apiKeyId?: string } | null;

/**
 * Runs `statements` as rampart_app in ONE transaction after setting `context`, and
 * returns the last statement's rows.
 */
export async function asApp(target: DbTarget, context: TestContext, ...statements: string[]): Promise<Record<string, unknown>[]> {
  const sql = await createSql(target.app);
  const queries = [
    ...(context
      ? [
          sql.query(
            "select set_config('app.org_id', $1, true), set_config('app.user_id', $2, true), set_config('app.api_key_id', $3, true)",
            [context.orgId, context.userId ?? "", context.apiKeyId ?? ""],
          ),
        ]
      : []),
    ...statements.map((s) => sql.query(s)),
  ];
  const results = await sql.transaction(queries);
  return (results.at(-1) ?? []) as Record<string, unknown>[];
}

/** Runs statements as the owner (superuser locally: RLS does not apply) in one transaction. */
export async function asOwner(
  target: DbTarget,
  ...statements: (string | { text: string; params: unknown[] })[]
): Promise<Record<string, unknown>[]> {
  const sql = await createSql(target.owner);
  const results = await sql.transaction(statements.map((s) => (typeof s === "string" ? sql.query(s) : sql.query(s.text, s.params))));
  return (results.at(-1) ?? []) as Record<string, unknown>[];
}

/** The Postgres error `promise` rejects with (it must reject with one). */
export async function dbError(promise: Promise<unknown>): Promise<NeonDbError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof NeonDbError))
    throw new Error(
      `expected a Postgres error, got ${outcome === undefined ? "a result" : outcome instanceof Error ? outcome.message : JSON.stringify(outcome)}`,
    );
  return outcome;
}

export interface SeededOrg {
  readonly orgId: string;
  /** One user per organization role. */
  readonly users: Readonly<Record<OrgRole, string>>;
  /** API keys by what they may do. */
  readonly keys: { readonly read: string; readonly write: string; readonly audit: string; readonly revoked: string };
  /** One row per compliance table. */
  readonly records: Readonly<Record<RecordTable, string>>;
}

const quote = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * An organization with a user in each role, four API keys and one row in each
 * compliance table (written by its owner, so the audit log has entries), as the owner.
 */
export async function seedOrg(target: DbTarget, label: string): Promise<SeededOrg> {
  const orgId = crypto.randomUUID();
  const users = Object.fromEntries(ORG_ROLES.map((role) => [role, crypto.randomUUID()])) as Record<OrgRole, string>;
  const keys = { read: crypto.randomUUID(), write: crypto.randomUUID(), audit: crypto.randomUUID(), revoked: crypto.randomUUID() };
  const records = Object.fromEntries(RECORD_TABLES.map((t) => [t, crypto.randomUUID()])) as Record<RecordTable, string>;
  const suffix = orgId.slice(0, 8);
  const scopes: Record<keyof typeof keys, string> = {
    read: "{records:read}",
    write: "{records:write}",
    audit: "{audit:read}",
    revoked: "{records:write}",
  };
  await asOwner(
    target,
    `insert into users (id, email, name, password_hash, email_verified_at) values ${ORG_ROLES.map(
      (role) =>
        `(${quote(users[role])}, ${quote(`${role}.${suffix}@${label}.example`)}, ${quote(`${label} ${role}`)}, '$2b$10$notarealhashnotarealhashnotarealhashnotarealhashnot', now())`,
    ).join(", ")}`,
    `insert into organizations (id, name) values (${quote(orgId)}, ${quote(label)})`,
    `insert into memberships (org_id, user_id, role) values ${ORG_ROLES.map((role) => `(${quote(orgId)}, ${quote(users[role])}, '${role}')`).join(", ")}`,
    `insert into api_keys (id, org_id, name, prefix, key_digest, scopes, revoked_at) values ${Object.entries(keys)
      .map(
        ([kind, id]) =>
          `(${quote(id)}, ${quote(orgId)}, ${quote(kind)}, 'rk_test_${kind}', ${quote(id.replaceAll("-", "").padEnd(64, "0"))}, ${quote(scopes[kind as keyof typeof keys])}, ${kind === "revoked" ? "now()" : "null"})`,
      )
      .join(", ")}`,
    `select set_config('app.org_id', ${quote(orgId)}, true), set_config('app.user_id', ${quote(users.owner)}, true)`,
    ...RECORD_TABLES.map(
      (t) =>
        `insert into ${t} (id, org_id, ${labelOf(t)}, owner_id) values (${quote(records[t])}, ${quote(orgId)}, ${quote(`${label} ${t}`)}, ${quote(users.owner)})`,
    ),
    `insert into security_events (org_id, type) values (${quote(orgId)}, 'seeded')`,
  );
  return { orgId, users, keys, records };
}

/** Shortcut: the context of `org`'s user in `role`. */
export const userIn = (org: SeededOrg, role: OrgRole, orgId: string = org.orgId): TestContext => ({ orgId, userId: org.users[role] });
