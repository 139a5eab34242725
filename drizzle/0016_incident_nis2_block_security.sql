-- An incident's deadlines as part of the incident itself (the `nis2` block of every
-- incident the API answers: list, get, create, change). Hand-written; idempotent.
--
-- The rules stay in app.deadline_rules and their arithmetic in ONE function,
-- app.deadlines_for, which takes the incident's facts as arguments rather than its id:
-- an INSERT or UPDATE … RETURNING cannot read the row it is writing back through a
-- query (the statement's snapshot predates it), but it can pass the row's new values.
-- app.incident_deadlines(id), which the deadline routes read, is now that function
-- applied to the stored incident, so the two can never disagree.

-- Every deadline of an incident with these facts, as of now. Due = anchor + delay, in
-- UTC (a month is a calendar month). State: the first report of the kind decides done
-- (at or before due, or no due date) / done_late; without one, overdue once past due,
-- else pending. An unknown aware_at leaves the due date null (pending).
-- SECURITY INVOKER: the caller's row policies decide which organization and reports it sees.
CREATE OR REPLACE FUNCTION app.deadlines_for(
  p_org uuid, p_incident uuid, p_aware_at timestamptz, p_significant boolean, p_breach boolean
)
RETURNS TABLE (kind text, regime text, due_at timestamptz, state text, submitted_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH firsts AS (
    SELECT n.kind, min(n.submitted_at) AS submitted_at
    FROM public.incident_notifications n
    WHERE n.org_id = p_org AND n.incident_id = p_incident
    GROUP BY n.kind
  ), due AS (
    SELECT r.regime, r.kind, r.ord,
      ((CASE r.anchor
          WHEN 'aware_at' THEN p_aware_at
          WHEN 'notification' THEN (SELECT f.submitted_at FROM firsts f WHERE f.kind = 'notification')
        END AT TIME ZONE 'UTC') + r.delay) AT TIME ZONE 'UTC' AS due_at
    FROM public.organizations o CROSS JOIN app.deadline_rules() r
    WHERE o.id = p_org
      AND r.regime = ANY (o.deadline_regimes)
      AND CASE r.applies_to
            WHEN 'significant' THEN p_significant
            WHEN 'personal_data_breach' THEN p_breach
            WHEN 'breach_or_significant' THEN p_significant OR p_breach
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
REVOKE ALL ON FUNCTION app.deadlines_for(uuid, uuid, timestamptz, boolean, boolean) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.deadlines_for(uuid, uuid, timestamptz, boolean, boolean) TO rampart_app;
--> statement-breakpoint

-- The stored incident's deadlines (the deadline and notification routes).
CREATE OR REPLACE FUNCTION app.incident_deadlines(p_incident uuid)
RETURNS TABLE (kind text, regime text, due_at timestamptz, state text, submitted_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT d.kind, d.regime, d.due_at, d.state, d.submitted_at
  FROM public.incidents i
  CROSS JOIN LATERAL app.deadlines_for(i.org_id, i.id, i.aware_at, i.significant, i.personal_data_breach) d
  WHERE i.id = p_incident
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.incident_deadlines(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.incident_deadlines(uuid) TO rampart_app;
--> statement-breakpoint

-- The `nis2` block of an incident with these facts: its deadlines as JSON, instants as
-- RFC 3339 UTC with milliseconds (what the API answers everywhere).
CREATE OR REPLACE FUNCTION app.incident_nis2(
  p_org uuid, p_incident uuid, p_aware_at timestamptz, p_significant boolean, p_breach boolean
)
RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_build_object(
    'deadlines', coalesce(jsonb_agg(jsonb_build_object(
      'kind', d.kind,
      'regime', d.regime,
      'due_at', to_char(d.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'state', d.state,
      'submitted_at', to_char(d.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ) ORDER BY d.n), '[]'::jsonb),
    'open', count(*) FILTER (WHERE d.state IN ('pending', 'overdue')),
    'overdue', count(*) FILTER (WHERE d.state = 'overdue')
  )
  FROM app.deadlines_for(p_org, p_incident, p_aware_at, p_significant, p_breach)
    WITH ORDINALITY AS d(kind, regime, due_at, state, submitted_at, n)
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.incident_nis2(uuid, uuid, timestamptz, boolean, boolean) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.incident_nis2(uuid, uuid, timestamptz, boolean, boolean) TO rampart_app;
