/**
 * The five routes of a resource, derived from its declaration: their schemas (request,
 * response, list query), OpenAPI entries with examples, and the pipeline options
 * (auth, the permission per action, WAF exclusions of the free-text fields, the error
 * codes each may answer).
 */
import { z } from "@hono/zod-openapi";
import { CursorParam, limitParam } from "../../http/cursor";
import { json, jsonBody } from "../../http/schemas";
import { defineRoute } from "../../pipeline/route";
import type { WafExclusion } from "../../pipeline/waf";
import { OrgParams } from "../orgs/orgs.schemas";
import { FREE_TEXT_WAF_GROUPS, type Resource } from "./declaration";
import { IfMatchHeader } from "./if-match";
import type { RecordOut } from "./statements";
import { DEFAULT_PAGE, MAX_PAGE } from "./list";

const RECORD_ID_EXAMPLE = "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b";
const USER_ID_EXAMPLE = "5d0c1f7e-2b7a-4c39-9a0e-6f1d2c3b4a55";
const WHEN_EXAMPLE = "2026-11-30T09:00:00.000Z";

const capitalised = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);
/** "a risk", "an incident". */
const aOrAn = (word: string): string => `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;

/** `{org}` and a record's id. A malformed id names no record: 404, like an unknown one (handlers.ts). */
const RecordParams = OrgParams.extend({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, format: "uuid", example: RECORD_ID_EXAMPLE }),
});

/** A field's schema as answered: present, null when empty (the write schema without `optional`). */
function answered(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
}

/** The schemas of one resource. */
function schemasOf(resource: Resource) {
  const { spec } = resource;
  const Name = capitalised(spec.singular);
  const example = {
    id: RECORD_ID_EXAMPLE,
    ...spec.example,
    status: spec.example.status ?? spec.defaultStatus ?? spec.statuses[0],
    owner_id: USER_ID_EXAMPLE,
    version: 1,
    created_at: WHEN_EXAMPLE,
    created_by: USER_ID_EXAMPLE,
    updated_at: WHEN_EXAMPLE,
    updated_by: USER_ID_EXAMPLE,
    ...Object.fromEntries(Object.entries(spec.derived ?? {}).map(([name, field]) => [name, field.example])),
  };
  const output = Object.fromEntries(Object.entries(resource.writable).map(([key, schema]) => [key, answered(schema as z.ZodType)]));
  // Built from the declaration at load: statically, the generic shape the handlers answer.
  const Record = z
    .object({
      id: z.uuid(),
      ...output,
      ...spec.computed,
      version: z.number().int().min(1).openapi({ description: "Bumped by every change; sent as `ETag` and matched by `If-Match`." }),
      created_at: z.iso.datetime(),
      created_by: z.uuid().openapi({ description: "The user or API key that created it (set by the database)." }),
      updated_at: z.iso.datetime(),
      updated_by: z.uuid().openapi({ description: "The user or API key that changed it last (set by the database)." }),
      ...Object.fromEntries(Object.entries(spec.derived ?? {}).map(([name, field]) => [name, field.schema])),
    })
    .openapi(Name, { example }) as unknown as z.ZodType<RecordOut>;
  // A create hook (./hooks.ts) adds body fields and answer fields of its own.
  const hook = spec.hooks?.create;
  const Created = hook
    ? ((Record as unknown as z.ZodObject).extend(hook.answer).openapi(`${Name}Created`) as unknown as z.ZodType<RecordOut>)
    : Record;
  const Create = z.strictObject({ ...resource.writable, ...hook?.fields }).openapi(`${Name}CreateRequest`, { example: spec.example });
  const Update = z
    .strictObject(resource.writable)
    .partial()
    .refine((body) => Object.values(body).some((value) => value !== undefined), { message: "name at least one field to change" })
    .openapi(`${Name}UpdateRequest`, { example: { status: spec.statuses[1] ?? spec.statuses[0] } });
  const sorts = resource.sorts.flatMap((s) => [s, `-${s}`]) as [string, ...string[]];
  const filters = Object.fromEntries(
    Object.entries(resource.filters).map(([param, filter]) => [
      param,
      filter.schema.optional().openapi({
        param: { name: param, in: "query" },
        description:
          filter.op === "contains"
            ? `Only records whose \`${filter.column ?? param}\` contain this value.`
            : `Only records with this \`${param}\`.`,
      }),
    ]),
  );
  const ListQuery = z.object({
    limit: limitParam(DEFAULT_PAGE, MAX_PAGE),
    cursor: CursorParam,
    sort: z
      .enum(sorts)
      .default("-created_at")
      .openapi({
        param: { name: "sort", in: "query" },
        description: `One of ${resource.sorts.map((s) => `\`${s}\``).join(", ")}; \`-\` first for descending. Default \`-created_at\` (newest first). Records without a value come last.`,
        example: "-created_at",
      }),
    ...filters,
  });
  const List = z
    .object({
      items: z.array(Record),
      next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last page." }),
    })
    .openapi(`${Name}List`);
  return { Record, Created, Create, Update, ListQuery, List };
}

const ETAG = {
  ETag: { description: 'The record\'s version, `"<version>"`: send it back as `If-Match`.', schema: { type: "string" as const } },
};

/** The five route definitions of a resource. */
export function routesOf(resource: Resource) {
  const { spec, name, permissions } = resource;
  const { Record, Created, Create, Update, ListQuery, List } = schemasOf(resource);
  const hooks = spec.hooks;
  const Name = capitalised(spec.singular);
  const Names = capitalised(name);
  const tags = [name];
  const path = `/{org}/${name}`;
  const auth = { principals: ["user", "api_key"] } as const;
  const freeText = spec.freeText ?? [];
  const exclude: WafExclusion[] = freeText.length > 0 ? [{ fields: freeText, groups: FREE_TEXT_WAF_GROUPS }] : [];
  const waf = { exclude };
  const owned = "`owner_id` must be a member of the organization (else 422 `invalid_reference`).";
  return {
    list: defineRoute(
      {
        method: "get",
        path,
        operationId: `list${Names}`,
        tags,
        summary: `List ${name}`,
        description: `Newest first unless \`sort\` says otherwise; at most \`limit\` per page. Keyset pagination: pass \`next_cursor\` back as \`cursor\` until it is null (a cursor belongs to its list and sort: another one is 400 \`invalid_cursor\`). Filters: ${Object.keys(
          resource.filters,
        )
          .map((f) => `\`${f}\``)
          .join(", ")}.`,
        request: { params: OrgParams, query: ListQuery },
        responses: { 200: json(`A page of ${name}`, List) },
      },
      { auth, permission: permissions.list, errors: ["invalid_cursor"] },
    ),
    create: defineRoute(
      {
        method: "post",
        path,
        operationId: `create${Name}`,
        tags,
        summary: `Create ${aOrAn(spec.singular)}`,
        description: `Fields left out take their defaults. ${owned} Unknown fields are refused (422). The database checks every value again (422 \`constraint_violated\`).${hooks?.create ? ` ${hooks.create.note}` : ""}`,
        request: { params: OrgParams, ...jsonBody(Create) },
        responses: {
          201: {
            ...json("Created", Created),
            headers: { ...ETAG, Location: { description: "The record's URL.", schema: { type: "string" as const } } },
          },
        },
      },
      {
        auth,
        permission: permissions.create,
        waf,
        errors: ["invalid_reference", "already_exists", "constraint_violated", ...(hooks?.create?.errors ?? [])],
      },
    ),
    get: defineRoute(
      {
        method: "get",
        path: `${path}/{id}`,
        operationId: `get${Name}`,
        tags,
        summary: `One ${spec.singular}`,
        description: "Another organization's id, an unknown id and a malformed one all answer 404.",
        request: { params: RecordParams },
        responses: { 200: { ...json(`The ${spec.singular}`, Record), headers: ETAG } },
      },
      { auth, permission: permissions.get },
    ),
    update: defineRoute(
      {
        method: "patch",
        path: `${path}/{id}`,
        operationId: `update${Name}`,
        tags,
        summary: `Change ${aOrAn(spec.singular)}`,
        description: `Only the fields sent change; null clears an optional field. Concurrency: send the \`ETag\` of your last read as \`If-Match\`; if the record changed since, nothing is written and the answer is 412 \`precondition_failed\` (read it again). Without \`If-Match\` (or with \`*\`) the change applies to the current version: last write wins, for clients that do not track versions. ${owned}`,
        request: { params: RecordParams, headers: IfMatchHeader, ...jsonBody(Update) },
        responses: { 200: { ...json(`The ${spec.singular}, changed`, Record), headers: ETAG } },
      },
      {
        auth,
        permission: permissions.update,
        waf,
        errors: ["precondition_failed", "invalid_reference", "already_exists", "constraint_violated"],
      },
    ),
    delete: defineRoute(
      {
        method: "delete",
        path: `${path}/{id}`,
        operationId: `delete${Name}`,
        tags,
        summary: `Delete ${aOrAn(spec.singular)}`,
        description: `The audit log keeps the record as it was.${hooks?.delete ? ` ${hooks.delete.note}` : ""}`,
        request: { params: RecordParams },
        responses: { 204: { description: "Deleted" } },
      },
      { auth, permission: permissions.delete },
    ),
  };
}
