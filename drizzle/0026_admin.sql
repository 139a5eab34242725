CREATE TABLE "org_suspensions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"suspended_by" uuid,
	"suspended_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reinstated_by" uuid,
	"reinstated_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "org_suspensions" ADD CONSTRAINT "org_suspensions_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_suspensions" ADD CONSTRAINT "org_suspensions_suspended_by_users_id_fk" FOREIGN KEY ("suspended_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_suspensions" ADD CONSTRAINT "org_suspensions_reinstated_by_users_id_fk" FOREIGN KEY ("reinstated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "org_suspensions_open_idx" ON "org_suspensions" USING btree ("org_id") WHERE "org_suspensions"."reinstated_at" is null;--> statement-breakpoint
CREATE INDEX "org_suspensions_org_idx" ON "org_suspensions" USING btree ("org_id","suspended_at");