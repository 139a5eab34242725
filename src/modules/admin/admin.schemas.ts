/**
 * Request and response schemas of the platform administration routes (validation, types
 * and the OpenAPI document). Every string has a maximum: oversized input is a 422.
 */
import { z } from "@hono/zod-openapi";
import { PLANS } from "../../db/schema";
import { CursorParam, limitParam } from "../../http/cursor";
import { SECURITY_EVENTS, type SecurityEventType } from "../../lib/security-events";

/** Page sizes of the admin lists. */
export const PAGE = { fallback: 50, max: 200 } as const;

const ORG_ID_EXAMPLE = "0b9c6f3e-6d1f-4a8e-9a51-2f0c2d7e4b11";

/** The `{org}` path parameter of the admin organization routes (any organization, suspended or not). */
export const AdminOrgParams = z.object({
  org: z.uuid().openapi({ param: { name: "org", in: "path" }, example: ORG_ID_EXAMPLE }),
});

const nextCursor = z.string().nullable().openapi({ description: "Pass it as `cursor` for the next page; null on the last page. Opaque." });
const timestamp = (description: string) =>
  z.string().openapi({ description: `${description} RFC 3339 UTC with microseconds.`, example: "2026-11-30T09:00:00.123456Z" });

export const AdminOrgsQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({
      param: { name: "q", in: "query" },
      description: "An organization id (exact), or a part of its name (case-insensitive, matched literally).",
      example: "acme",
    }),
  plan: z
    .enum(PLANS)
    .optional()
    .openapi({ param: { name: "plan", in: "query" } }),
  suspended: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional()
    .openapi({ param: { name: "suspended", in: "query" }, description: "Only suspended (`true`) or only active (`false`) organizations." }),
  limit: limitParam(PAGE.fallback, PAGE.max),
  cursor: CursorParam,
});

const Suspension = z
  .object({
    reason: z.string().nullable().openapi({ description: "What the suspending administrator wrote." }),
    suspended_by: z.uuid().nullable().openapi({ description: "The administrator's user id (null if that account is gone)." }),
    suspended_at: timestamp("When."),
  })
  .openapi("AdminOrganizationSuspension");

export const AdminOrg = z
  .object({
    id: z.uuid(),
    name: z.string(),
    plan: z.enum(PLANS),
    billing_status: z.string().nullable().openapi({
      description: "The Stripe subscription's status (`active`, `past_due`, …, `none`); null when the org never had a customer.",
    }),
    members: z.number().int(),
    api_keys: z.number().int().openapi({ description: "Live keys (not revoked, not expired)." }),
    suspended_at: z.string().nullable().openapi({ description: "Set while the organization is suspended. RFC 3339 UTC." }),
    suspension: Suspension.nullable().openapi({ description: "The suspension in force, or null." }),
    created_at: timestamp("Creation."),
    last_activity_at: z
      .string()
      .nullable()
      .openapi({ description: "Its newest audit-log entry or security event (RFC 3339 UTC); null when it has neither." }),
  })
  .openapi("AdminOrganization");

export const AdminOrgDetail = AdminOrg.extend({
  owner_ids: z.array(z.uuid()).openapi({ description: "User ids of its owners." }),
}).openapi("AdminOrganizationDetail");

export const AdminOrgsPage = z.object({ data: z.array(AdminOrg), next_cursor: nextCursor }).openapi("AdminOrganizationsPage");

export const SuspendBody = z
  .strictObject({
    reason: z.string().trim().min(1).max(500).openapi({
      description: "Why (1–500 characters): kept for administrators; the organization's auditors see only that it was suspended.",
      example: "Chargeback fraud, ticket OPS-1234",
    }),
  })
  .openapi("SuspendOrganizationRequest");

export const SuspensionResult = z
  .object({
    changed: z.boolean().openapi({
      description:
        "False when the organization already was in the requested state: nothing changed, no event was written, the suspension in force (its reason, who, when) is as it was.",
    }),
    organization: AdminOrgDetail,
  })
  .openapi("AdminSuspensionResult");

/** Stored event types, the vocabulary's (src/lib/security-events.ts). */
const STORED_TYPES = (Object.keys(SECURITY_EVENTS) as SecurityEventType[]).filter((type) => SECURITY_EVENTS[type].stored);

const time = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: "query" }, description, example: "2026-11-30T09:00:00Z" });

const eventFilters = {
  org: z
    .uuid()
    .optional()
    .openapi({ param: { name: "org", in: "query" }, description: "Only events stored in this organization." }),
  severity: z
    .enum(["info", "warning"])
    .optional()
    .openapi({ param: { name: "severity", in: "query" } }),
  from: time("from", "Only what happened at or after this time (RFC 3339)."),
  to: time("to", "Only what happened before this time (RFC 3339)."),
  actor: z
    .uuid()
    .optional()
    .openapi({ param: { name: "actor", in: "query" }, description: "Only events whose acting user is this one." }),
  limit: limitParam(PAGE.fallback, PAGE.max),
  cursor: CursorParam,
};

export const AdminEventsQuery = z.object({
  type: z
    .enum(STORED_TYPES as [SecurityEventType, ...SecurityEventType[]])
    .optional()
    .openapi({ param: { name: "type", in: "query" }, description: "Only events of this type." }),
  ...eventFilters,
});

export const AdminAlertsQuery = z.object(eventFilters);

export const AdminEvent = z
  .object({
    id: z.uuid(),
    org_id: z.uuid().nullable().openapi({ description: "The organization it is stored in; null for account and platform events." }),
    type: z.string().openapi({ description: "A type of the security-event vocabulary.", example: "login_failed" }),
    severity: z.enum(["info", "warning"]),
    actor_user_id: z.uuid().nullable(),
    actor_api_key_id: z.uuid().nullable(),
    request_id: z.string().nullable(),
    source: z.string().nullable().openapi({
      description:
        "A pseudonym of the client address, the same across organizations (equal values: the same address, an IPv6 /64). Never the address or the stored keyed hash.",
      example: "4be0c1d2a3f4e5d6c7b8a9f0",
    }),
    details: z.record(z.string(), z.unknown()),
    created_at: timestamp("When."),
  })
  .openapi("AdminSecurityEvent");

export const AdminEventsPage = z.object({ data: z.array(AdminEvent), next_cursor: nextCursor }).openapi("AdminSecurityEventsPage");
