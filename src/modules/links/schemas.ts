/**
 * Schemas shared by the link routes: a record's summary in a list (one OpenAPI
 * component per kind of record, built once however many links show it).
 */
import { z } from "@hono/zod-openapi";
import type { LinkEnd } from "./ends";

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
/** `risk` → `Risk`, `control_id` → `ControlId`. */
export const pascal = (words: string): string => words.split("_").map(capitalised).join("");

const summaries = new Map<LinkEnd, z.ZodObject>();

/** What a list shows of a record of `end` (`ControlSummary`, …). */
export function summarySchemaOf(end: LinkEnd): z.ZodObject {
  let schema = summaries.get(end);
  if (schema === undefined) {
    schema = z
      .object(end.summary)
      .openapi(`${pascal(end.singular)}Summary`, { description: `The ${end.singular}, in short: GET it for the whole record.` });
    summaries.set(end, schema);
  }
  return schema;
}

/** Whether a list was cut at its cap. */
export const Truncated = z.boolean().openapi({ description: "True when there were more than the list shows (at most 500)." });
