DROP INDEX "incidents_org_status_occurred_at_idx";--> statement-breakpoint
DROP INDEX "incidents_org_status_aware_at_idx";--> statement-breakpoint
DROP INDEX "risks_org_status_inherent_score_idx";--> statement-breakpoint
DROP INDEX "risks_org_status_residual_score_idx";--> statement-breakpoint
CREATE INDEX "incidents_org_status_occurred_at_idx" ON "incidents" USING btree ("org_id","status","occurred_at" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "incidents_org_status_aware_at_idx" ON "incidents" USING btree ("org_id","status","aware_at" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "risks_org_status_inherent_score_idx" ON "risks" USING btree ("org_id","status","inherent_score" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "risks_org_status_residual_score_idx" ON "risks" USING btree ("org_id","status","residual_score" DESC NULLS LAST,"id" DESC NULLS FIRST);