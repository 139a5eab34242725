/**
 * The shape of an incident's reporting deadlines (P17), as every incident carries them
 * (its `nis2` block) and as the deadline routes of src/modules/nis2/ answer them. The
 * rules and states are computed by the database (`app.deadlines_for`); this is only
 * their document.
 */
import { z } from "@hono/zod-openapi";
import { DEADLINE_REGIMES, NOTIFICATION_KINDS } from "../../../db/schema";

export const DEADLINE_STATES = ["pending", "done", "done_late", "overdue"] as const;

export const Deadline = z
  .object({
    kind: z.enum(NOTIFICATION_KINDS),
    regime: z.enum(DEADLINE_REGIMES),
    due_at: z.iso.datetime().nullable().openapi({
      description:
        "Null while it has no due date yet: the final report before the incident notification is submitted, or `aware_at` not set.",
    }),
    state: z.enum(DEADLINE_STATES).openapi({
      description:
        "`done` (first report of this kind at or before `due_at`), `done_late` (after it), `overdue` (none and past `due_at`), `pending` (none yet, not past due). Computed when read.",
    }),
    submitted_at: z.iso.datetime().nullable().openapi({ description: "When the first report of this kind was submitted." }),
  })
  .openapi("IncidentDeadline", {
    example: { kind: "early_warning", regime: "nis2", due_at: "2026-12-01T08:00:00.000Z", state: "pending", submitted_at: null },
  });
export type DeadlineOut = z.infer<typeof Deadline>;

export const NIS2_BLOCK_EXAMPLE = {
  deadlines: [
    { kind: "early_warning", regime: "nis2", due_at: "2026-12-01T08:00:00.000Z", state: "pending", submitted_at: null },
    { kind: "notification", regime: "nis2", due_at: "2026-12-03T08:00:00.000Z", state: "pending", submitted_at: null },
    { kind: "final", regime: "nis2", due_at: null, state: "pending", submitted_at: null },
  ],
  open: 3,
  overdue: 0,
} as const;

export const Nis2Block = z
  .object({
    deadlines: z.array(Deadline).openapi({
      description:
        "Every deadline that applies to the incident under the regimes its organization applies (`deadline_regimes`), in the order NIS2 early warning, notification, final report, GDPR authority, customer notice.",
    }),
    open: z.number().int().min(0).openapi({ description: "How many are `pending` or `overdue`." }),
    overdue: z.number().int().min(0),
  })
  .openapi("IncidentNis2", {
    description: "The incident's reporting deadlines, computed by the database whenever the incident is read or written.",
    example: NIS2_BLOCK_EXAMPLE,
  });
