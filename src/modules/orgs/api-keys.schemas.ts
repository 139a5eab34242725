/**
 * Request and response schemas of the API key routes (validation, types and the
 * OpenAPI document). The key itself appears in one schema only: the answer to its
 * creation, shown once.
 */
import { z } from "@hono/zod-openapi";
import { API_KEY_SCOPES } from "../../db/schema";
import { OrgParams } from "./orgs.schemas";

const KEY_ID_EXAMPLE = "5f0e2a8c-1b7d-8c3e-9f4a-6d2b0c8e7a15";
const TIME_EXAMPLE = "2026-11-30T09:00:00.000Z";

/** `{org}` and the key's `{id}`. */
export const ApiKeyParams = OrgParams.extend({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, example: KEY_ID_EXAMPLE }),
});

const Scopes = z
  .array(z.enum(API_KEY_SCOPES))
  .min(1)
  .max(API_KEY_SCOPES.length)
  .refine((list) => new Set(list).size === list.length, { message: "must not repeat a scope" })
  .openapi({
    description:
      "What the key may do in its organization: `records:read` (read the compliance records), `records:write` (also create, change and delete them), " +
      "`audit:read` (the audit log and security events), `evidence:read` (download evidence files), `evidence:write` (also upload them). " +
      "No scope manages members, API keys or settings.",
    example: ["records:read"],
  });

export const CreateApiKeyBody = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .openapi({ description: "What the key is for, to recognise it in the list.", example: "SIEM export" }),
    scopes: Scopes,
    expires_at: z.iso
      .datetime({ offset: true })
      .refine((value) => Date.parse(value) > Date.now(), { message: "must be in the future" })
      .optional()
      .openapi({ description: "When the key stops working (RFC 3339); it never expires if omitted.", example: "2027-11-30T00:00:00Z" }),
  })
  .openapi("CreateApiKeyRequest");

const timestamp = z.iso.datetime().openapi({ example: TIME_EXAMPLE });

/** A key as lists show it: never the key, never its digest. */
export const ApiKey = z
  .object({
    id: z.uuid().openapi({ example: KEY_ID_EXAMPLE }),
    name: z.string().openapi({ example: "SIEM export" }),
    prefix: z
      .string()
      .openapi({ description: "The key's first characters, to recognise it; not enough to use it.", example: "rk_live_3kT9aB" }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    created_by: z.uuid().nullable().openapi({ description: "The user who created it." }),
    created_at: timestamp,
    last_used_at: timestamp.nullable().openapi({ description: "Updated at most once a minute." }),
    expires_at: timestamp.nullable(),
    revoked_at: timestamp.nullable(),
  })
  .openapi("ApiKey");

/** The answer to a creation: the key, this once, and its metadata. */
export const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({
    description: "The API key. Shown only now: store it in a secret manager; Rampart keeps only a digest and cannot show it again.",
    // Deliberately NOT a valid checksum, so secret scanners do not flag the document.
    example: "rk_live_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGEXAMPL",
  }),
}).openapi("CreatedApiKey");

export const ApiKeyList = z.object({ data: z.array(ApiKey) }).openapi("ApiKeyList");
