/** Controls: the measures in place, each mapped to the NIS2 Art. 21(2) measures (a)–(j) it serves. */
import { z } from "@hono/zod-openapi";
import { schema } from "../../../db";
import { CONTROL_STATUSES, NIS2_MEASURES } from "../../../db/schema";
import { declareResource, includes } from "../declaration";
import { choiceList, code, label, longText } from "../fields";

export const controls = declareResource({
  table: schema.controls,
  singular: "control",
  about: "Security controls, their implementation status and the NIS2 Art. 21(2) measures they serve.",
  label: "title",
  statuses: CONTROL_STATUSES,
  fields: {
    reference: code("AC-01", "The organization's own identifier, unique in it (409 `already_exists` otherwise).").nullable().optional(),
    title: label("Multi-factor authentication for remote access"),
    description: longText("All VPN and SaaS admin access requires a second factor."),
    nis2_measures: choiceList(
      NIS2_MEASURES,
      ["i", "j"],
      "NIS2 Art. 21(2) points served: (a) risk analysis and policies, (b) incident handling, (c) business continuity, (d) supply chain, (e) secure acquisition and development, (f) effectiveness assessment, (g) cyber hygiene and training, (h) cryptography, (i) HR security, access control and assets, (j) MFA and secured communications.",
    ),
  },
  filters: { nis2_measure: includes(z.enum(NIS2_MEASURES), "nis2_measures") },
  sorts: ["reference"],
  freeText: ["description"],
  example: { reference: "AC-01", title: "Multi-factor authentication for remote access", nis2_measures: ["i", "j"], status: "implemented" },
});
