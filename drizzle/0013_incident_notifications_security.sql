-- Incident notifications and deadlines (P17). Hand-written; idempotent.
--
-- The deadline regimes are DATA (app.deadline_rules, below: the one table of them; the
-- API reads it through app.incident_deadlines and never repeats it). A deadline's due
-- time and state are computed at read time from the incident, the organization's
-- deadline_regimes and the reports submitted: nothing is stored that could go stale.

-- A report belongs to an incident of its own organization, whoever writes it: a composite
-- key (referential checks read incidents without RLS, so another organization's incident
-- id is refused like an unknown one).
CREATE UNIQUE INDEX IF NOT EXISTS incidents_org_id_id_key ON public.incidents (org_id, id);
--> statement-breakpoint
ALTER TABLE public.incident_notifications DROP CONSTRAINT IF EXISTS incident_notifications_incident_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.incident_notifications ADD CONSTRAINT incident_notifications_incident_same_org_fk
  FOREIGN KEY (org_id, incident_id) REFERENCES public.incidents (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint

-- Never in the future (a minute of clock skew allowed): a report cannot be "submitted"
-- ahead of time to turn a deadline green. 23514 → 422 `constraint_violated`. The
-- creator and creation time come from the database, never from the request.
CREATE OR REPLACE FUNCTION app.check_incident_notification() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor uuid := coalesce(app.current_user_id(), app.current_api_key_id());
BEGIN
  IF v_actor IS NULL THEN
    RAISE EXCEPTION 'a write to % needs an actor (app.user_id or app.api_key_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  IF NEW.submitted_at > now() + interval '1 minute' THEN
    RAISE EXCEPTION 'a notification cannot be submitted in the future' USING ERRCODE = '23514',
      CONSTRAINT = 'incident_notifications_submitted_not_future';
  END IF;
  NEW.created_by := v_actor;
  NEW.created_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.check_incident_notification() FROM PUBLIC;
--> statement-breakpoint

-- RLS like the records' (read with `read`, insert with `write`), but append-only: a
-- report that was sent stays on record. No update or delete policy or grant; the rows go
-- only with their incident or organization (ON DELETE CASCADE, audited).
ALTER TABLE public.incident_notifications ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.incident_notifications FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_read ON public.incident_notifications;
--> statement-breakpoint
CREATE POLICY tenant_read ON public.incident_notifications FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('read')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_insert ON public.incident_notifications;
--> statement-breakpoint
CREATE POLICY tenant_insert ON public.incident_notifications FOR INSERT TO rampart_app
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('write')));
--> statement-breakpoint
-- The cascade from a deleted incident or organization runs as the table owner's
-- referential action, so it needs no delete policy for rampart_app.
REVOKE ALL ON public.incident_notifications FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT ON public.incident_notifications TO rampart_app;
--> statement-breakpoint
GRANT INSERT (org_id, incident_id, kind, submitted_at, reference, notes) ON public.incident_notifications TO rampart_app;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER check_notification BEFORE INSERT ON public.incident_notifications
  FOR EACH ROW EXECUTE FUNCTION app.check_incident_notification();
--> statement-breakpoint
-- A compliance fact: every report goes to the organization's hash-chained audit log.
-- Named apart from the records' `audit_change` because that name marks the registry's
-- record tables (test/security/p11-records.test.ts and 0011's re-protection look for it).
CREATE OR REPLACE TRIGGER audit_notification AFTER INSERT OR UPDATE OR DELETE ON public.incident_notifications
  FOR EACH ROW EXECUTE FUNCTION audit.record_change();
--> statement-breakpoint

-- THE deadline regimes. `applies_to` names the incident flag that brings the rule in
-- ('breach_or_significant': either); `anchor` what the delay runs from ('aware_at', or
-- 'notification': the first NIS2 incident notification SUBMITTED, so the final report
-- has no due date until then). An intermediate report is due only on the authority's
-- request (NIS2 Art. 23(4)(c)): not an automatic deadline, so not a rule.
CREATE OR REPLACE FUNCTION app.deadline_rules()
RETURNS TABLE (regime text, kind text, applies_to text, anchor text, delay interval, ord integer)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  VALUES
    ('nis2', 'early_warning', 'significant', 'aware_at', interval '24 hours', 1),
    ('nis2', 'notification', 'significant', 'aware_at', interval '72 hours', 2),
    ('nis2', 'final', 'significant', 'notification', interval '1 month', 3),
    ('gdpr', 'gdpr_authority', 'personal_data_breach', 'aware_at', interval '72 hours', 4),
    ('customer', 'customer', 'breach_or_significant', 'aware_at', interval '48 hours', 5)
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.deadline_rules() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.deadline_rules() TO rampart_app;
--> statement-breakpoint

-- Every deadline of one incident, as of now: the rules of the regimes its organization
-- applies whose flag the incident has. Due = anchor + delay, counted in UTC (a month is a
-- calendar month: 31 Jan + 1 month = 28/29 Feb). State: the first report of the kind
-- decides done (at or before due, or no due date) / done_late; without one, overdue once
-- past due, else pending. An unknown aware_at leaves the due date null (pending).
-- SECURITY INVOKER: the caller's row policies decide which incident it sees (none: no rows).
CREATE OR REPLACE FUNCTION app.incident_deadlines(p_incident uuid)
RETURNS TABLE (kind text, regime text, due_at timestamptz, state text, submitted_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH incident AS (
    SELECT i.id, i.org_id, i.aware_at, i.significant, i.personal_data_breach, o.deadline_regimes
    FROM public.incidents i JOIN public.organizations o ON o.id = i.org_id
    WHERE i.id = p_incident
  ), firsts AS (
    SELECT n.kind, min(n.submitted_at) AS submitted_at
    FROM public.incident_notifications n JOIN incident i ON n.org_id = i.org_id AND n.incident_id = i.id
    GROUP BY n.kind
  ), due AS (
    SELECT r.regime, r.kind, r.ord,
      ((CASE r.anchor
          WHEN 'aware_at' THEN i.aware_at
          WHEN 'notification' THEN (SELECT f.submitted_at FROM firsts f WHERE f.kind = 'notification')
        END AT TIME ZONE 'UTC') + r.delay) AT TIME ZONE 'UTC' AS due_at
    FROM incident i CROSS JOIN app.deadline_rules() r
    WHERE r.regime = ANY (i.deadline_regimes)
      AND CASE r.applies_to
            WHEN 'significant' THEN i.significant
            WHEN 'personal_data_breach' THEN i.personal_data_breach
            WHEN 'breach_or_significant' THEN i.significant OR i.personal_data_breach
          END
  )
  SELECT d.kind, d.regime, d.due_at,
    CASE
      WHEN f.submitted_at IS NOT NULL THEN
        CASE WHEN d.due_at IS NULL OR f.submitted_at <= d.due_at THEN 'done' ELSE 'done_late' END
      WHEN d.due_at IS NOT NULL AND now() > d.due_at THEN 'overdue'
      ELSE 'pending'
    END,
    f.submitted_at
  FROM due d LEFT JOIN firsts f ON f.kind = d.kind
  ORDER BY d.ord
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.incident_deadlines(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.incident_deadlines(uuid) TO rampart_app;
