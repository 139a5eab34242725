-- Deadline reminders (P17): which organizations have a reminder due, and the claim that
-- sends each reminder once. Hand-written; idempotent.
--
-- A reminder is one email about one pending deadline of an incident (app.deadlines_for:
-- no report of its kind yet, a due time known) to one person (the incident's owner and
-- the organization's owners and admins, verified addresses only), at one STAGE: a lead
-- time before the due time (`6h`, `1h`: the worker's NIS2_REMINDER_LEAD_HOURS) or
-- `overdue` once past it. At a given instant a deadline's stage is the most urgent one
-- reached; a stage is due to a person unless they have a claim at it or at a more urgent
-- stage (so a late first look sends only `overdue`, and a stale retry never sends `6h`
-- after `1h`). Closed incidents, incidents neither significant nor a breach, and
-- suspended organizations get none.
--
-- The worker has no request context here (a cron tick, a queue message): it calls the
-- SECURITY DEFINER functions below, which refuse to run under a user or API key.

-- The fan-out reads every organization's open incidents: this partial index holds only
-- the candidates, so its cost follows the open significant incidents, not all incidents.
-- The predicate is repeated verbatim by the functions below (the planner matches it).
CREATE INDEX IF NOT EXISTS incidents_reminder_candidates_idx ON public.incidents (org_id)
  WHERE status <> 'closed' AND (significant OR personal_data_breach) AND aware_at IS NOT NULL;
--> statement-breakpoint

-- The definer reads what the reminders need, and nothing else of these tables.
GRANT SELECT (id, org_id, title, status, owner_id, aware_at, significant, personal_data_breach) ON public.incidents TO rampart_definer;
--> statement-breakpoint
DROP POLICY IF EXISTS definer_read ON public.incidents;
--> statement-breakpoint
CREATE POLICY definer_read ON public.incidents FOR SELECT TO rampart_definer USING (true);
--> statement-breakpoint
GRANT SELECT (org_id, incident_id, kind, submitted_at) ON public.incident_notifications TO rampart_definer;
--> statement-breakpoint
DROP POLICY IF EXISTS definer_read ON public.incident_notifications;
--> statement-breakpoint
CREATE POLICY definer_read ON public.incident_notifications FOR SELECT TO rampart_definer USING (true);
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.deadline_rules() TO rampart_definer;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.deadlines_for(uuid, uuid, timestamptz, boolean, boolean) TO rampart_definer;
--> statement-breakpoint

-- The claims: only the definer functions touch them (the app role has no grant at all).
ALTER TABLE public.deadline_reminders ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.deadline_reminders FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.deadline_reminders FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON public.deadline_reminders TO rampart_definer;
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.deadline_reminders;
--> statement-breakpoint
CREATE POLICY definer_all ON public.deadline_reminders TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint

-- How long before the due time a stage is: `6h` → 6 hours, `overdue` → 0.
CREATE OR REPLACE FUNCTION app.reminder_lead_before(p_lead text) RETURNS interval
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE WHEN p_lead = 'overdue' THEN interval '0' ELSE make_interval(hours => left(p_lead, -1)::int) END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.reminder_lead_before(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.reminder_lead_before(text) TO rampart_definer;
--> statement-breakpoint

-- The jobs run without a request context; a request (a user, an API key) may not claim
-- or release reminders, even through a bug that calls these functions.
CREATE OR REPLACE FUNCTION app.require_job_context() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF app.current_user_id() IS NOT NULL OR app.current_api_key_id() IS NOT NULL OR app.current_org_id() IS NOT NULL THEN
    RAISE EXCEPTION 'deadline reminders are worked by the scheduled jobs only' USING ERRCODE = '42501';
  END IF;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.require_job_context() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.require_job_context() TO rampart_definer;
--> statement-breakpoint

-- The reminders due at p_at for ONE incident with these facts: per pending deadline, its
-- most urgent stage reached, to each recipient who has no claim at that stage or a more
-- urgent one for that deadline (same kind and due time). Lead times in whole hours.
-- SECURITY INVOKER: called by the definer functions below only.
CREATE OR REPLACE FUNCTION app.incident_due_reminders(
  p_org uuid, p_incident uuid, p_aware_at timestamptz, p_significant boolean, p_breach boolean, p_owner uuid,
  p_at timestamptz, p_lead_hours integer[]
)
RETURNS TABLE (kind text, regime text, due_at timestamptz, lead text, user_id uuid, email text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH stages AS (
    SELECT 'overdue'::text AS lead, interval '0' AS before
    UNION ALL
    SELECT h::text || 'h', make_interval(hours => h) FROM unnest(p_lead_hours) AS h WHERE h > 0
  ), recipients AS (
    SELECT u.id, u.email
    FROM public.memberships m JOIN public.users u ON u.id = m.user_id
    WHERE m.org_id = p_org AND (m.role IN ('owner', 'admin') OR m.user_id = p_owner) AND u.email_verified_at IS NOT NULL
  )
  SELECT d.kind, d.regime, d.due_at, s.lead, r.id, r.email
  FROM app.deadlines_for(p_org, p_incident, p_aware_at, p_significant, p_breach) d
  CROSS JOIN LATERAL (
    SELECT st.lead, st.before FROM stages st
    WHERE CASE WHEN st.before = interval '0' THEN p_at > d.due_at ELSE p_at >= d.due_at - st.before AND p_at <= d.due_at END
    ORDER BY st.before
    LIMIT 1
  ) s
  CROSS JOIN recipients r
  WHERE d.submitted_at IS NULL AND d.due_at IS NOT NULL
    AND NOT EXISTS (
      SELECT FROM public.deadline_reminders x
      WHERE x.org_id = p_org AND x.incident_id = p_incident AND x.kind = d.kind AND x.due_at = d.due_at
        AND x.user_id = r.id AND app.reminder_lead_before(x.lead) <= s.before)
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.incident_due_reminders(uuid, uuid, timestamptz, boolean, boolean, uuid, timestamptz, integer[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.incident_due_reminders(uuid, uuid, timestamptz, boolean, boolean, uuid, timestamptz, integer[]) TO rampart_definer;
--> statement-breakpoint

-- The fan-out (every */5 cron tick): the organizations with at least one reminder due at
-- p_at. Ids only; the candidates come off incidents_reminder_candidates_idx.
CREATE OR REPLACE FUNCTION app.orgs_with_due_reminders(p_at timestamptz, p_lead_hours integer[])
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT app.require_job_context();
  SELECT DISTINCT i.org_id
  FROM public.incidents i
  JOIN public.organizations o ON o.id = i.org_id AND o.suspended_at IS NULL
  WHERE i.status <> 'closed' AND (i.significant OR i.personal_data_breach) AND i.aware_at IS NOT NULL
    AND EXISTS (
      SELECT FROM app.incident_due_reminders(i.org_id, i.id, i.aware_at, i.significant, i.personal_data_breach, i.owner_id,
                                             p_at, p_lead_hours))
$$;
--> statement-breakpoint
ALTER FUNCTION app.orgs_with_due_reminders(timestamptz, integer[]) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.orgs_with_due_reminders(timestamptz, integer[]) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.orgs_with_due_reminders(timestamptz, integer[]) TO rampart_app;
--> statement-breakpoint

-- The consumer's one round trip: claims at most p_limit reminders of ONE organization due
-- at p_at (soonest due first) and answers what each email needs. The claim is the
-- INSERT … ON CONFLICT DO NOTHING: of two overlapping runs only one gets a row back (the
-- other waits on the key, then inserts nothing), so each reminder is sent once.
CREATE OR REPLACE FUNCTION app.claim_deadline_reminders(p_org uuid, p_at timestamptz, p_lead_hours integer[], p_limit integer)
RETURNS TABLE (
  incident_id uuid, incident_title text, org_name text, kind text, regime text, due_at text, lead text, user_id uuid, email text
)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT app.require_job_context();
  WITH due AS (
    SELECT i.org_id, i.id AS incident_id, i.title, o.name AS org_name, d.kind, d.regime, d.due_at, d.lead, d.user_id, d.email
    FROM public.incidents i
    JOIN public.organizations o ON o.id = i.org_id AND o.suspended_at IS NULL
    CROSS JOIN LATERAL app.incident_due_reminders(i.org_id, i.id, i.aware_at, i.significant, i.personal_data_breach, i.owner_id,
                                                  p_at, p_lead_hours) d
    WHERE i.org_id = p_org
      AND i.status <> 'closed' AND (i.significant OR i.personal_data_breach) AND i.aware_at IS NOT NULL
    ORDER BY d.due_at, i.id, d.kind, d.user_id
    LIMIT greatest(p_limit, 0)
  ), claimed AS (
    INSERT INTO public.deadline_reminders AS r (org_id, incident_id, kind, due_at, lead, user_id)
    SELECT due.org_id, due.incident_id, due.kind, due.due_at, due.lead, due.user_id FROM due
    ON CONFLICT DO NOTHING
    RETURNING r.incident_id, r.kind, r.due_at, r.lead, r.user_id
  )
  SELECT c.incident_id, due.title, due.org_name, c.kind, due.regime,
    to_char(c.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), c.lead, c.user_id, due.email
  FROM claimed c
  JOIN due ON due.incident_id = c.incident_id AND due.kind = c.kind AND due.due_at = c.due_at
    AND due.lead = c.lead AND due.user_id = c.user_id
  ORDER BY due.due_at, c.incident_id, c.kind, c.user_id
$$;
--> statement-breakpoint
ALTER FUNCTION app.claim_deadline_reminders(uuid, timestamptz, integer[], integer) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.claim_deadline_reminders(uuid, timestamptz, integer[], integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.claim_deadline_reminders(uuid, timestamptz, integer[], integer) TO rampart_app;
--> statement-breakpoint

-- Gives claims back after their emails failed to send, so a later delivery sends them.
-- p_claims: [{incident_id, kind, due_at, lead, user_id}, …], of ONE organization. Answers
-- how many were released.
CREATE OR REPLACE FUNCTION app.release_deadline_reminders(p_org uuid, p_claims jsonb) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT app.require_job_context();
  WITH released AS (
    DELETE FROM public.deadline_reminders r
    USING jsonb_to_recordset(p_claims) AS c(incident_id uuid, kind text, due_at timestamptz, lead text, user_id uuid)
    WHERE r.org_id = p_org AND r.incident_id = c.incident_id AND r.kind = c.kind AND r.due_at = c.due_at
      AND r.lead = c.lead AND r.user_id = c.user_id
    RETURNING 1
  )
  SELECT count(*)::integer FROM released
$$;
--> statement-breakpoint
ALTER FUNCTION app.release_deadline_reminders(uuid, jsonb) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.release_deadline_reminders(uuid, jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.release_deadline_reminders(uuid, jsonb) TO rampart_app;
