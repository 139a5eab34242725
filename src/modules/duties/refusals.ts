/**
 * The refusals only the duty tables raise (drizzle/0018_duties_security.sql), as error
 * codes; the common ones (authorization, row policies, keys, checks) are mapped for every
 * route by src/http/database-problems.ts. A refused transaction committed nothing.
 */
import { sqlState } from "../../db";
import { AppError, type ErrorCode } from "../../http/errors";

/** SQLSTATEs of 0018's triggers and what the client is told. */
const REFUSALS: Readonly<Record<string, ErrorCode>> = {
  // A draft or retired policy.
  RAPNA: "policy_not_approved",
  // A version named that is not the policy's current one (the API names none: it
  // checks If-Match itself; this is the database's own refusal of a direct write).
  RAPVC: "precondition_failed",
};

/**
 * Runs a request's transaction and turns 0018's refusals into problems; anything else
 * goes on to the error stage as it is.
 *
 * @example
 * ```ts
 * const { results } = await refusalsAsProblems(inOrg(c, (tx) => [...]));
 * ```
 */
export async function refusalsAsProblems<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const code = REFUSALS[sqlState(error) ?? ""];
    if (code !== undefined) throw new AppError(code, { cause: error });
    throw error;
  }
}
