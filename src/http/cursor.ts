/**
 * Keyset pagination cursors, shared by every list route: `next_cursor` is the
 * position of the last item of a page (e.g. `{ seq: 1042 }`), as opaque base64url
 * JSON tagged with the list it belongs to. A cursor carries a position, never a
 * permission: whatever a client puts in one, the query still runs under the
 * request's organization and its row policies, so a forged cursor can only move
 * the starting point of a list the caller may read anyway. What does not decode to
 * a position of this list (garbage, another list's cursor, a tampered value) is a
 * 400 `invalid_cursor`, never a 500.
 */
import { z } from "@hono/zod-openapi";
import { base64url, fromBase64url, utf8 } from "../lib/encoding";
import { AppError } from "./errors";

/** The longest cursor accepted in a query (a position is a few dozen bytes). */
export const MAX_CURSOR_LENGTH = 512;

/** The `cursor` query parameter of a list route. */
export const CursorParam = z
  .string()
  .min(1)
  .max(MAX_CURSOR_LENGTH)
  .optional()
  .openapi({
    param: { name: "cursor", in: "query" },
    description: "The `next_cursor` of the previous page, as returned (opaque); omit it for the first page.",
  });

/** The `limit` query parameter of a list route: `max` at most, `fallback` when absent. */
export function limitParam(fallback: number, max: number) {
  return z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .openapi({ param: { name: "limit", in: "query" }, description: `Items per page, 1–${max} (default ${fallback}).`, example: fallback });
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * The cursor for a position of the list `list`.
 *
 * @example
 * ```ts
 * encodeCursor("audit", { seq: 1042 }); // "eyJsIjoiYXVkaXQiLCJwIjp7InNlcSI6MTA0Mn19"
 * ```
 */
export function encodeCursor(list: string, position: Readonly<Record<string, string | number>>): string {
  return base64url(utf8.encode(JSON.stringify({ l: list, p: position })));
}

/**
 * The position a cursor of the list `list` holds, validated by `schema`; a cursor
 * that is not one (undecodable, another list's, out of shape) throws 400 `invalid_cursor`.
 *
 * @example
 * ```ts
 * const { seq } = decodeCursor("audit", z.object({ seq: z.number().int().positive() }), query.cursor);
 * ```
 */
export function decodeCursor<S extends z.ZodType>(list: string, schema: S, cursor: string): z.infer<S> {
  const bytes = fromBase64url(cursor);
  let parsed: unknown;
  try {
    parsed = bytes === undefined ? undefined : JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    // Not UTF-8 or not JSON: a cursor this API never issued.
    throw new AppError("invalid_cursor", { cause });
  }
  const envelope = z.object({ l: z.literal(list), p: z.unknown() }).safeParse(parsed);
  const position = envelope.success ? schema.safeParse(envelope.data.p) : undefined;
  if (position === undefined || !position.success) throw new AppError("invalid_cursor");
  return position.data;
}
