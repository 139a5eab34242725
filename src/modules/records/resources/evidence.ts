/**
 * Evidence: what proves a control works, with its file. The file's versions, uploads
 * and downloads (R2 behind signed URLs) are src/modules/files/; the record declares
 * what they add here: `file` on create (the first version and its upload URL, in the
 * same transaction), the removal of its objects on delete, and `file` (its newest
 * available version) on every record answered.
 */
import { sql } from "drizzle-orm";
import { schema } from "../../../db";
import { EVIDENCE_STATUSES } from "../../../db/schema";
import { EvidenceFile } from "../../files/files.schemas";
import { EVIDENCE_FILE_HOOKS } from "../../files/files.record-hooks";
import { declareResource } from "../declaration";
import { label, longText } from "../fields";

export const evidence = declareResource({
  table: schema.evidence,
  singular: "evidence",
  about: "Evidence records and their files (versions in R2, uploaded and downloaded through short-lived signed URLs).",
  label: "title",
  statuses: EVIDENCE_STATUSES,
  fields: {
    title: label("MFA enforcement report, November 2026"),
    description: longText("Export from the identity provider showing MFA required for all admins."),
  },
  derived: {
    file: {
      schema: EvidenceFile.nullable().openapi({
        description: "The newest available version of its file (null without one; also null for API keys without `evidence:*` scopes).",
      }),
      sql: sql`app.evidence_current_file(org_id, id)`,
      example: null,
    },
  },
  freeText: ["description"],
  example: { title: "MFA enforcement report, November 2026" },
  hooks: EVIDENCE_FILE_HOOKS,
});
