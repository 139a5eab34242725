/**
 * Stage 6, authorize (P9): an organization route declares the permission it needs
 * (`defineRoute(route, { permission: "write" })`) and this stage records it for the
 * handler. The check itself costs no round trip of its own: `inOrg` sends
 * `app.authorize(permission, aal)` as the FIRST statement of the handler's one
 * transaction, so the membership, role (or API key scope), MFA requirement and
 * suspension are checked in the same round trip that does the work, and a refusal
 * aborts the transaction before anything is written. The row-level security policies
 * then check every row again, on their own (the database's check; tests bypass this
 * one to prove it).
 *
 * Who is not in the organization gets 404, as if it did not exist: org ids reveal
 * nothing to outsiders. A member whose role does not allow the action gets 403.
 *
 * An API key (P9) is authenticated by the same transaction: its context statement
 * finds the live key by digest (401 `invalid_token` if none), then the check refuses
 * a key of another organization (404) or without the scope (403). A route that takes
 * keys but answered a success without such a transaction is a bug, refused here (500).
 */
import type { MiddlewareHandler } from "hono";
import type { Context } from "hono";
import { sql } from "drizzle-orm";
import type { BatchResponse } from "drizzle-orm/batch";
import type { AppEnv, Permission, Principal } from "../../context";
import { createDatabase, inTenant, type Actor, type Database, type Statements } from "../../db";
import type { OrgRole } from "../../db/schema";
import type { ErrorCode } from "../../http/errors";
import { AppError } from "../../http/errors";
import { apiKeyActor, settleApiKey } from "../authenticate/api-key";
import { settleOrgLimits } from "../rate-limit";

/** The path parameter that names the organization on every organization route. */
export const ORG_PARAM = "org";

/** The codes this stage (and the check it puts in the handler's transaction) may answer. */
export const AUTHORIZE_ERRORS: readonly ErrorCode[] = ["not_found", "forbidden", "mfa_required", "organization_suspended"];

/**
 * The stage for a route that needs `permission` in the organization of its path.
 *
 * @example
 * ```ts
 * defineRoute(route, { auth: { principals: ["user", "api_key"] }, permission: "write" }); // adds authorize("write")
 * ```
 */
export function authorize(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function authorize(c, next) {
    const orgId = c.get("principal")?.orgId;
    // Stage 4 sets the organization from the path (a malformed id is a 404 there).
    if (orgId === undefined) throw new AppError("not_found");
    c.set("access", { orgId, permission });
    await next();
    const presented = c.get("apiKey");
    if (presented !== undefined && !presented.authenticated && c.error === undefined && c.res.status < 400) {
      throw new Error(`${c.req.method} ${c.req.path} answered an API key without authenticating it (use inOrg)`);
    }
  };
}

function actorOf(c: Context<AppEnv>, principal: Principal): Actor {
  return principal.kind === "user" ? { kind: "user", userId: principal.id } : apiKeyActor(c);
}

/** What {@link inOrg} answers: the caller's role (null for an API key) and the statements' results, in order. */
export interface OrgResult<Q extends Statements> {
  readonly role: OrgRole | null;
  readonly results: BatchResponse<Q>;
}

/**
 * Runs the handler's statements in its organization, after the route's check, in
 * ONE transaction and one round trip.
 *
 * @example
 * ```ts
 * const { role, results: [rows] } = await inOrg(c, (tx) => [tx.select().from(schema.risks).limit(50)]);
 * ```
 */
export async function inOrg<const Q extends Statements>(c: Context<AppEnv>, build: (db: Database) => Q): Promise<OrgResult<Q>> {
  const access = c.get("access");
  const principal = c.get("principal");
  if (access === undefined || principal === undefined) throw new Error("inOrg: not an organization route (declare its permission)");
  const aal = principal.kind === "user" ? principal.aal : null;
  const actor = actorOf(c, principal);
  const db = await createDatabase(c.env.edge.config.database);
  const [check, ...results] = await inTenant(db, { orgId: access.orgId, actor }, (tx) => [
    tx.execute<{ role: OrgRole | null }>(sql`select app.authorize(${access.permission}, ${aal}) as role`),
    ...build(tx),
  ]).catch((error: unknown) => {
    // Whether the check admitted the caller decides if the org's rate limits count this request.
    settleOrgLimits(c, error);
    // A presented key that no live row has becomes 401 here; any other failure goes on as it is.
    settleApiKey(c, error);
    throw error;
  });
  settleOrgLimits(c);
  settleApiKey(c);
  return { role: check.rows[0]?.role ?? null, results };
}
