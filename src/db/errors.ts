/**
 * Postgres errors as the data layer sees them: the Neon driver raises them with the
 * server's SQLSTATE in `code`, and drizzle wraps them (the original is the `cause`).
 */

/** The SQLSTATE of a database error (e.g. `40001`, `23505`), or `undefined` for anything else. */
export function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * True when the database could not be reached or did not answer in time: the Neon
 * driver's connection failures (its fetch refused, aborted by the deadline, or
 * answered with a 5xx by the endpoint) carry no SQLSTATE, only this message shape.
 */
export function unreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    if (current.name === "NeonDbError" && /^(?:Error connecting to database|Server error \(HTTP status 5\d\d\))/.test(current.message))
      return true;
    if (current.name === "TimeoutError") return true;
  }
  return false;
}
