CREATE TABLE "incident_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"incident_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reference" text,
	"notes" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid DEFAULT coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid NOT NULL,
	CONSTRAINT "incident_notifications_kind" CHECK (kind IN ('early_warning', 'notification', 'intermediate', 'final', 'customer', 'gdpr_authority')),
	CONSTRAINT "incident_notifications_reference_length" CHECK (char_length(reference) BETWEEN 1 AND 200),
	CONSTRAINT "incident_notifications_notes_length" CHECK (char_length(notes) <= 5000)
);
--> statement-breakpoint
ALTER TABLE "incident_notifications" ADD CONSTRAINT "incident_notifications_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_notifications" ADD CONSTRAINT "incident_notifications_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "incident_notifications_incident_idx" ON "incident_notifications" USING btree ("org_id","incident_id","kind","submitted_at");