-- Policy acknowledgements and training assignments (P9, P11, P13): what drizzle-kit
-- cannot express about the tables of 0017. Hand-written; safe to run again.
--
-- The database decides on its own, whoever writes:
-- - a policy is acknowledged by a PERSON, as themself (never an API key, never for
--   someone else), and only an APPROVED policy's CURRENT document version;
-- - a training is assigned to a member by a writer; its completion is recorded by the
--   assignee or by a writer, and the assignee alone changes nothing else;
-- - both point at a record and a member of their own organization (composite keys);
-- - every change is an entry of the organization's hash-chained audit log.

-- ── Same organization on every side ───────────────────────────────────────────────
-- Referential checks read the record tables without row-level security, so another
-- organization's policy or training id is refused like an unknown one (23503). The
-- person's key to memberships is in 0017 (drizzle expresses it).
CREATE UNIQUE INDEX IF NOT EXISTS policies_org_id_id_key ON public.policies (org_id, id);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS trainings_org_id_id_key ON public.trainings (org_id, id);
--> statement-breakpoint
ALTER TABLE public.policy_acknowledgements DROP CONSTRAINT IF EXISTS policy_acknowledgements_policy_fk;
--> statement-breakpoint
ALTER TABLE public.policy_acknowledgements ADD CONSTRAINT policy_acknowledgements_policy_fk
  FOREIGN KEY (org_id, policy_id) REFERENCES public.policies (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE public.training_assignments DROP CONSTRAINT IF EXISTS training_assignments_training_fk;
--> statement-breakpoint
ALTER TABLE public.training_assignments ADD CONSTRAINT training_assignments_training_fk
  FOREIGN KEY (org_id, training_id) REFERENCES public.trainings (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint

-- ── Acknowledgements ──────────────────────────────────────────────────────────────
-- The person, the versions and the time come from the database. A version named by the
-- writer must be the current one (RAPVC: the policy changed since it was read); a draft
-- or retired policy cannot be acknowledged (RAPNA). The check reads the policy as the
-- caller (SECURITY INVOKER: its row policies apply). A change of the policy committed
-- while this runs orders after the acknowledgement, which was of what was current.
CREATE OR REPLACE FUNCTION app.stamp_policy_acknowledgement() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_user uuid := app.current_user_id();
  v_status text;
  v_document_version text;
  v_version integer;
BEGIN
  IF v_user IS NULL OR app.current_api_key_id() IS NOT NULL THEN
    RAISE EXCEPTION 'a policy is acknowledged by a signed-in person, not an API key' USING ERRCODE = '42501';
  END IF;
  IF NEW.user_id IS NOT NULL AND NEW.user_id <> v_user THEN
    RAISE EXCEPTION 'a person acknowledges a policy only for themself' USING ERRCODE = '42501';
  END IF;
  SELECT p.status, p.document_version, p.version INTO v_status, v_document_version, v_version
  FROM public.policies p WHERE p.org_id = NEW.org_id AND p.id = NEW.policy_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such policy in this organization' USING ERRCODE = '23503', CONSTRAINT = 'policy_acknowledgements_policy_fk';
  END IF;
  IF v_status <> 'approved' THEN
    RAISE EXCEPTION 'only an approved policy can be acknowledged (this one is %)', v_status USING ERRCODE = 'RAPNA';
  END IF;
  IF NEW.document_version IS NOT NULL AND NEW.document_version <> v_document_version THEN
    RAISE EXCEPTION 'only the current version of a policy can be acknowledged' USING ERRCODE = 'RAPVC';
  END IF;
  NEW.user_id := v_user;
  NEW.document_version := v_document_version;
  NEW.policy_version := v_version;
  NEW.acknowledged_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.stamp_policy_acknowledgement() FROM PUBLIC;
--> statement-breakpoint
-- Append-only for the app: no update or delete policy or grant. Rows go with their
-- policy, their organization or the person's membership (cascades, audited).
ALTER TABLE public.policy_acknowledgements ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.policy_acknowledgements FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_read ON public.policy_acknowledgements;
--> statement-breakpoint
CREATE POLICY tenant_read ON public.policy_acknowledgements FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('read')));
--> statement-breakpoint
-- Every member may acknowledge (reading is what the policy asks of them), as themself.
DROP POLICY IF EXISTS own_insert ON public.policy_acknowledgements;
--> statement-breakpoint
CREATE POLICY own_insert ON public.policy_acknowledgements FOR INSERT TO rampart_app
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND user_id = (SELECT app.current_user_id())
    AND (SELECT app.current_api_key_id()) IS NULL AND (SELECT app.can('read')));
--> statement-breakpoint
REVOKE ALL ON public.policy_acknowledgements FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT ON public.policy_acknowledgements TO rampart_app;
--> statement-breakpoint
GRANT INSERT (org_id, policy_id, document_version) ON public.policy_acknowledgements TO rampart_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER stamp_acknowledgement BEFORE INSERT ON public.policy_acknowledgements
  FOR EACH ROW EXECUTE FUNCTION app.stamp_policy_acknowledgement();
--> statement-breakpoint
-- Named apart from the records' `audit_change`, which marks the registry's record tables.
CREATE OR REPLACE TRIGGER audit_duty AFTER INSERT OR UPDATE OR DELETE ON public.policy_acknowledgements
  FOR EACH ROW EXECUTE FUNCTION audit.record_change();
--> statement-breakpoint

-- ── Training assignments ──────────────────────────────────────────────────────────
-- Who assigned and when come from the database; who recorded a completion too. The
-- assignee without write permission (the row policy lets them update their own row
-- only) may record their completion once and change nothing else; a writer may also
-- move the due date or correct a completion. A completion is never in the future (a
-- minute of clock skew allowed). The training, the person and the organization of an
-- assignment never change.
CREATE OR REPLACE FUNCTION app.stamp_training_assignment() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor uuid := coalesce(app.current_user_id(), app.current_api_key_id());
BEGIN
  IF v_actor IS NULL THEN
    RAISE EXCEPTION 'a write to % needs an actor (app.user_id or app.api_key_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.assigned_by := v_actor;
    NEW.assigned_at := now();
    NEW.completed_by := CASE WHEN NEW.completed_at IS NULL THEN NULL ELSE v_actor END;
  ELSE
    IF (NEW.id, NEW.org_id, NEW.training_id, NEW.user_id) IS DISTINCT FROM (OLD.id, OLD.org_id, OLD.training_id, OLD.user_id) THEN
      RAISE EXCEPTION 'an assignment keeps its training, person and organization' USING ERRCODE = '42501';
    END IF;
    NEW.assigned_by := OLD.assigned_by;
    NEW.assigned_at := OLD.assigned_at;
    IF NOT app.can('write') THEN
      IF NEW.due_date IS DISTINCT FROM OLD.due_date THEN
        RAISE EXCEPTION 'only a writer changes a due date' USING ERRCODE = '42501';
      END IF;
      IF OLD.completed_at IS NOT NULL THEN
        RAISE EXCEPTION 'a recorded completion is changed only by a writer' USING ERRCODE = '42501';
      END IF;
    END IF;
    IF (NEW.completed_at, NEW.score, NEW.notes) IS DISTINCT FROM (OLD.completed_at, OLD.score, OLD.notes) THEN
      NEW.completed_by := CASE WHEN NEW.completed_at IS NULL THEN NULL ELSE v_actor END;
    ELSE
      NEW.completed_by := OLD.completed_by;
    END IF;
  END IF;
  IF NEW.completed_at > now() + interval '1 minute' THEN
    RAISE EXCEPTION 'a training cannot be completed in the future' USING ERRCODE = '23514',
      CONSTRAINT = 'training_assignments_completed_not_future';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.stamp_training_assignment() FROM PUBLIC;
--> statement-breakpoint
ALTER TABLE public.training_assignments ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.training_assignments FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_read ON public.training_assignments;
--> statement-breakpoint
CREATE POLICY tenant_read ON public.training_assignments FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('read')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_insert ON public.training_assignments;
--> statement-breakpoint
CREATE POLICY tenant_insert ON public.training_assignments FOR INSERT TO rampart_app
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('write')));
--> statement-breakpoint
-- Writers, and the assignee (a person, not a key) on their own row.
DROP POLICY IF EXISTS assignee_or_writer_update ON public.training_assignments;
--> statement-breakpoint
CREATE POLICY assignee_or_writer_update ON public.training_assignments FOR UPDATE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND ((SELECT app.can('write'))
    OR (user_id = (SELECT app.current_user_id()) AND (SELECT app.current_api_key_id()) IS NULL AND (SELECT app.can('read')))))
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND ((SELECT app.can('write'))
    OR (user_id = (SELECT app.current_user_id()) AND (SELECT app.current_api_key_id()) IS NULL AND (SELECT app.can('read')))));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_delete ON public.training_assignments;
--> statement-breakpoint
CREATE POLICY tenant_delete ON public.training_assignments FOR DELETE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('write')));
--> statement-breakpoint
REVOKE ALL ON public.training_assignments FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT, DELETE ON public.training_assignments TO rampart_app;
--> statement-breakpoint
GRANT INSERT (org_id, training_id, user_id, due_date) ON public.training_assignments TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (due_date, completed_at, score, notes) ON public.training_assignments TO rampart_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER stamp_assignment BEFORE INSERT OR UPDATE ON public.training_assignments
  FOR EACH ROW EXECUTE FUNCTION app.stamp_training_assignment();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER audit_duty AFTER INSERT OR UPDATE OR DELETE ON public.training_assignments
  FOR EACH ROW EXECUTE FUNCTION audit.record_change();
