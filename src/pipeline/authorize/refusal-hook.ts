/**
 * The app's error handler, noting refusals first (refusals.ts says which count).
 * The recorder (database, Redis, token checks) is imported on the first failure,
 * not at start-up: the app's shell holds this handler before any module is loaded.
 */
import type { ErrorHandler } from "hono";
import type { AppEnv } from "../../context";

/**
 * Wraps the app's `onError` so that every failure passes the refusal recorder first.
 *
 * @example
 * ```ts
 * const errors = withRefusalEvents(onError);
 * app.onError(errors);
 * const refusals = refusalRouter(app.routes, errors); // the edge's refusals
 * ```
 */
export function withRefusalEvents(onError: ErrorHandler<AppEnv>): ErrorHandler<AppEnv> {
  return async (error, c) => {
    const { noteRefusal } = await import("./refusals");
    noteRefusal(c, error);
    return onError(error, c);
  };
}
