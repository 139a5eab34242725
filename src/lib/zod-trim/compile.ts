/**
 * Bundle trim for zod's ahead-of-time compiler (`z.compile`, ~30 KB minified).
 * It generates parsers with `new Function`, which workerd forbids, so in a Worker
 * zod's own `compile()` already falls back to returning the schema unchanged; this
 * stand-in does exactly that without the generator. `strict` mode and
 * `withParser` refuse plainly instead of pretending.
 * Wired in wrangler.toml [alias]; see README "Bundle size".
 */

/** zod's sentinel for "the fast path failed"; same registry symbol as zod's. */
export const INVALID: unique symbol = Symbol.for("zod.compile.invalid") as never;

export class ZodCompileAsyncError extends Error {
  constructor(message = "z.compile does not support async refinements, transforms, or checks") {
    super(message);
    this.name = "ZodCompileAsyncError";
  }
}

export class ZodCompileUnsupportedError extends Error {
  readonly islandable: boolean;
  constructor(feature: string, islandable = true) {
    super(`z.compile does not support ${feature}; this schema must use the runtime parser`);
    this.name = "ZodCompileUnsupportedError";
    this.islandable = islandable;
  }
}

const UNAVAILABLE = "code generation (unavailable in Workers)";

/** As zod's `compile` behaves where `new Function` is unavailable: the schema, unchanged. */
export function compile<T>(schema: T, options?: { strict?: boolean }): T {
  if (options?.strict) throw new ZodCompileUnsupportedError(UNAVAILABLE, false);
  return schema;
}

/** Not part of this build: refuses rather than installing nothing silently. */
export function withParser(): never {
  throw new ZodCompileUnsupportedError(UNAVAILABLE, false);
}

/** Not part of this build: refuses rather than returning a parser that does nothing. */
export function compileFn(): never {
  throw new ZodCompileUnsupportedError(UNAVAILABLE, false);
}
