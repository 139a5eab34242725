/** Assessments: reviews of how effective the measures are (NIS2 Art. 21(2)(f)). */
import { schema } from "../../../db";
import { ASSESSMENT_STATUSES } from "../../../db/schema";
import { declareResource } from "../declaration";
import { label, longText } from "../fields";

export const assessments = declareResource({
  table: schema.assessments,
  singular: "assessment",
  about: "Assessments of the security measures: what was reviewed and where they stand.",
  label: "title",
  statuses: ASSESSMENT_STATUSES,
  fields: {
    title: label("Annual NIS2 gap assessment"),
    scope: longText("All production systems and the three critical vendors.", "What the assessment covers."),
  },
  freeText: ["scope"],
  example: { title: "Annual NIS2 gap assessment", scope: "All production systems and the three critical vendors." },
});
