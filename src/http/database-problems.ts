/**
 * Database errors as problems: the SQLSTATEs a request's transaction may end with
 * because of what the client asked, each mapped to its stable error code. Rampart's
 * own class `RA` is raised by the authorization and ownership functions (drizzle/
 * 0005_organizations_security.sql) and the API-key check (0008); the others are Postgres's. A refused
 * transaction committed nothing, so the problem is the whole answer. Anything not
 * listed is a bug and stays a 500.
 */
import { sqlState, unreachable } from "../db/errors";
import type { ErrorCode } from "./errors";

const PROBLEMS: ReadonlyMap<string, ErrorCode> = new Map<string, ErrorCode>([
  // app.authorize: an org the caller is not in reads as one that does not exist.
  ["RA404", "not_found"],
  ["RA403", "forbidden"],
  ["RAMFA", "mfa_required"],
  ["RASUS", "organization_suspended"],
  ["RALOW", "last_owner"],
  // auth.authenticate_api_key (drizzle/0008_api_keys_security.sql): no live API key has the
  // presented key's digest (unknown, revoked or expired alike). The organization stage
  // answers it itself, with the WWW-Authenticate header and a log line; this is the fallback.
  ["RAKEY", "invalid_token"],
  // The membership and invitation functions (drizzle/0007_members_security.sql).
  ["RAMEM", "already_member"],
  ["RAINV", "invalid_invitation"],
  ["RAVER", "email_not_verified"],
  ["RAEML", "invitation_email_mismatch"],
  ["RAREF", "invalid_reference"],
  // The duty triggers (drizzle/0018_duties_security.sql): a draft or retired policy; a version
  // that is not the policy's current one (the API checks If-Match itself; this is the database's
  // own refusal of a direct write).
  ["RAPNA", "policy_not_approved"],
  ["RAPVC", "precondition_failed"],
  // app.check_evidence_limits (evidence files, P14): the plan's limit per file, or the organization's storage.
  ["RAFSZ", "file_too_large"],
  ["RAQTA", "storage_quota_exceeded"],
  // insufficient_privilege: a row-level security policy refused a write (WITH CHECK).
  ["42501", "forbidden"],
  // unique_violation, foreign_key_violation
  ["23505", "already_exists"],
  ["23503", "invalid_reference"],
  // check_violation: a CHECK constraint (an enum, a range, a date order) refused a value
  // the API's validation let through (src/db/schema/records.ts); nothing was written.
  ["23514", "constraint_violated"],
  // serialization_failure: a concurrent writer won; the client retries.
  ["40001", "conflict"],
]);

/** The error code a database error maps to, or `undefined` when it is not the client's doing. */
export function databaseProblem(error: unknown): ErrorCode | undefined {
  if (unreachable(error)) return "database_unavailable";
  const state = sqlState(error);
  return state === undefined ? undefined : PROBLEMS.get(state);
}
