/** Risks: the register of what could go wrong, rated before and after treatment (NIS2 Art. 21(1), ISO 27005). */
import { z } from "@hono/zod-openapi";
import { schema } from "../../../db";
import { RISK_STATUSES, RISK_TREATMENTS } from "../../../db/schema";
import { declareResource, equals } from "../declaration";
import { day, label, longText, optionalChoice, rating, shortText } from "../fields";

const score = (what: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(25)
    .nullable()
    .openapi({ example: 12, description: `${what}: likelihood × impact, computed by the database.` });

export const risks = declareResource({
  table: schema.risks,
  singular: "risk",
  about: "The risk register: each risk rated for likelihood and impact (1–5), before and after its treatment.",
  label: "title",
  statuses: RISK_STATUSES,
  fields: {
    title: label("Ransomware encrypts the billing servers"),
    description: longText("Phishing mail leads to domain-wide encryption; backups are online."),
    category: shortText("Cybersecurity"),
    likelihood: rating("Likelihood", 3),
    impact: rating("Impact", 4),
    treatment: optionalChoice(RISK_TREATMENTS, "mitigate", "How the risk is treated."),
    residual_likelihood: rating("Likelihood after treatment", 2),
    residual_impact: rating("Impact after treatment", 3),
    review_due: day("2027-03-31", "When the risk is next reviewed."),
  },
  computed: { inherent_score: score("Inherent score"), residual_score: score("Residual score") },
  filters: { treatment: equals(z.enum(RISK_TREATMENTS)), category: equals(z.string().max(200)) },
  sorts: ["inherent_score", "residual_score", "review_due"],
  freeText: ["description"],
  example: {
    title: "Ransomware encrypts the billing servers",
    category: "Cybersecurity",
    likelihood: 3,
    impact: 4,
    treatment: "mitigate",
    review_due: "2027-03-31",
  },
});
