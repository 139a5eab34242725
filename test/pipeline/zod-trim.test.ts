/**
 * The bundle trims in wrangler.toml [alias] replace two zod modules. These tests run
 * the trimmed build (the workers project bundles with the same wrangler config) and
 * pin what the replacements promise: English messages, and `z.compile` behaving as
 * zod's own does where code generation is unavailable.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";

describe("zod bundle trims", () => {
  it("keeps only the English locale, which zod uses for its messages", () => {
    expect(Object.keys(z.locales)).toEqual(["en"]);
    const result = z.object({ name: z.string() }).safeParse({ name: 1 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("Invalid input: expected string, received number");
  });

  it("returns the schema unchanged from z.compile, as zod does without code generation", () => {
    const schema = z.object({ id: z.uuid() });
    expect(z.compile(schema)).toBe(schema);
    expect(schema.safeParse({ id: "not-a-uuid" }).success).toBe(false);
  });

  it("refuses strict compilation and withParser plainly instead of pretending", () => {
    const schema = z.string();
    expect(() => z.compile(schema, { strict: true })).toThrow(/unavailable in Workers/);
    expect(() => z.withParser(schema, (v: unknown) => String(v))).toThrow(z.ZodCompileUnsupportedError);
  });
});
