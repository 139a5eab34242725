/**
 * Routers. Every router validates with the same hook (a failed zod parse is 422
 * `validation_failed`); the document they make is openapi-document.ts. Routes
 * themselves are declared with `defineRoute` (src/pipeline/route.ts), which adds
 * their pipeline.
 */
import { OpenAPIHono, type Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../context";
import { AppError, type FieldError } from "./errors";

const MAX_FIELD_ERRORS = 50;
const TARGETS: Readonly<Record<string, FieldError["in"]>> = {
  json: "body",
  form: "body",
  query: "query",
  param: "path",
  header: "header",
  cookie: "cookie",
};

/**
 * The validation hook of every router: a failed zod parse becomes 422
 * `validation_failed` listing each field (capped, so a huge body cannot make a
 * huge answer). Messages are zod's, which describe the rule, not internals.
 */
export const validationHook: Hook<unknown, AppEnv, string, void> = (result) => {
  if (result.success) return;
  const errors = result.error.issues.slice(0, MAX_FIELD_ERRORS).map((issue) => ({
    in: TARGETS[result.target] ?? "body",
    path: issue.path.map(String).join("."),
    message: issue.message,
    code: issue.code,
  }));
  throw new AppError("validation_failed", { errors });
};

/**
 * A router for a module (or the app itself), with the validation hook set.
 *
 * @example
 * ```ts
 * const router = createRouter();
 * router.openapi(healthRoute, (c) => c.json({ status: "ok" }, 200));
 * ```
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
