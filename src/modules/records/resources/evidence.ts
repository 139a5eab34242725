/** Evidence: what proves a control works. Its files (R2, signed URLs) come with the files work. */
import { schema } from "../../../db";
import { EVIDENCE_STATUSES } from "../../../db/schema";
import { declareResource } from "../declaration";
import { label, longText } from "../fields";

export const evidence = declareResource({
  table: schema.evidence,
  singular: "evidence",
  about: "Evidence records (the files themselves come later).",
  label: "title",
  statuses: EVIDENCE_STATUSES,
  fields: {
    title: label("MFA enforcement report, November 2026"),
    description: longText("Export from the identity provider showing MFA required for all admins."),
  },
  freeText: ["description"],
  example: { title: "MFA enforcement report, November 2026" },
});
