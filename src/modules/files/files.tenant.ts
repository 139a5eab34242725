/**
 * The one transaction of a signed file URL's request (/files), which carries no bearer
 * token: the URL's verified claims name the organization and the actor who asked for
 * it, and the transaction acts as that actor. Its first statement is the same check an
 * organization route's has (`app.authorize`), so a URL stops working at once when its
 * actor may no longer act (a member removed, an API key revoked or without the scope, the
 * organization suspended or requiring MFA of an aal1 session), and the row policies check
 * every row again. One round trip, like every request.
 */
import { sql } from "drizzle-orm";
import type { BatchResponse } from "drizzle-orm/batch";
import type { Context } from "hono";
import type { AppEnv, Permission } from "../../context";
import { createDatabase, inTenant, type Actor, type Database, type Statements } from "../../db";
import type { FileGrant } from "./files.urls";

/**
 * Runs `build`'s statements as the grant's actor in its organization, after the check of `permission`.
 *
 * @example
 * ```ts
 * const [row] = await inGrant(c, grant, "evidence:read", (tx) => [servedVersion(tx, grant)]);
 * ```
 */
export async function inGrant<const Q extends Statements>(
  c: Context<AppEnv>,
  grant: FileGrant,
  permission: Permission,
  build: (db: Database) => Q,
): Promise<BatchResponse<Q>> {
  const actor: Actor =
    grant.actor.kind === "user" ? { kind: "user", userId: grant.actor.id } : { kind: "signed_api_key", keyId: grant.actor.id };
  const aal = grant.actor.kind === "user" ? grant.actor.aal : null;
  const db = await createDatabase(c.env.edge.config.database);
  const [, ...results] = await inTenant(db, { orgId: grant.orgId, actor }, (tx) => [
    tx.execute(sql`select app.authorize(${permission}, ${aal})`),
    ...build(tx),
  ]);
  return results;
}
