ALTER TABLE "assessments" DROP CONSTRAINT "assessments_owner_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "controls" DROP CONSTRAINT "controls_owner_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "evidence" DROP CONSTRAINT "evidence_owner_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "incidents" DROP CONSTRAINT "incidents_owner_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "policies" DROP CONSTRAINT "policies_owner_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "risks" DROP CONSTRAINT "risks_owner_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "trainings" DROP CONSTRAINT "trainings_owner_id_users_id_fk";
--> statement-breakpoint
ALTER TABLE "vendors" DROP CONSTRAINT "vendors_owner_id_users_id_fk";
--> statement-breakpoint
DROP INDEX "assessments_org_id_idx";--> statement-breakpoint
DROP INDEX "controls_org_id_idx";--> statement-breakpoint
DROP INDEX "evidence_org_id_idx";--> statement-breakpoint
DROP INDEX "incidents_org_id_idx";--> statement-breakpoint
DROP INDEX "policies_org_id_idx";--> statement-breakpoint
DROP INDEX "risks_org_id_idx";--> statement-breakpoint
DROP INDEX "trainings_org_id_idx";--> statement-breakpoint
DROP INDEX "vendors_org_id_idx";--> statement-breakpoint
ALTER TABLE "assessments" ADD COLUMN "scope" text;--> statement-breakpoint
ALTER TABLE "assessments" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "controls" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "controls" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "controls" ADD COLUMN "nis2_measures" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "controls" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "evidence" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "severity" text DEFAULT 'medium' NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "occurred_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "detected_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "aware_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "significant" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "personal_data_breach" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "affected_services" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "cross_border" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "root_cause" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "actions" text;--> statement-breakpoint
ALTER TABLE "incidents" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "body" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "document_version" text DEFAULT '1.0' NOT NULL;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "approver_id" uuid;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "review_due" date;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "category" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "likelihood" smallint;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "impact" smallint;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "inherent_score" smallint GENERATED ALWAYS AS (likelihood * impact) STORED;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "treatment" text;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "residual_likelihood" smallint;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "residual_impact" smallint;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "residual_score" smallint GENERATED ALWAYS AS (residual_likelihood * residual_impact) STORED;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "review_due" date;--> statement-breakpoint
ALTER TABLE "risks" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "trainings" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "trainings" ADD COLUMN "due_date" date;--> statement-breakpoint
ALTER TABLE "trainings" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "service" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "criticality" text DEFAULT 'medium' NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "data_access" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "country" text;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "contract_start" date;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "contract_end" date;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "dpa_signed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "certifications" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "last_assessed_on" date;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "next_assessment_due" date;--> statement-breakpoint
ALTER TABLE "vendors" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "assessments_org_created_idx" ON "assessments" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "controls_org_created_idx" ON "controls" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "controls_org_reference_key" ON "controls" USING btree ("org_id","reference");--> statement-breakpoint
CREATE INDEX "evidence_org_created_idx" ON "evidence" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "incidents_org_created_idx" ON "incidents" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "policies_org_created_idx" ON "policies" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "risks_org_created_idx" ON "risks" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "trainings_org_created_idx" ON "trainings" USING btree ("org_id","created_at","id");--> statement-breakpoint
CREATE INDEX "vendors_org_created_idx" ON "vendors" USING btree ("org_id","created_at","id");--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_status" CHECK (status IN ('planned', 'in_progress', 'completed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_title" CHECK (char_length(btrim(title)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "assessments" ADD CONSTRAINT "assessments_scope_length" CHECK (char_length(scope) <= 20000);--> statement-breakpoint
ALTER TABLE "controls" ADD CONSTRAINT "controls_status" CHECK (status IN ('planned', 'partial', 'implemented', 'not_applicable'));--> statement-breakpoint
ALTER TABLE "controls" ADD CONSTRAINT "controls_title" CHECK (char_length(btrim(title)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "controls" ADD CONSTRAINT "controls_description_length" CHECK (char_length(description) <= 20000);--> statement-breakpoint
ALTER TABLE "controls" ADD CONSTRAINT "controls_reference" CHECK (char_length(btrim(reference)) BETWEEN 1 AND 50);--> statement-breakpoint
ALTER TABLE "controls" ADD CONSTRAINT "controls_nis2_measures" CHECK (nis2_measures <@ ARRAY['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']::text[]);--> statement-breakpoint
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_status" CHECK (status IN ('pending', 'accepted', 'rejected', 'expired'));--> statement-breakpoint
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_title" CHECK (char_length(btrim(title)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "evidence" ADD CONSTRAINT "evidence_description_length" CHECK (char_length(description) <= 20000);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_status" CHECK (status IN ('open', 'investigating', 'contained', 'resolved', 'closed'));--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_title" CHECK (char_length(btrim(title)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_description_length" CHECK (char_length(description) <= 20000);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_severity" CHECK (severity IN ('low', 'medium', 'high', 'critical'));--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_detected_after_occurred" CHECK (detected_at >= occurred_at);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_aware_after_occurred" CHECK (aware_at >= occurred_at);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_affected_services_count" CHECK (cardinality(affected_services) <= 50);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_root_cause_length" CHECK (char_length(root_cause) <= 20000);--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_actions_length" CHECK (char_length(actions) <= 20000);--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_status" CHECK (status IN ('draft', 'approved', 'retired'));--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_title" CHECK (char_length(btrim(title)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_body_length" CHECK (char_length(body) <= 50000);--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_document_version" CHECK (char_length(btrim(document_version)) BETWEEN 1 AND 50);--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_status" CHECK (status IN ('identified', 'assessed', 'treating', 'mitigated', 'accepted', 'closed'));--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_title" CHECK (char_length(btrim(title)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_description_length" CHECK (char_length(description) <= 20000);--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_category_length" CHECK (char_length(category) <= 200);--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_likelihood" CHECK (likelihood BETWEEN 1 AND 5);--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_impact" CHECK (impact BETWEEN 1 AND 5);--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_treatment" CHECK (treatment IN ('mitigate', 'accept', 'transfer', 'avoid'));--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_residual_likelihood" CHECK (residual_likelihood BETWEEN 1 AND 5);--> statement-breakpoint
ALTER TABLE "risks" ADD CONSTRAINT "risks_residual_impact" CHECK (residual_impact BETWEEN 1 AND 5);--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_status" CHECK (status IN ('planned', 'in_progress', 'completed', 'cancelled'));--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_title" CHECK (char_length(btrim(title)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "trainings" ADD CONSTRAINT "trainings_description_length" CHECK (char_length(description) <= 20000);--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_status" CHECK (status IN ('prospective', 'active', 'suspended', 'terminated'));--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_name" CHECK (char_length(btrim(name)) BETWEEN 1 AND 300);--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_service_length" CHECK (char_length(service) <= 200);--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_criticality" CHECK (criticality IN ('low', 'medium', 'high', 'critical'));--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_data_access" CHECK (data_access IN ('none', 'internal', 'personal', 'special_category'));--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_country" CHECK (country ~ '^[A-Z]{2}$');--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_contract_dates" CHECK (contract_end >= contract_start);--> statement-breakpoint
ALTER TABLE "vendors" ADD CONSTRAINT "vendors_certifications_count" CHECK (cardinality(certifications) <= 50);