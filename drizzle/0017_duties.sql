CREATE TABLE "policy_acknowledgements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"policy_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"document_version" text NOT NULL,
	"policy_version" integer NOT NULL,
	"acknowledged_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policy_acknowledgements_document_version" CHECK (char_length(btrim(document_version)) BETWEEN 1 AND 50)
);
--> statement-breakpoint
CREATE TABLE "training_assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"training_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"due_date" date,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL,
	"assigned_by" uuid DEFAULT coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid NOT NULL,
	"completed_at" timestamp with time zone,
	"completed_by" uuid,
	"score" smallint,
	"notes" text,
	CONSTRAINT "training_assignments_score" CHECK (score BETWEEN 0 AND 100),
	CONSTRAINT "training_assignments_notes_length" CHECK (char_length(notes) <= 5000),
	CONSTRAINT "training_assignments_completion" CHECK ((completed_at IS NULL) = (completed_by IS NULL)),
	CONSTRAINT "training_assignments_result_needs_completion" CHECK (completed_at IS NOT NULL OR (score IS NULL AND notes IS NULL))
);
--> statement-breakpoint
ALTER TABLE "policy_acknowledgements" ADD CONSTRAINT "policy_acknowledgements_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_acknowledgements" ADD CONSTRAINT "policy_acknowledgements_member_fk" FOREIGN KEY ("org_id","user_id") REFERENCES "public"."memberships"("org_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_assignments" ADD CONSTRAINT "training_assignments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "training_assignments" ADD CONSTRAINT "training_assignments_member_fk" FOREIGN KEY ("org_id","user_id") REFERENCES "public"."memberships"("org_id","user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "policy_acknowledgements_key" ON "policy_acknowledgements" USING btree ("org_id","policy_id","document_version","user_id");--> statement-breakpoint
CREATE INDEX "policy_acknowledgements_user_idx" ON "policy_acknowledgements" USING btree ("org_id","user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "training_assignments_key" ON "training_assignments" USING btree ("org_id","training_id","user_id");--> statement-breakpoint
CREATE INDEX "training_assignments_user_idx" ON "training_assignments" USING btree ("org_id","user_id");