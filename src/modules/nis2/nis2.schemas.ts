/**
 * Request and response schemas of the incident-deadline routes (P17). Every string has a
 * maximum (oversized: 422, nothing written); the database checks the same limits again.
 */
import { z } from "@hono/zod-openapi";
import { CONTROL_STATUSES, EVIDENCE_STATUSES, NIS2_MEASURES, NOTIFICATION_KINDS, NOTIFICATION_LIMITS } from "../../db/schema";
import { OrgParams } from "../orgs/orgs.schemas";
import { Deadline } from "../records/resources/incident-deadlines";

const ID_EXAMPLE = "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b";
const WHEN_EXAMPLE = "2026-11-30T09:00:00.000Z";

/** How far ahead of the server's clock a submission time may be (clients' clocks drift). */
export const CLOCK_SKEW_MS = 60_000;

/** `{org}` and an incident's id; a malformed id names no incident (404, like an unknown one). */
export const IncidentParams = OrgParams.extend({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, format: "uuid", example: ID_EXAMPLE }),
});

// One shape for the deadlines, here and in every incident's `nis2` block.
export { Deadline, DEADLINE_STATES, type DeadlineOut } from "../records/resources/incident-deadlines";

export const NotificationBody = z
  .strictObject({
    kind: z.enum(NOTIFICATION_KINDS).openapi({
      description:
        "`early_warning`, `notification`, `intermediate`, `final` (NIS2 Art. 23(4)), `gdpr_authority` (GDPR Art. 33), `customer` (contractual notice).",
    }),
    submitted_at: z.iso
      .datetime({ offset: true })
      .refine((value) => Date.parse(value) <= Date.now() + CLOCK_SKEW_MS, { message: "must not be in the future" })
      .optional()
      .openapi({
        description: "When it was sent; default now. Never in the future (a minute of clock skew allowed).",
        example: WHEN_EXAMPLE,
      }),
    reference: z
      .string()
      .trim()
      .min(1)
      .max(NOTIFICATION_LIMITS.reference)
      .optional()
      .openapi({ description: "The recipient's reference (a CSIRT ticket).", example: "CSIRT-2026-0042" }),
    notes: z.string().max(NOTIFICATION_LIMITS.notes).optional().openapi({ example: "Sent through the national CSIRT portal." }),
  })
  .openapi("IncidentNotificationRequest", { example: { kind: "early_warning", reference: "CSIRT-2026-0042" } });
export type NotificationInput = z.infer<typeof NotificationBody>;

export const Notification = z
  .object({
    id: z.uuid(),
    incident_id: z.uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    submitted_at: z.iso.datetime(),
    reference: z.string().nullable(),
    notes: z.string().nullable(),
    created_at: z.iso.datetime(),
    created_by: z.uuid().openapi({ description: "The user or API key that recorded it (set by the database)." }),
  })
  .openapi("IncidentNotification");
export type NotificationOut = z.infer<typeof Notification>;

export const NotificationCreated = z
  .object({ notification: Notification, deadlines: z.array(Deadline) })
  .openapi("IncidentNotificationCreated");

export const NotificationList = z
  .object({ items: z.array(Notification), deadlines: z.array(Deadline) })
  .openapi("IncidentNotificationList");

export const IncidentDeadlines = z.object({ incident_id: z.uuid(), deadlines: z.array(Deadline) }).openapi("IncidentDeadlines");

const OpenDeadline = Deadline.extend({ incident_id: z.uuid(), incident_title: z.string() }).openapi("OpenIncidentDeadline");

const MeasureControl = z.object({
  id: z.uuid(),
  reference: z.string().nullable(),
  title: z.string(),
  status: z.enum(CONTROL_STATUSES),
  evidence_count: z.number().int().openapi({ description: "How many items of evidence are linked to the control (any status)." }),
});

export const Nis2Overview = z
  .object({
    open_deadlines: z.array(OpenDeadline).openapi({
      description: "Pending and overdue deadlines with a due date across the organization's incidents, soonest first (at most 200).",
    }),
    measures: z
      .array(
        z.object({
          measure: z.enum(NIS2_MEASURES).openapi({ description: "NIS2 Art. 21(2) point (a)–(j)." }),
          controls: z.array(MeasureControl),
          status_counts: z.record(z.enum(CONTROL_STATUSES), z.number().int()),
          evidence_count: z.number().int().openapi({
            description: "Distinct items of evidence linked to the measure's controls (one linked to two of them counts once).",
          }),
          evidence_status_counts: z.record(z.enum(EVIDENCE_STATUSES), z.number().int()).openapi({
            description: "The same evidence by status: `accepted` is what shows the measure is in place.",
          }),
        }),
      )
      .openapi({
        description:
          "Per Art. 21(2) measure, the controls that name it, how many are in each status, and the evidence linked to them (`PUT /v1/orgs/{org}/controls/{id}/evidence/{evidence_id}`).",
      }),
  })
  .openapi("Nis2Overview");
export type Nis2OverviewOut = z.infer<typeof Nis2Overview>;
