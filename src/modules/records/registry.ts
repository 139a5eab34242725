/**
 * THE list of compliance resources: one declaration each (resources/*.ts). The routes,
 * handlers and OpenAPI entries are built from it (index.ts), the test helpers read the
 * table names from it (test/helpers/tenants.ts), and test/security/p11-records.test.ts
 * fails when the tables the database protects (forced RLS + the `audit_change` trigger)
 * are not exactly these. A new resource: its table (src/db/schema/records.ts), its file
 * here, and `select app.protect_record_table('<name>')` in a custom migration.
 */
import type { Resource } from "./declaration";
import { assessments } from "./resources/assessments";
import { controls } from "./resources/controls";
import { evidence } from "./resources/evidence";
import { incidents } from "./resources/incidents";
import { policies } from "./resources/policies";
import { risks } from "./resources/risks";
import { trainings } from "./resources/trainings";
import { vendors } from "./resources/vendors";

/** Every compliance resource, in the README's order. */
export const RECORD_RESOURCES = [risks, vendors, incidents, policies, trainings, controls, assessments, evidence] as const;

/** A compliance resource's name, which is its table's: `risks`, `vendors`, … */
export type RecordName = (typeof RECORD_RESOURCES)[number]["name"];

/** The resource of a name. */
export function resourceNamed(name: RecordName): Resource<RecordName> {
  const resource = RECORD_RESOURCES.find((r) => r.name === name);
  if (resource === undefined) throw new Error(`records: no resource named ${name}`);
  return resource;
}
