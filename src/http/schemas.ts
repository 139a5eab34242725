/**
 * Schemas of the problem+json bodies, registered as OpenAPI components so every
 * route documents its errors from the same definitions the code emits.
 */
import { z } from "@hono/zod-openapi";
import { ERROR_CODES, PROBLEM_TYPE_BASE, type ErrorCode } from "./errors";
import { PROBLEM_CONTENT_TYPE } from "./problem";

const codes = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** RFC 9457 problem details, as every error is sent. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: `${PROBLEM_TYPE_BASE}not_found`, description: `${PROBLEM_TYPE_BASE}<code>` }),
    title: z.string().openapi({ example: "Not found" }),
    status: z.number().int().openapi({ example: 404 }),
    detail: z.string().openapi({ example: "No resource exists at this path." }),
    code: z.enum(codes).openapi({ description: "Stable, machine-readable error code." }),
    request_id: z.string().openapi({ description: "Echoes X-Request-Id; quote it when reporting a problem." }),
  })
  .openapi("Problem");

/** One invalid field. */
export const FieldErrorSchema = z
  .object({
    in: z.enum(["body", "query", "path", "header", "cookie"]),
    path: z.string().openapi({ example: "email", description: "Dotted path inside `in`; empty for the whole part." }),
    message: z.string(),
    code: z.string().openapi({ example: "invalid_type" }),
  })
  .openapi("FieldError");

/** A `validation_failed` problem: the generic shape plus the field errors. */
export const ValidationProblemSchema = ProblemSchema.extend({ errors: z.array(FieldErrorSchema) }).openapi("ValidationProblem");

/** An OpenAPI response object for a problem. */
export function problemResponse<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema } } } as const;
}

/** The OpenAPI response for one status, as {@link errorResponses} builds it. */
export type ProblemResponses = Record<number, ReturnType<typeof problemResponse>>;

/**
 * The documented error responses for `codes`, grouped by status. Each response's
 * description lists its codes with the detail of the error-code table, so the
 * document says exactly what the code answers and no prose is written twice.
 *
 * @example
 * ```ts
 * errorResponses(["invalid_json", "validation_failed"]);
 * // { 400: { description: "- `invalid_json`: The request body is not valid JSON.", … }, 422: { … } }
 * ```
 */
export function errorResponses(codes: Iterable<ErrorCode>): ProblemResponses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: ProblemResponses = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const description = list.map((code) => `- \`${code}\`: ${ERROR_CODES[code].detail}`).join("\n");
    responses[status] = problemResponse(description, list.includes("validation_failed") ? ValidationProblemSchema : ProblemSchema);
  }
  return responses;
}

/** An OpenAPI JSON response. */
export function json<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { "application/json": { schema } } } as const;
}

/** An OpenAPI JSON request body. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { body: { content: { "application/json": { schema } } } } as const;
}
