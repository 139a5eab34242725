CREATE TABLE "assessment_results" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"assessment_id" uuid NOT NULL,
	"control_id" uuid NOT NULL,
	"result" text NOT NULL,
	"notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid DEFAULT coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid DEFAULT coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid NOT NULL,
	CONSTRAINT "assessment_results_result" CHECK (result IN ('compliant', 'partial', 'non_compliant')),
	CONSTRAINT "assessment_results_notes_length" CHECK (char_length(notes) <= 20000)
);
--> statement-breakpoint
CREATE TABLE "control_evidence" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"control_id" uuid NOT NULL,
	"evidence_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid DEFAULT coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "control_risks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"control_id" uuid NOT NULL,
	"risk_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid DEFAULT coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assessment_results" ADD CONSTRAINT "assessment_results_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "control_evidence" ADD CONSTRAINT "control_evidence_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "control_risks" ADD CONSTRAINT "control_risks_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "assessment_results_pair_key" ON "assessment_results" USING btree ("org_id","assessment_id","control_id");--> statement-breakpoint
CREATE INDEX "assessment_results_control_idx" ON "assessment_results" USING btree ("org_id","control_id");--> statement-breakpoint
CREATE UNIQUE INDEX "control_evidence_pair_key" ON "control_evidence" USING btree ("org_id","control_id","evidence_id");--> statement-breakpoint
CREATE INDEX "control_evidence_evidence_idx" ON "control_evidence" USING btree ("org_id","evidence_id");--> statement-breakpoint
CREATE UNIQUE INDEX "control_risks_pair_key" ON "control_risks" USING btree ("org_id","control_id","risk_id");--> statement-breakpoint
CREATE INDEX "control_risks_risk_idx" ON "control_risks" USING btree ("org_id","risk_id");