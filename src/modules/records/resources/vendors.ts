/** Vendors: the supply chain (NIS2 Art. 21(2)(d)) and processors (GDPR Art. 28). */
import { z } from "@hono/zod-openapi";
import { schema } from "../../../db";
import { CRITICALITIES, DATA_ACCESS_LEVELS, VENDOR_STATUSES } from "../../../db/schema";
import { declareResource, equals, isFlag } from "../declaration";
import { choice, day, flag, label, shortText, textList } from "../fields";

export const vendors = declareResource({
  table: schema.vendors,
  singular: "vendor",
  about: "Suppliers and service providers: what they do, what data they reach, their contract and their assessments.",
  label: "name",
  statuses: VENDOR_STATUSES,
  defaultStatus: "active",
  fields: {
    name: label("Initech Cloud GmbH"),
    service: shortText("Managed hosting of the billing platform"),
    criticality: choice(CRITICALITIES, "high", "How much the organization depends on the vendor. Default `medium`."),
    data_access: choice(
      DATA_ACCESS_LEVELS,
      "personal",
      "The most sensitive data the vendor reaches (GDPR Art. 9 for `special_category`). Default `none`.",
    ),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 code in capitals")
      .nullable()
      .optional()
      .openapi({ example: "DE", description: "Where the vendor processes the data (ISO 3166-1 alpha-2)." }),
    contract_start: day("2025-01-01"),
    contract_end: day("2027-12-31", "On or after `contract_start`."),
    dpa_signed: flag("A data processing agreement (GDPR Art. 28) is signed."),
    certifications: textList(["ISO 27001", "SOC 2 Type II"], "Certifications the vendor holds (up to 50)."),
    last_assessed_on: day("2026-06-30"),
    next_assessment_due: day("2027-06-30"),
  },
  filters: { criticality: equals(z.enum(CRITICALITIES)), data_access: equals(z.enum(DATA_ACCESS_LEVELS)), dpa_signed: isFlag() },
  sorts: ["next_assessment_due", "contract_end"],
  example: {
    name: "Initech Cloud GmbH",
    service: "Managed hosting of the billing platform",
    criticality: "high",
    data_access: "personal",
    country: "DE",
    dpa_signed: true,
    certifications: ["ISO 27001"],
  },
});
