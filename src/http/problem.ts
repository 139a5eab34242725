/**
 * RFC 9457 problem details: the only shape an error leaves the API in.
 * `{type, title, status, detail, code, request_id}` plus `errors` for field-level
 * validation and safe extension members. No stack, SQL or internal id, ever.
 */
import type { Context } from "hono";
import { edgeFactsSoFar, type AppEnv } from "../context";
import { ERROR_CODES, PROBLEM_TYPE_BASE, type AppErrorOptions, type ErrorCode, type FieldError } from "./errors";

/** The media type of every error response. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The JSON body of a problem response. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly request_id: string;
  readonly errors?: readonly FieldError[];
  readonly [extension: string]: unknown;
}

/** Builds the problem body for `code`; `requestId` is the only per-request datum. */
export function problemBody(code: ErrorCode, requestId: string, options: Omit<AppErrorOptions, "headers" | "cause"> = {}): ProblemBody {
  const spec = ERROR_CODES[code];
  return {
    ...options.extensions,
    type: PROBLEM_TYPE_BASE + code,
    title: spec.title,
    status: spec.status,
    detail: options.detail ?? spec.detail,
    code,
    request_id: requestId,
    ...(options.errors === undefined ? {} : { errors: options.errors }),
  };
}

/**
 * Answers with a problem. Built through `c.body` so headers set earlier in the
 * pipeline (request id) are kept; errors are never cached.
 *
 * @example
 * ```ts
 * return problem(c, "not_found");
 * ```
 */
export function problem(c: Context<AppEnv>, code: ErrorCode, options: Omit<AppErrorOptions, "cause"> = {}): Response {
  // Set by the first stage; unset (hence empty) only for a context built outside the app.
  const requestId = edgeFactsSoFar(c).requestId ?? "";
  const body = problemBody(code, requestId, options);
  return c.body(JSON.stringify(body), ERROR_CODES[code].status, {
    ...options.headers,
    "Content-Type": PROBLEM_CONTENT_TYPE,
    "Cache-Control": "no-store",
  });
}
