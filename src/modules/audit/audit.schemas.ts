/**
 * Request and response schemas of the audit routes (P13, P16): the audit log, its
 * verification and the security events. Filters are bounded; an unknown value is a
 * 422, a cursor this API did not issue a 400 `invalid_cursor` (src/http/cursor.ts).
 */
import { z } from "@hono/zod-openapi";
import { CursorParam, limitParam } from "../../http/cursor";
import { SECURITY_EVENTS, type SecurityEventType } from "../../lib/security-events";

/**
 * The audited tables: the eight compliance records (drizzle/0001_security.sql,
 * `app.protect_record_table`), the links between them (0015), incident reports (0013),
 * policy acknowledgements and training assignments (0018), evidence file versions. A P13 test keeps this list
 * equal to the tables that carry the audit trigger.
 */
export const AUDITED_TABLES = [
  "risks",
  "vendors",
  "incidents",
  "policies",
  "trainings",
  "controls",
  "assessments",
  "evidence",
  "control_risks",
  "control_evidence",
  "assessment_results",
  "incident_notifications",
  "policy_acknowledgements",
  "training_assignments",
  "evidence_files",
] as const;
export const AUDIT_ACTIONS = ["insert", "update", "delete"] as const;
/** Page sizes of both lists. */
export const PAGE = { fallback: 50, max: 200 } as const;

const STORED_EVENT_TYPES = (Object.keys(SECURITY_EVENTS) as SecurityEventType[]).filter((type) => SECURITY_EVENTS[type].stored);

/** Security event types shown from members' accounts (the vocabulary's `account: true`). */
export const ACCOUNT_EVENT_TYPES = (Object.keys(SECURITY_EVENTS) as SecurityEventType[]).filter(
  (type) => (SECURITY_EVENTS[type] as { readonly account?: true }).account === true,
);

const time = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: "query" }, description, example: "2026-11-30T09:00:00Z" });

const period = {
  from: time("from", "Only what happened at or after this time (RFC 3339)."),
  to: time("to", "Only what happened before this time (RFC 3339)."),
};

export const AuditLogQuery = z.object({
  table: z
    .enum(AUDITED_TABLES)
    .optional()
    .openapi({ param: { name: "table", in: "query" }, description: "Only changes to this table." }),
  row: z
    .uuid()
    .optional()
    .openapi({ param: { name: "row", in: "query" }, description: "Only changes to this record (its id): its history." }),
  actor: z
    .uuid()
    .optional()
    .openapi({ param: { name: "actor", in: "query" }, description: "Only changes made by this user or API key (its id)." }),
  action: z
    .enum(AUDIT_ACTIONS)
    .optional()
    .openapi({ param: { name: "action", in: "query" } }),
  ...period,
  order: z
    .enum(["desc", "asc"])
    .default("desc")
    .openapi({
      param: { name: "order", in: "query" },
      description: "`desc` (default): newest first; `asc`: in chain order. A cursor continues in the order it was issued for.",
    }),
  limit: limitParam(PAGE.fallback, PAGE.max),
  cursor: CursorParam,
});

const Sha256Hex = z.string().openapi({ example: "3f0c9d1e…" });

export const AuditEntry = z
  .object({
    seq: z.number().int().openapi({ description: "Position in the organization's chain: 1, 2, 3, … without gaps.", example: 1042 }),
    actor_user_id: z.uuid().nullable().openapi({ description: "The user who made the change (null when an API key did)." }),
    actor_api_key_id: z.uuid().nullable().openapi({ description: "The API key that made the change (null when a user did)." }),
    action: z.enum(AUDIT_ACTIONS),
    table: z.string().openapi({ example: "risks" }),
    row_id: z.uuid(),
    before: z.record(z.string(), z.unknown()).nullable().openapi({ description: "The row before the change (null for an insert)." }),
    after: z.record(z.string(), z.unknown()).nullable().openapi({ description: "The row after the change (null for a delete)." }),
    at: z.string().openapi({
      description: "When, RFC 3339 UTC with microseconds: exactly the text that was hashed.",
      example: "2026-11-30T09:00:00.123456Z",
    }),
    prev_hash: Sha256Hex.openapi({ description: "The previous entry's hash (64 zeros for the first)." }),
    hash: Sha256Hex.openapi({
      description:
        "SHA-256 (hex) of the jsonb array [org, seq, actor_user_id, actor_api_key_id, action, table, row_id, before, after, at, prev_hash] in Postgres's canonical jsonb text.",
    }),
  })
  .openapi("AuditEntry");

const nextCursor = z.string().nullable().openapi({ description: "Pass it as `cursor` for the next page; null on the last page. Opaque." });

export const AuditLogPage = z.object({ data: z.array(AuditEntry), next_cursor: nextCursor }).openapi("AuditLogPage");

export const ChainVerification = z
  .object({
    valid: z.boolean().openapi({ description: "True when every entry recomputes to its hash and links to its predecessor." }),
    checked: z.number().int().openapi({ description: "Entries verified before the first break (all of them when valid).", example: 1042 }),
    first_broken_seq: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The first sequence number that is missing, altered or unlinked; null when valid." }),
  })
  .openapi("AuditChainVerification");

export const SecurityEventsQuery = z.object({
  type: z
    .enum(STORED_EVENT_TYPES as [SecurityEventType, ...SecurityEventType[]])
    .optional()
    .openapi({ param: { name: "type", in: "query" }, description: "Only events of this type." }),
  severity: z
    .enum(["info", "warning"])
    .optional()
    .openapi({ param: { name: "severity", in: "query" } }),
  ...period,
  limit: limitParam(PAGE.fallback, PAGE.max),
  cursor: CursorParam,
});

export const SecurityEvent = z
  .object({
    id: z.uuid(),
    type: z.string().openapi({ description: "A type of the security-event vocabulary.", example: "login_failed" }),
    severity: z.enum(["info", "warning"]),
    scope: z.enum(["organization", "account"]).openapi({
      description:
        "`organization`: something that happened in this organization (settings, roles, members, keys, invitations). `account`: an authentication event of one of its current members (sign-ins, MFA, password, sessions), shown from when they joined.",
    }),
    actor_user_id: z.uuid().nullable(),
    actor_api_key_id: z.uuid().nullable(),
    request_id: z.string().nullable().openapi({ description: "The request that caused it (its X-Request-Id)." }),
    source: z.string().nullable().openapi({
      description:
        "A pseudonym of the client address, for this organization only: equal values mean the same address (an IPv6 /64). Never the address or the stored keyed hash.",
      example: "9c1f0e4b7a2d5c8e1f3a6b9d",
    }),
    details: z.record(z.string(), z.unknown()),
    created_at: z.string().openapi({ description: "RFC 3339 UTC with microseconds.", example: "2026-11-30T09:00:00.123456Z" }),
  })
  .openapi("SecurityEvent");

export const SecurityEventsPage = z.object({ data: z.array(SecurityEvent), next_cursor: nextCursor }).openapi("SecurityEventsPage");
