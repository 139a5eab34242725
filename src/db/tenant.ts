/**
 * A request's database work, as ONE round trip (README "Database"): the tenant context
 * and the request's statements go to Neon as one non-interactive transaction
 * (drizzle `batch` → `sql.transaction`). The context is transaction-local
 * (`set_config(..., true)`), so it cannot outlive the request on a pooled connection,
 * and the RLS policies see it for every statement after it.
 */
import { sql } from "drizzle-orm";
import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import type { NeonHttpDatabase } from "drizzle-orm/neon-http";
import { createSql, type DatabaseConfig, type SqlOptions } from "./client";
import * as schema from "./schema";

/** The typed database handle (Neon over HTTP). */
export type Database = NeonHttpDatabase<typeof schema>;

/**
 * Who acts: a signed-in user or an organization's API key, never both. A key acts
 * only by its digest: the context statement itself finds the live key with that
 * digest (`auth.authenticate_api_key`, drizzle/0008_api_keys_security.sql) and sets
 * `app.api_key_id` to its id, or fails the whole transaction with SQLSTATE `RAKEY`,
 * so a key is authenticated in the same round trip as the work, on every request
 * (a revoked or expired key fails at once), and no code can act as a key it does
 * not hold.
 */
export type Actor =
  | { readonly kind: "user"; readonly userId: string }
  | { readonly kind: "api_key"; readonly keyDigest: string }
  /**
   * An API key named by its id, ONLY from a credential the worker signed itself for a
   * request that key made (a signed evidence URL, src/modules/evidence-files/): the key
   * was authenticated by digest when the URL was issued, and `app.authorize` checks again
   * that it is live, of this organization and scoped before anything is read or written.
   */
  | { readonly kind: "signed_api_key"; readonly keyId: string };

/** What the policies check: the organization the request works in, and its actor. */
export interface TenantContext {
  readonly orgId: string;
  readonly actor: Actor;
}

/**
 * A request's context in general: a tenant request has both; a user acting on their
 * own account (sessions, MFA) has only an actor; a sign-in step before anyone is
 * known has neither, and reaches data only through the `auth` schema's functions.
 */
export interface RequestContext {
  readonly orgId?: string;
  readonly actor?: Actor;
}

/** One or more statements built with the handle (not yet sent). */
export type Statements = readonly [BatchItem<"pg">, ...BatchItem<"pg">[]];

const databases = new WeakMap<DatabaseConfig, Promise<Database>>();

async function build(config: DatabaseConfig, options?: SqlOptions): Promise<Database> {
  // drizzle's neon-http session and the Neon driver load with the first database request.
  const [{ drizzle }, client] = await Promise.all([import("drizzle-orm/neon-http"), createSql(config, options)]);
  return drizzle({ client, schema });
}

/**
 * The database for a config. Without per-call options it is built once per config
 * (drizzle's schema walk is not free); with a signal it is built for that call.
 *
 * Note: creating a neon-http drizzle instance makes the Neon driver return
 * timestamptz/date/interval as strings in the whole isolate (drizzle sets the parsers).
 */
export function createDatabase(config: DatabaseConfig, options?: SqlOptions): Promise<Database> {
  if (options) return build(config, options);
  let db = databases.get(config);
  if (!db) {
    db = build(config);
    // A failed load is not kept: the next request tries again.
    db.catch(() => databases.delete(config));
    databases.set(config, db);
  }
  return db;
}

function setContext(db: Database, context: RequestContext) {
  const userId = context.actor?.kind === "user" ? context.actor.userId : "";
  const apiKeyId =
    context.actor?.kind === "api_key"
      ? sql`auth.authenticate_api_key(${context.actor.keyDigest})::text`
      : context.actor?.kind === "signed_api_key"
        ? sql`${context.actor.keyId}::text`
        : sql`''`;
  return db.execute(
    sql`select set_config('app.org_id', ${context.orgId ?? ""}, true), set_config('app.user_id', ${userId}, true), set_config('app.api_key_id', ${apiKeyId}, true)`,
  );
}

/**
 * Runs `build`'s statements in `context`, in one transaction and one round trip, and
 * returns their results in order. Anything that must read before it decides belongs
 * in the SQL (a CTE, a function), not in a second call.
 *
 * @example
 * ```ts
 * const [risks] = await inTenant(await createDatabase(config.database), { orgId, actor: { kind: "user", userId } }, (tx) => [
 *   tx.select().from(schema.risks).limit(50),
 * ]);
 * ```
 */
export function inTenant<const Q extends Statements>(
  db: Database,
  context: TenantContext,
  build: (db: Database) => Q,
): Promise<BatchResponse<Q>> {
  return inContext(db, context, build);
}

/**
 * Like {@link inTenant} for any context, an empty one included: the statements run
 * in one transaction, one round trip, with exactly the variables given set.
 *
 * @example
 * ```ts
 * const [rows] = await inContext(db, {}, (tx) => [tx.execute(sql`select * from auth.password_login(${email})`)]);
 * ```
 */
export async function inContext<const Q extends Statements>(
  db: Database,
  context: RequestContext,
  build: (db: Database) => Q,
): Promise<BatchResponse<Q>> {
  // The batch answers in order; the first answer (the context) is dropped.
  const [, ...results] = await db.batch([setContext(db, context), ...build(db)]);
  return results;
}
