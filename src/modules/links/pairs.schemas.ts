/**
 * The response schemas of one plain link (pairs.ts), derived from its declaration: the
 * link itself, and the lists from either side with a summary of the record on the other.
 */
import { z } from "@hono/zod-openapi";
import type { LinkEnd } from "./ends";
import type { PairLink } from "./pairs";
import { pascal, summarySchemaOf, Truncated } from "./schemas";

const WHEN_EXAMPLE = "2026-11-30T09:00:00.000Z";
const USER_ID_EXAMPLE = "5d0c1f7e-2b7a-4c39-9a0e-6f1d2c3b4a55";

/** A link as the API answers it (`control_id`, `risk_id`, `created_at`, `created_by`). */
export type PairOut = Record<string, string>;

export function pairSchemasOf(link: PairLink) {
  const example = {
    [link.from.column]: "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b",
    [link.to.column]: "9a8b1c2d-3e4f-4a6b-8f1e-9c2a7b4d4e6f",
    created_at: WHEN_EXAMPLE,
    created_by: USER_ID_EXAMPLE,
  };
  const shape = {
    [link.from.column]: z.uuid(),
    [link.to.column]: z.uuid(),
    created_at: z.iso.datetime().openapi({ description: "When they were linked." }),
    created_by: z.uuid().openapi({ description: "The user or API key that linked them (set by the database)." }),
  };
  // Built from the declaration at load: statically, the generic shape the handlers answer.
  const Link = z.object(shape).openapi(`${link.name}Link`, { example }) as unknown as z.ZodType<PairOut>;
  /** The links of a record of `side`, each with the record on the other side. */
  const listOf = (side: LinkEnd) => {
    const other = side === link.from ? link.to : link.from;
    const Item = z.object({ ...shape, [other.singular]: summarySchemaOf(other) });
    return z.object({ items: z.array(Item), truncated: Truncated }).openapi(`${pascal(side.singular)}${pascal(other.records)}Links`);
  };
  return { Link, FromList: listOf(link.from), ToList: listOf(link.to) };
}
