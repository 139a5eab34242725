-- Links between compliance records (P9, P11, P13): what drizzle-kit cannot express about
-- the three link tables of 0014 (control_risks, control_evidence, assessment_results).
-- Hand-written; idempotent, like 0011 and 0013.
--
-- Both ends of a link are records of the link's own organization, whoever writes it: a
-- composite foreign key per end, `(org_id, <record>_id)` → `<records> (org_id, id)`.
-- Referential checks read the record tables without row-level security, so another
-- organization's record id is refused (23503) exactly like an unknown one, and a link can
-- never join two organizations. Deleting either record (or the organization) deletes its
-- links (ON DELETE CASCADE), and each deleted link is an audit entry like any change.

-- The keys the composite references need (the name 0013 gave the incidents' one).
CREATE UNIQUE INDEX IF NOT EXISTS controls_org_id_id_key ON public.controls (org_id, id);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS risks_org_id_id_key ON public.risks (org_id, id);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS evidence_org_id_id_key ON public.evidence (org_id, id);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS assessments_org_id_id_key ON public.assessments (org_id, id);
--> statement-breakpoint
ALTER TABLE public.control_risks DROP CONSTRAINT IF EXISTS control_risks_control_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.control_risks ADD CONSTRAINT control_risks_control_same_org_fk
  FOREIGN KEY (org_id, control_id) REFERENCES public.controls (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE public.control_risks DROP CONSTRAINT IF EXISTS control_risks_risk_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.control_risks ADD CONSTRAINT control_risks_risk_same_org_fk
  FOREIGN KEY (org_id, risk_id) REFERENCES public.risks (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE public.control_evidence DROP CONSTRAINT IF EXISTS control_evidence_control_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.control_evidence ADD CONSTRAINT control_evidence_control_same_org_fk
  FOREIGN KEY (org_id, control_id) REFERENCES public.controls (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE public.control_evidence DROP CONSTRAINT IF EXISTS control_evidence_evidence_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.control_evidence ADD CONSTRAINT control_evidence_evidence_same_org_fk
  FOREIGN KEY (org_id, evidence_id) REFERENCES public.evidence (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE public.assessment_results DROP CONSTRAINT IF EXISTS assessment_results_assessment_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.assessment_results ADD CONSTRAINT assessment_results_assessment_same_org_fk
  FOREIGN KEY (org_id, assessment_id) REFERENCES public.assessments (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE public.assessment_results DROP CONSTRAINT IF EXISTS assessment_results_control_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.assessment_results ADD CONSTRAINT assessment_results_control_same_org_fk
  FOREIGN KEY (org_id, control_id) REFERENCES public.controls (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint

-- Who linked, and when, come from the database (the request's actor), never from the
-- request: no grant lets the app write those columns, and the trigger sets them anyway.
-- A write without an actor is refused, as on the records.
CREATE OR REPLACE FUNCTION app.stamp_link() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor uuid := coalesce(app.current_user_id(), app.current_api_key_id());
BEGIN
  IF v_actor IS NULL THEN
    RAISE EXCEPTION 'a write to % needs an actor (app.user_id or app.api_key_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  NEW.created_by := v_actor;
  NEW.created_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.stamp_link() FROM PUBLIC;
--> statement-breakpoint
-- An assessment result changes (its result and findings), but never its ends: another
-- control or assessment is another result. Creation stamps stay; every change is stamped.
CREATE OR REPLACE FUNCTION app.stamp_assessment_result() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor uuid := coalesce(app.current_user_id(), app.current_api_key_id());
BEGIN
  IF v_actor IS NULL THEN
    RAISE EXCEPTION 'a write to % needs an actor (app.user_id or app.api_key_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.created_by := v_actor;
    NEW.created_at := now();
  ELSE
    IF NEW.id IS DISTINCT FROM OLD.id OR NEW.org_id IS DISTINCT FROM OLD.org_id
       OR NEW.assessment_id IS DISTINCT FROM OLD.assessment_id OR NEW.control_id IS DISTINCT FROM OLD.control_id THEN
      RAISE EXCEPTION 'an assessment result cannot move to another assessment, control or organization' USING ERRCODE = '42501';
    END IF;
    NEW.created_by := OLD.created_by;
    NEW.created_at := OLD.created_at;
  END IF;
  NEW.updated_by := v_actor;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.stamp_assessment_result() FROM PUBLIC;
--> statement-breakpoint

-- Row-level security like the records': read with `read`, every change with `write`,
-- always inside the request's organization. The two plain links are never updated (a
-- link exists or not): no update policy or grant. An assessment result's result and
-- findings are updated in place.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['control_risks', 'control_evidence', 'assessment_results'] LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_read ON public.%I', t);
    EXECUTE format('CREATE POLICY tenant_read ON public.%I FOR SELECT TO rampart_app
      USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''read'')))', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_insert ON public.%I', t);
    EXECUTE format('CREATE POLICY tenant_insert ON public.%I FOR INSERT TO rampart_app
      WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''write'')))', t);
    EXECUTE format('DROP POLICY IF EXISTS tenant_delete ON public.%I', t);
    EXECUTE format('CREATE POLICY tenant_delete ON public.%I FOR DELETE TO rampart_app
      USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''write'')))', t);
    EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC, rampart_app, rampart_definer', t);
    EXECUTE format('GRANT SELECT, DELETE ON public.%I TO rampart_app', t);
    -- Every link change goes to the organization's hash-chained audit log, in the
    -- write's own transaction. Not named `audit_change`: that name marks the registry's
    -- record tables (test/security/p11-records.test.ts, 0011's re-protection).
    EXECUTE format('CREATE OR REPLACE TRIGGER audit_link AFTER INSERT OR UPDATE OR DELETE ON public.%I
      FOR EACH ROW EXECUTE FUNCTION audit.record_change()', t);
  END LOOP;
END
$$;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_update ON public.assessment_results;
--> statement-breakpoint
CREATE POLICY tenant_update ON public.assessment_results FOR UPDATE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('write')))
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('write')));
--> statement-breakpoint
GRANT INSERT (org_id, control_id, risk_id) ON public.control_risks TO rampart_app;
--> statement-breakpoint
GRANT INSERT (org_id, control_id, evidence_id) ON public.control_evidence TO rampart_app;
--> statement-breakpoint
GRANT INSERT (org_id, assessment_id, control_id, result, notes) ON public.assessment_results TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (result, notes) ON public.assessment_results TO rampart_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER stamp_actor BEFORE INSERT ON public.control_risks
  FOR EACH ROW EXECUTE FUNCTION app.stamp_link();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER stamp_actor BEFORE INSERT ON public.control_evidence
  FOR EACH ROW EXECUTE FUNCTION app.stamp_link();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER stamp_actor BEFORE INSERT OR UPDATE ON public.assessment_results
  FOR EACH ROW EXECUTE FUNCTION app.stamp_assessment_result();
