/**
 * Stage 8, the error path: every failure leaves as RFC 9457 problem+json.
 * Expected failures (`AppError`, library HTTP exceptions) map through the code
 * table, and so do the database's refusals (src/http/database-problems.ts);
 * anything else is a bug: logged once, as one structured line with the
 * stack, and answered with a 500 that carries only the request id.
 */
import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { edgeFactsSoFar, type AppEnv } from "../../context";
import { databaseProblem } from "../../http/database-problems";
import { AppError, codeForStatus } from "../../http/errors";
import { problem } from "../../http/problem";
import { log, scrub } from "../../lib/log";
import { ConfigUnavailableError } from "./config";

/** Seconds a client is asked to wait after 503 `database_unavailable`. */
const DATABASE_RETRY_AFTER = "5";

/** An error's name and message, and its cause's: enough to tell a timeout from a refusal, no stack. */
function describe(error: Error): string {
  const cause = error.cause instanceof Error ? `; cause ${error.cause.name}: ${error.cause.message.slice(0, 200)}` : "";
  return `${error.name}: ${error.message.slice(0, 200)}${cause}`;
}

/** Wraps a thrown non-Error value so Hono's error handler (Errors only) sees it. */
export class NonErrorThrown extends Error {
  override readonly name = "NonErrorThrown";
  readonly thrown: unknown;
  constructor(thrown: unknown) {
    super(`non-Error value thrown: ${typeof thrown}`);
    this.thrown = thrown;
  }
}

function logUnexpected(c: Context<AppEnv>, error: Error): void {
  log.error("unhandled_error", {
    request_id: edgeFactsSoFar(c).requestId,
    method: c.req.method,
    path: c.req.path,
    error,
  });
  // In development the stack is also written as plain lines: `wrangler dev` maps plain
  // stack frames back to src/*.ts through the bundle's source map, but it cannot see
  // frames inside a JSON string. Unset when the configuration itself failed.
  if (edgeFactsSoFar(c).config?.appEnv === "development" && error.stack !== undefined) console.error(scrub(error.stack));
}

/**
 * The app's `onError`.
 *
 * @example
 * ```ts
 * app.onError(onError);
 * ```
 */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof AppError) {
    if (error.code === "internal_error") logUnexpected(c, error);
    return problem(c, error.code, error.options);
  }
  // Already logged once when the configuration was parsed.
  if (error instanceof ConfigUnavailableError) return problem(c, "internal_error");
  if (error instanceof HTTPException && error.status < 500) return problem(c, codeForStatus(error.status));
  // What the database refused because of the request (authorization, a duplicate, a dangling reference).
  const refused = databaseProblem(error);
  if (refused === "database_unavailable") {
    // An outage, not a bug: one warning line without a stack, and the client is told when to retry.
    log.warn("database_unavailable", {
      request_id: edgeFactsSoFar(c).requestId,
      method: c.req.method,
      path: c.req.path,
      error: describe(error),
    });
    return problem(c, refused, { headers: { "Retry-After": DATABASE_RETRY_AFTER } });
  }
  if (refused !== undefined) return problem(c, refused);
  logUnexpected(c, error);
  return problem(c, "internal_error");
};
