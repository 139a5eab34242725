CREATE TABLE "backups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"date" date NOT NULL,
	"object_key" text GENERATED ALWAYS AS ('orgs/' || org_id::text || '/backups/' || lpad(extract(year from date)::int::text, 4, '0') || '-' || lpad(extract(month from date)::int::text, 2, '0') || '-' || lpad(extract(day from date)::int::text, 2, '0') || '.ndjson.gz.enc') STORED NOT NULL,
	"key_version" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"segments" integer NOT NULL,
	"counts" jsonb NOT NULL,
	"audit_head_seq" bigint NOT NULL,
	"audit_head_hash" text NOT NULL,
	"check_state" text DEFAULT 'pending' NOT NULL,
	"check_reason" text,
	"checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "backups_check_state" CHECK (check_state IN ('pending', 'passed', 'failed')),
	CONSTRAINT "backups_sha256" CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "backups_audit_head_hash" CHECK (audit_head_hash ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "backups_size" CHECK (size > 0 AND segments > 0),
	CONSTRAINT "backups_checked" CHECK ((check_state = 'pending') = (checked_at IS NULL)),
	CONSTRAINT "backups_reason" CHECK ((check_state = 'failed') = (check_reason IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "backups" ADD CONSTRAINT "backups_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "backups_org_date_key" ON "backups" USING btree ("org_id","date");--> statement-breakpoint
CREATE INDEX "backups_date_idx" ON "backups" USING btree ("date","id");--> statement-breakpoint
CREATE INDEX "backups_state_date_idx" ON "backups" USING btree ("check_state","date","id");