CREATE TABLE "evidence_files" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"evidence_id" uuid NOT NULL,
	"object_key" text GENERATED ALWAYS AS ('orgs/' || org_id::text || '/evidence/' || evidence_id::text || '/' || id::text) STORED NOT NULL,
	"name" text NOT NULL,
	"media_type" text NOT NULL,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid DEFAULT coalesce(nullif(current_setting('app.user_id', true), ''), nullif(current_setting('app.api_key_id', true), ''))::uuid NOT NULL,
	"uploaded_at" timestamp with time zone,
	CONSTRAINT "evidence_files_state" CHECK (state IN ('pending', 'available')),
	CONSTRAINT "evidence_files_name" CHECK (char_length(name) BETWEEN 1 AND 255 AND name !~ '[[:cntrl:]/\\]'),
	CONSTRAINT "evidence_files_media_type" CHECK (media_type ~ '^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$' AND char_length(media_type) <= 127),
	CONSTRAINT "evidence_files_size" CHECK (size > 0),
	CONSTRAINT "evidence_files_sha256" CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "evidence_files_uploaded" CHECK ((state = 'available') = (uploaded_at IS NOT NULL))
);
--> statement-breakpoint
ALTER TABLE "evidence_files" ADD CONSTRAINT "evidence_files_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evidence_files_record_idx" ON "evidence_files" USING btree ("org_id","evidence_id","created_at");