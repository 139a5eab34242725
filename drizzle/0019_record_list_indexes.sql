CREATE INDEX "assessments_org_status_created_idx" ON "assessments" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "assessments_org_status_updated_idx" ON "assessments" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "assessments_org_status_title_idx" ON "assessments" USING btree ("org_id","status","title","id");--> statement-breakpoint
CREATE INDEX "controls_org_status_created_idx" ON "controls" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "controls_org_status_updated_idx" ON "controls" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "controls_org_status_title_idx" ON "controls" USING btree ("org_id","status","title","id");--> statement-breakpoint
CREATE INDEX "controls_org_status_reference_idx" ON "controls" USING btree ("org_id","status","reference","id");--> statement-breakpoint
CREATE INDEX "evidence_org_status_created_idx" ON "evidence" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "evidence_org_status_updated_idx" ON "evidence" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "evidence_org_status_title_idx" ON "evidence" USING btree ("org_id","status","title","id");--> statement-breakpoint
CREATE INDEX "incidents_org_status_created_idx" ON "incidents" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "incidents_org_status_updated_idx" ON "incidents" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "incidents_org_status_title_idx" ON "incidents" USING btree ("org_id","status","title","id");--> statement-breakpoint
CREATE INDEX "incidents_org_status_occurred_at_idx" ON "incidents" USING btree ("org_id","status","occurred_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "incidents_org_status_aware_at_idx" ON "incidents" USING btree ("org_id","status","aware_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "policies_org_status_created_idx" ON "policies" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "policies_org_status_updated_idx" ON "policies" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "policies_org_status_title_idx" ON "policies" USING btree ("org_id","status","title","id");--> statement-breakpoint
CREATE INDEX "policies_org_status_review_due_idx" ON "policies" USING btree ("org_id","status","review_due","id");--> statement-breakpoint
CREATE INDEX "risks_org_status_created_idx" ON "risks" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "risks_org_status_updated_idx" ON "risks" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "risks_org_status_title_idx" ON "risks" USING btree ("org_id","status","title","id");--> statement-breakpoint
CREATE INDEX "risks_org_status_inherent_score_idx" ON "risks" USING btree ("org_id","status","inherent_score" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "risks_org_status_residual_score_idx" ON "risks" USING btree ("org_id","status","residual_score" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "risks_org_status_review_due_idx" ON "risks" USING btree ("org_id","status","review_due","id");--> statement-breakpoint
CREATE INDEX "trainings_org_status_created_idx" ON "trainings" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "trainings_org_status_updated_idx" ON "trainings" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "trainings_org_status_title_idx" ON "trainings" USING btree ("org_id","status","title","id");--> statement-breakpoint
CREATE INDEX "trainings_org_status_due_date_idx" ON "trainings" USING btree ("org_id","status","due_date","id");--> statement-breakpoint
CREATE INDEX "vendors_org_status_created_idx" ON "vendors" USING btree ("org_id","status","created_at","id");--> statement-breakpoint
CREATE INDEX "vendors_org_status_updated_idx" ON "vendors" USING btree ("org_id","status","updated_at","id");--> statement-breakpoint
CREATE INDEX "vendors_org_status_name_idx" ON "vendors" USING btree ("org_id","status","name","id");--> statement-breakpoint
CREATE INDEX "vendors_org_status_next_assessment_due_idx" ON "vendors" USING btree ("org_id","status","next_assessment_due","id");--> statement-breakpoint
CREATE INDEX "vendors_org_status_contract_end_idx" ON "vendors" USING btree ("org_id","status","contract_end","id");