/**
 * P4, P12: which requests an organization's limits count. Stage 5 runs before the
 * organization's check (stage 6, the first statement of the handler's transaction),
 * so it cannot know whether the caller belongs to the organization of the path. If
 * it counted every request there, anyone (a signed-up outsider, or a forged but
 * well-formed API key) could spend a victim organization's budget with requests
 * that are answered 404 or 401, and its members would then get 429.
 *
 * So a limit whose subject is the organization is only READ in stage 5's one round
 * trip (a request is refused once the organization's real traffic has used the
 * quota), and it is CONSUMED after the response, in `waitUntil`, only for a request
 * whose transaction got past the check: `inOrg` reports here how it ended.
 * Everything else (refused as an outsider, a key no live row has, a failure before
 * the database answered, a 422 from validation, which runs before the handler)
 * costs the organization nothing.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { sqlState } from "../../db/errors";

/**
 * SQLSTATEs that mean the check did NOT admit the caller: `RA404` is `app.authorize`'s
 * answer to an outsider, an organization that does not exist or another organization's
 * key (drizzle/0005_organizations_security.sql); `RAKEY`, no live API key has the
 * presented digest (0008). Any other SQLSTATE was raised after the check passed (a
 * member's 403 or MFA requirement, a suspended organization, a conflict, a row policy):
 * the caller is the organization's, and its request counts.
 */
const NOT_ADMITTED: ReadonlySet<string> = new Set(["RA404", "RAKEY"]);

// Requests whose caller the organization's check admitted. Keyed by the request's
// context, so nothing outlives the request.
const admitted = new WeakSet<Context<AppEnv>>();

/**
 * Reports how the organization's check of this request ended: without an error (the
 * transaction committed), or with the error the transaction failed with. Called by
 * `inOrg`; stage 5 then consumes the organization's limits after the response only
 * if the caller was admitted.
 *
 * @example
 * ```ts
 * const results = await inTenant(…).catch((error: unknown) => { settleOrgLimits(c, error); throw error; });
 * settleOrgLimits(c);
 * ```
 */
export function settleOrgLimits(c: Context<AppEnv>, error?: unknown): void {
  if (error !== undefined) {
    const state = sqlState(error);
    // No SQLSTATE: the database did not answer (or something failed before it), so nothing was checked.
    if (state === undefined || NOT_ADMITTED.has(state)) return;
  }
  admitted.add(c);
}

/** True when the organization's check admitted this request's caller (see {@link settleOrgLimits}). */
export function orgAdmitted(c: Context<AppEnv>): boolean {
  return admitted.has(c);
}
