/** Policies: the documents the organization commits to (NIS2 Art. 21(2)(a)), in Markdown. */
import { schema } from "../../../db";
import { POLICY_STATUSES } from "../../../db/schema";
import { declareResource } from "../declaration";
import { code, day, label, markdown, member } from "../fields";

export const policies = declareResource({
  table: schema.policies,
  singular: "policy",
  about: "Policies as Markdown documents with a version label, an approver and a review date.",
  label: "title",
  statuses: POLICY_STATUSES,
  fields: {
    title: label("Information security policy"),
    body: markdown("# Purpose\n\nThis policy sets out how Acme protects its information."),
    document_version: code("2.1", "The document's own version label (default `1.0`); not the record's `version`.").optional(),
    approver_id: member("Who approved it: a member of the organization."),
    review_due: day("2027-11-30", "When it is next reviewed."),
  },
  sorts: ["review_due"],
  freeText: ["body"],
  example: {
    title: "Information security policy",
    body: "# Purpose\n\nThis policy sets out how Acme protects its information.",
    document_version: "2.1",
  },
});
