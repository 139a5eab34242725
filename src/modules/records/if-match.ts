/**
 * `If-Match` (RFC 9110 §13.1.1) on PATCH: the versions the client last saw, as entity
 * tags `"<version>"`. Strong comparison: a weak tag (`W/"3"`) never matches; `*` matches
 * any current version (the record must exist, as without the header).
 */
import { z } from "@hono/zod-openapi";

const ENTITY_TAG = /^(?:W\/)?"[^"]{0,64}"$/;
const VERSION_TAG = /^"(\d{1,9})"$/;

const tagsOf = (header: string): string[] => header.split(",").map((tag) => tag.trim());

/** The request header, validated (a malformed one is 422, not ignored). */
export const IfMatchHeader = z.object({
  "if-match": z
    .string()
    .max(1024)
    .refine((header) => header.trim() === "*" || tagsOf(header).every((tag) => ENTITY_TAG.test(tag)), {
      message: 'must be "*" or entity tags such as "3"',
    })
    .optional()
    .openapi({
      param: { name: "if-match", in: "header" },
      description: 'The `ETag` of your last read (`"3"`): the change applies only if the record is still at that version (else 412).',
      example: '"3"',
    }),
});

/**
 * The versions a change may apply to: `undefined` for any (no header, or `*`), else the
 * strong tags' versions (possibly none: then nothing matches).
 *
 * @example
 * ```ts
 * versionsOf('"3", W/"4"'); // [3]
 * ```
 */
export function versionsOf(header: string | undefined): readonly number[] | undefined {
  if (header === undefined || header.trim() === "*") return undefined;
  return tagsOf(header).flatMap((tag) => {
    const version = VERSION_TAG.exec(tag)?.[1];
    return version === undefined ? [] : [Number(version)];
  });
}

/** The `ETag` of a record at `version`. */
export const etagOf = (version: unknown): string => `"${String(version)}"`;
