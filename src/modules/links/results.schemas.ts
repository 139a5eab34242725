/**
 * Request and response schemas of assessment results (a control's result in an
 * assessment: the assessment ↔ control link). The limits match the table's CHECK
 * constraints (src/db/schema/links.ts), so what the database would refuse is refused
 * first as 422 `validation_failed`.
 */
import { z } from "@hono/zod-openapi";
import { ASSESSMENT_RESULTS, LINK_LIMITS } from "../../db/schema";
import { ASSESSMENT, CONTROL } from "./ends";
import { summarySchemaOf, Truncated } from "./schemas";

const WHEN_EXAMPLE = "2026-11-30T09:00:00.000Z";
const USER_ID_EXAMPLE = "5d0c1f7e-2b7a-4c39-9a0e-6f1d2c3b4a55";
const NOTES_EXAMPLE = "MFA enforced for VPN and webmail; two service accounts still exempt.";

export const ResultBody = z
  .strictObject({
    result: z.enum(ASSESSMENT_RESULTS).openapi({ description: "`compliant`, `partial` or `non_compliant`." }),
    notes: z
      .string()
      .max(LINK_LIMITS.notes)
      .refine((value) => !value.includes("\u0000"), { message: "must not contain NUL characters" })
      .nullable()
      .optional()
      .openapi({
        description: `Findings, up to ${LINK_LIMITS.notes} characters, stored as written. Left out or null: none (PUT replaces the result whole).`,
        example: NOTES_EXAMPLE,
      }),
  })
  .openapi("AssessmentResultRequest", { example: { result: "partial", notes: NOTES_EXAMPLE } });
export type ResultInput = z.infer<typeof ResultBody>;

export const AssessmentResult = z
  .object({
    assessment_id: z.uuid(),
    control_id: z.uuid(),
    result: z.enum(ASSESSMENT_RESULTS),
    notes: z.string().nullable(),
    created_at: z.iso.datetime(),
    created_by: z.uuid().openapi({ description: "The user or API key that first recorded it (set by the database)." }),
    updated_at: z.iso.datetime(),
    updated_by: z.uuid().openapi({ description: "The user or API key that changed it last (set by the database)." }),
  })
  .openapi("AssessmentResult", {
    example: {
      assessment_id: "3f1e9c2a-7b4d-4e6f-9a8b-1c2d3e4f5a6b",
      control_id: "9a8b1c2d-3e4f-4a6b-8f1e-9c2a7b4d4e6f",
      result: "partial",
      notes: NOTES_EXAMPLE,
      created_at: WHEN_EXAMPLE,
      created_by: USER_ID_EXAMPLE,
      updated_at: WHEN_EXAMPLE,
      updated_by: USER_ID_EXAMPLE,
    },
  });
export type ResultOut = z.infer<typeof AssessmentResult>;

export const ResultCounts = z
  .object(
    Object.fromEntries(ASSESSMENT_RESULTS.map((result) => [result, z.number().int()])) as Record<
      (typeof ASSESSMENT_RESULTS)[number],
      z.ZodNumber
    >,
  )
  .openapi("AssessmentResultCounts", {
    description: "How many controls have each result in the assessment (all of them, not only the listed).",
  });

export const AssessmentResultList = z
  .object({
    items: z.array(AssessmentResult.extend({ control: summarySchemaOf(CONTROL) })),
    truncated: Truncated,
    counts: ResultCounts,
  })
  .openapi("AssessmentResultList");
export type AssessmentResultListOut = z.infer<typeof AssessmentResultList>;

export const ControlResultList = z
  .object({ items: z.array(AssessmentResult.extend({ assessment: summarySchemaOf(ASSESSMENT) })), truncated: Truncated })
  .openapi("ControlAssessmentResultList");
export type ControlResultListOut = z.infer<typeof ControlResultList>;
