/**
 * The field types compliance records are declared with: zod schemas with OpenAPI
 * metadata whose rules match the database's CHECK constraints (src/db/schema/records.ts),
 * so what the database would refuse is refused first, field by field, as 422
 * `validation_failed`. They also refuse what Postgres would turn into a 500 instead of
 * a refusal: a NUL character in text, a date Postgres cannot store (year 0).
 */
import { z } from "@hono/zod-openapi";
import { TEXT_LIMITS } from "../../db/schema";

/** Years a date or time may have (Postgres has no year 0; nothing in a register is older). */
const YEARS = { min: 1900, max: 9999 } as const;
const yearOf = (value: string): number => Number(value.slice(0, 4));
const plausibleYear = (value: string): boolean => yearOf(value) >= YEARS.min && yearOf(value) <= YEARS.max;

/** Text without NUL (Postgres text cannot hold it). */
function plainText(max: number) {
  return z
    .string()
    .max(max)
    .refine((value) => !value.includes("\u0000"), { message: "must not contain NUL characters" });
}

/** A record's name or title: trimmed, 1–300 characters. */
export const label = (example: string) =>
  plainText(TEXT_LIMITS.label)
    .trim()
    .min(1)
    .openapi({ example, description: `1–${TEXT_LIMITS.label} characters, trimmed.` });

/** A short optional text (a category, a service): up to 200 characters, null to clear. */
export const shortText = (example: string, description?: string) =>
  plainText(TEXT_LIMITS.short)
    .trim()
    .nullable()
    .optional()
    .openapi({ example, ...(description ? { description } : {}) });

/** A long optional text (a description): up to 20,000 characters, stored as written. */
export const longText = (example: string, description?: string) =>
  plainText(TEXT_LIMITS.text)
    .nullable()
    .optional()
    .openapi({ example, description: description ?? `Up to ${TEXT_LIMITS.text} characters.` });

/** Markdown: up to 50,000 characters, stored as written; whoever renders it sanitises it. */
export const markdown = (example: string) =>
  plainText(TEXT_LIMITS.markdown)
    .optional()
    .openapi({
      example,
      description: `Markdown, up to ${TEXT_LIMITS.markdown} characters, stored as written (render it sanitised). The whole request must fit 64 KiB.`,
    });

/** A 1–5 rating (likelihood, impact), null while not rated. */
export const rating = (what: string, example: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(5)
    .nullable()
    .optional()
    .openapi({ example, description: `${what}, 1 (lowest) to 5 (highest); null while not rated.` });

/** A calendar date (`YYYY-MM-DD`). */
export const day = (example: string, description?: string) =>
  z.iso
    .date()
    .refine(plausibleYear, { message: `year must be ${YEARS.min}–${YEARS.max}` })
    .nullable()
    .optional()
    .openapi({ example, ...(description ? { description } : {}) });

/** An instant, RFC 3339 with an offset (`2026-11-30T09:00:00Z`); answered in UTC. */
export const instant = (example: string, description?: string) =>
  z.iso
    .datetime({ offset: true })
    .refine(plausibleYear, { message: `year must be ${YEARS.min}–${YEARS.max}` })
    .nullable()
    .optional()
    .openapi({ example, ...(description ? { description } : {}) });

/** A yes/no fact; the database's default (false) applies when it is left out. */
export const flag = (description: string) => z.boolean().optional().openapi({ description, example: false });

/** One of a fixed set of values (a CHECK constraint in the database); left out: the default. */
export const choice = <const T extends readonly [string, ...string[]]>(values: T, example: T[number], description?: string) =>
  z
    .enum(values)
    .optional()
    .openapi({ example, ...(description ? { description } : {}) });

/** Like {@link choice}, and null to clear. */
export const optionalChoice = <const T extends readonly [string, ...string[]]>(values: T, example: T[number], description?: string) =>
  z
    .enum(values)
    .nullable()
    .optional()
    .openapi({ example, ...(description ? { description } : {}) });

/** A list of short texts (services, certifications): up to 50, each 1–200 characters, no repeats. */
export const textList = (example: string[], description: string) =>
  z
    .array(plainText(TEXT_LIMITS.listItem).trim().min(1))
    .max(TEXT_LIMITS.listItems)
    .refine((list) => new Set(list).size === list.length, { message: "must not repeat a value" })
    .optional()
    .openapi({ example, description });

/** A list of values of a fixed set, no repeats. */
export const choiceList = <const T extends readonly [string, ...string[]]>(values: T, example: T[number][], description: string) =>
  z
    .array(z.enum(values))
    .max(values.length)
    .refine((list) => new Set(list).size === list.length, { message: "must not repeat a value" })
    .optional()
    .openapi({ example, description });

/** A member of the organization (user id); the database refuses anyone else (422 `invalid_reference`). */
export const member = (description: string) =>
  z.uuid().nullable().optional().openapi({ example: "5d0c1f7e-2b7a-4c39-9a0e-6f1d2c3b4a55", description });

/** A short code (a control's reference, a document version), 1–50 characters, trimmed. */
export const code = (example: string, description: string) =>
  plainText(TEXT_LIMITS.reference).trim().min(1).openapi({ example, description });
