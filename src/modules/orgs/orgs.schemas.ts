/**
 * Request and response schemas of the organization routes (validation, types and
 * the OpenAPI document). Every string has a maximum: oversized fields are a 422.
 */
import { z } from "@hono/zod-openapi";
import { DEADLINE_REGIMES, ORG_ROLES } from "../../db/schema";

const ORG_ID_EXAMPLE = "0b9c6f3e-6d1f-4a8e-9a51-2f0c2d7e4b11";

/** The `{org}` path parameter of every organization route (a malformed id is a 404, like an unknown one). */
export const OrgParams = z.object({
  org: z.uuid().openapi({ param: { name: "org", in: "path" }, example: ORG_ID_EXAMPLE }),
});

const OrgName = z.string().trim().min(1).max(200).openapi({ example: "Acme Energie GmbH" });
const DeadlineRegimes = z
  .array(z.enum(DEADLINE_REGIMES))
  .max(DEADLINE_REGIMES.length)
  .refine((list) => new Set(list).size === list.length, { message: "must not repeat a regime" })
  .openapi({
    description:
      "Incident deadline regimes that apply (P17): `nis2` (Art. 23: 24 h early warning, 72 h notification, final report), `gdpr` (Art. 33: 72 h), `customer` (48 h notice).",
    example: ["nis2", "gdpr"],
  });

export const CreateOrgBody = z
  .object({
    name: OrgName,
    require_mfa: z
      .boolean()
      .default(false)
      .openapi({ description: "Refuse members' sessions without a second factor (403 `mfa_required`)." }),
    deadline_regimes: DeadlineRegimes.default([...DEADLINE_REGIMES]),
  })
  .openapi("CreateOrganizationRequest");

export const UpdateOrgBody = z
  .object({ name: OrgName.optional(), require_mfa: z.boolean().optional(), deadline_regimes: DeadlineRegimes.optional() })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: "name at least one setting to change" })
  .openapi("UpdateOrganizationRequest");

export const DeleteOrgQuery = z.object({
  confirm: z
    .string()
    .min(1)
    .max(200)
    .openapi({
      param: { name: "confirm", in: "query" },
      description: "The organization's exact name, as a confirmation.",
      example: "Acme Energie GmbH",
    }),
});

export const Organization = z
  .object({
    id: z.uuid().openapi({ example: ORG_ID_EXAMPLE }),
    name: z.string().openapi({ example: "Acme Energie GmbH" }),
    plan: z.string().openapi({ example: "free" }),
    require_mfa: z.boolean(),
    deadline_regimes: z.array(z.enum(DEADLINE_REGIMES)),
    role: z
      .enum(ORG_ROLES)
      .nullable()
      .openapi({ description: "Your role in it; null when an API key asks (keys have scopes, not roles)." }),
    created_at: z.iso.datetime().openapi({ example: "2026-11-30T09:00:00.000Z" }),
    updated_at: z.iso.datetime().openapi({ example: "2026-11-30T09:00:00.000Z" }),
  })
  .openapi("Organization");
