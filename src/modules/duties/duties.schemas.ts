/**
 * Request and response schemas of the duty routes: policy acknowledgements, training
 * assignments and the caller's own duties. Every string has a maximum (oversized: 422,
 * nothing written); the database checks the same limits again.
 */
import { z } from "@hono/zod-openapi";
import { ASSIGNMENT_STATES, DUTY_LIMITS, ORG_ROLES, POLICY_STATUSES, TRAINING_STATUSES } from "../../db/schema";
import { CLOCK_SKEW_MS } from "../nis2/nis2.schemas";
import { OrgParams } from "../orgs/orgs.schemas";
import { day } from "../records/fields";
import { IfMatchHeader } from "../records/if-match";

const ID_EXAMPLE = "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b";
const USER_EXAMPLE = "5d0c1f7e-2b7a-4c39-9a0e-6f1d2c3b4a55";
const WHEN_EXAMPLE = "2026-11-30T09:00:00.000Z";

/** How many rows a list answers at most (an organization's people are few; members lists stop at 500 too). */
export const DUTY_LIST_CAP = 500;

/** A path id: checked in the handler, so a malformed one is a 404 like an unknown one (README "Ids"). */
const pathId = (name: string, example: string) =>
  z
    .string()
    .max(64)
    .openapi({ param: { name, in: "path" }, format: "uuid", example });

/** `{org}` and a policy's or training's id. */
export const RecordParams = OrgParams.extend({ id: pathId("id", ID_EXAMPLE) });

/** `{org}`, a training's id and an assignee's user id. */
export const AssignmentParams = RecordParams.extend({ user: pathId("user", USER_EXAMPLE) });

const truncated = z
  .boolean()
  .openapi({ description: `True when a list had more than ${DUTY_LIST_CAP} rows and only the first ${DUTY_LIST_CAP} are answered.` });

// ── Acknowledgements ──────────────────────────────────────────────────────────────

/** `If-Match` on an acknowledgement: the policy's `ETag` as the person read it. */
export const AcknowledgeHeaders = z.object({
  "if-match": IfMatchHeader.shape["if-match"].openapi({
    param: { name: "if-match", in: "header" },
    description:
      'The policy\'s `ETag` when the person read it (`"7"`): the acknowledgement is recorded only if the policy is still at that version (else 412 `precondition_failed`). Without it, the current version is acknowledged.',
    example: '"7"',
  }),
});

export const Acknowledgement = z
  .object({
    id: z.uuid(),
    policy_id: z.uuid(),
    user_id: z.uuid(),
    name: z.string().nullable().openapi({ description: "The person's name." }),
    document_version: z.string().openapi({ description: "The policy's `document_version` that was acknowledged." }),
    policy_version: z.number().int().openapi({
      description: "The policy record's `version` when acknowledged: the audit log holds the text at that version.",
    }),
    acknowledged_at: z.iso.datetime(),
    current: z.boolean().openapi({
      description: "True when it acknowledges the policy's current `document_version`; an older version's acknowledgement does not count.",
    }),
  })
  .openapi("PolicyAcknowledgement", {
    example: {
      id: ID_EXAMPLE,
      policy_id: ID_EXAMPLE,
      user_id: USER_EXAMPLE,
      name: "Ada Lovelace",
      document_version: "2.1",
      policy_version: 7,
      acknowledged_at: WHEN_EXAMPLE,
      current: true,
    },
  });
export type AcknowledgementOut = z.infer<typeof Acknowledgement>;

const PendingMember = z.object({
  user_id: z.uuid(),
  name: z.string().nullable(),
  role: z.enum(ORG_ROLES),
});

export const AcknowledgementList = z
  .object({
    policy: z.object({
      id: z.uuid(),
      title: z.string(),
      status: z.enum(POLICY_STATUSES),
      document_version: z.string().openapi({ description: "The current version: the one members acknowledge." }),
      version: z.number().int(),
    }),
    counts: z
      .object({ members: z.number().int(), acknowledged: z.number().int(), pending: z.number().int() })
      .openapi({ description: "Members now; of them, who acknowledged the current version and who has not (0 unless approved)." }),
    items: z.array(Acknowledgement).openapi({ description: "Every acknowledgement of every version, newest first." }),
    pending: z.array(PendingMember).openapi({
      description:
        "Members who have not acknowledged the current version, by role then name. Empty unless the policy is approved (only an approved policy is acknowledged).",
    }),
    truncated,
  })
  .openapi("PolicyAcknowledgementList");

// ── Training assignments ──────────────────────────────────────────────────────────

const AssignmentState = z.enum(ASSIGNMENT_STATES).openapi({
  description:
    "`completed` (a completion is recorded), `overdue` (not completed and its due date, in UTC, has passed), `pending` (otherwise). Computed when read.",
});

export const AssignBody = z
  .strictObject({
    user_id: z.uuid().openapi({ description: "A member of the organization (else 422 `invalid_reference`).", example: USER_EXAMPLE }),
    due_date: day(
      "2027-02-28",
      "This assignment's own due date. Left out: the training's `due_date`, also when that changes later. On an existing assignment, a date (or null: follow the training again) replaces the one it has.",
    ),
  })
  .openapi("TrainingAssignmentRequest", { example: { user_id: USER_EXAMPLE, due_date: "2027-02-28" } });
export type AssignInput = z.infer<typeof AssignBody>;

export const AssignmentQuery = z.object({
  status: AssignmentState.optional().openapi({ param: { name: "status", in: "query" }, description: "Only assignments in this state." }),
});

export const CompletionBody = z
  .strictObject({
    completed_at: z.iso
      .datetime({ offset: true })
      .refine((value) => Number(value.slice(0, 4)) >= 1900, { message: "year must be 1900 or later" })
      .refine((value) => Date.parse(value) <= Date.now() + CLOCK_SKEW_MS, { message: "must not be in the future" })
      .optional()
      .openapi({
        description: "When it was completed; default now. Never in the future (a minute of clock skew allowed).",
        example: WHEN_EXAMPLE,
      }),
    score: z
      .number()
      .int()
      .min(DUTY_LIMITS.scoreMin)
      .max(DUTY_LIMITS.scoreMax)
      .optional()
      .openapi({ description: `A result, ${DUTY_LIMITS.scoreMin}–${DUTY_LIMITS.scoreMax}, when the training has one.`, example: 92 }),
    notes: z
      .string()
      .max(DUTY_LIMITS.notes)
      .refine((value) => !value.includes("\u0000"), { message: "must not contain NUL characters" })
      .optional()
      .openapi({ example: "Passed the quiz; attended the live session." }),
  })
  .openapi("TrainingCompletionRequest", { example: { score: 92, notes: "Passed the quiz; attended the live session." } });
export type CompletionInput = z.infer<typeof CompletionBody>;

export const Assignment = z
  .object({
    id: z.uuid(),
    training_id: z.uuid(),
    user_id: z.uuid(),
    name: z.string().nullable().openapi({ description: "The assignee's name." }),
    status: AssignmentState,
    due_date: z.iso.date().nullable().openapi({ description: "The date that applies: the assignment's own, else the training's." }),
    due_date_override: z.iso
      .date()
      .nullable()
      .openapi({ description: "The assignment's own due date; null when it follows the training's." }),
    assigned_at: z.iso.datetime(),
    assigned_by: z.uuid().openapi({ description: "The user or API key that assigned it (set by the database)." }),
    completed_at: z.iso.datetime().nullable(),
    completed_by: z
      .uuid()
      .nullable()
      .openapi({ description: "Who recorded the completion: the assignee, a writer or an API key (set by the database)." }),
    score: z.number().int().nullable(),
    notes: z.string().nullable(),
  })
  .openapi("TrainingAssignment", {
    example: {
      id: ID_EXAMPLE,
      training_id: ID_EXAMPLE,
      user_id: USER_EXAMPLE,
      name: "Ada Lovelace",
      status: "pending",
      due_date: "2027-02-28",
      due_date_override: null,
      assigned_at: WHEN_EXAMPLE,
      assigned_by: USER_EXAMPLE,
      completed_at: null,
      completed_by: null,
      score: null,
      notes: null,
    },
  });
export type AssignmentOut = z.infer<typeof Assignment>;

export const AssignmentList = z
  .object({
    training: z.object({
      id: z.uuid(),
      title: z.string(),
      status: z.enum(TRAINING_STATUSES),
      due_date: z.iso.date().nullable(),
    }),
    counts: z
      .object({ assigned: z.number().int(), pending: z.number().int(), overdue: z.number().int(), completed: z.number().int() })
      .openapi({ description: "Every assignment of the training by state (whatever the `status` filter)." }),
    items: z.array(Assignment).openapi({ description: "By the assignee's name." }),
    truncated,
  })
  .openapi("TrainingAssignmentList");

// ── The caller's duties ───────────────────────────────────────────────────────────

export const MyDuties = z
  .object({
    policies: z
      .array(
        z.object({
          policy_id: z.uuid(),
          title: z.string(),
          document_version: z.string(),
          version: z.number().int().openapi({ description: "The policy's `ETag` value, to send as `If-Match` when acknowledging." }),
        }),
      )
      .openapi({ description: "Approved policies whose current version you have not acknowledged, by title." }),
    trainings: z
      .array(Assignment.omit({ name: true }).extend({ training_title: z.string() }))
      .openapi({ description: "Your assignments not completed yet, soonest due first (no due date last)." }),
    truncated,
  })
  .openapi("MyDuties");
