-- The audit log and security events over HTTP (P13, P16). Hand-written, safe to run
-- again, like 0001: indexes for the routes' filters and keyset pages, and the one thing
-- the row policies cannot express: an organization's auditors reading the
-- authentication events of its CURRENT members (stored with org_id NULL: a sign-in
-- belongs to no organization), from the moment each joined.
--
-- audit.verify_chain (0001) is left as it is: its FOR loop walks one org's entries in
-- order through a cursor (constant memory, stops at the first break). Measured on
-- Postgres 15 over 100,000 entries of one org: 1-2 s (bench median 0.96 s, psql cold
-- 1.9 s); a set-based rewrite (window functions) was ~1.5 s cold but sorts the whole
-- chain (spilling to disk). Hashing is the cost either way (`npm run bench -- audit`).

-- "History of this record" (the audit log's `row` filter) without walking the whole chain.
CREATE INDEX IF NOT EXISTS audit_entries_org_row_idx ON audit.entries (org_id, row_id, seq);
--> statement-breakpoint
-- A member's account events, newest first, per member (see audit.member_account_events).
CREATE INDEX IF NOT EXISTS security_events_account_idx ON public.security_events (actor_user_id, created_at, id)
  WHERE org_id IS NULL;
--> statement-breakpoint

-- The account events an organization's auditors see of their members: sign-ins and
-- their failures, MFA, password and session changes. Not sign-up or email
-- verification (before anyone joins), not platform events (admin grants), and never
-- an event that only names another organization (org_deleted carries its id). The
-- vocabulary declares the same set (`account: true` in src/lib/security-events.ts);
-- test/security/p16-security-event-routes.test.ts fails when the two differ.
CREATE OR REPLACE FUNCTION app.account_event_types() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY['login_succeeded', 'login_failed', 'login_challenged', 'mfa_enrolled', 'mfa_disabled', 'mfa_verified',
               'mfa_failed', 'recovery_code_used', 'refresh_token_reused', 'session_revoked', 'session_revocation_delayed',
               'password_changed', 'password_reset_requested', 'password_reset']::text[]
$$;
--> statement-breakpoint
-- What an organization's auditors see instead of the stored keyed hash of a client
-- address: a pseudonym of that hash for this organization only. Equal within one org
-- means "same client address" (correlation: failed sign-ins from one source); it
-- cannot be matched with another org's (or with the rate limiter's Redis keys), and
-- like the stored hash it cannot be reversed without the hashing secret.
CREATE OR REPLACE FUNCTION app.event_source(p_org uuid, p_ip_hash text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_ip_hash IS NOT NULL THEN pg_catalog.left(pg_catalog.encode(pg_catalog.sha256(
    pg_catalog.convert_to('rampart-event-source|' || p_org::text || '|' || p_ip_hash, 'UTF8')), 'hex'), 24) END
$$;
--> statement-breakpoint
-- The account events of the request's organization's current members since each
-- joined, newest first, after the keyset position (p_before_at, p_before_id) when
-- given, at most p_limit (1-201). Only for a caller allowed to audit that org. One
-- bounded index scan per member (LATERAL ... LIMIT), then the newest p_limit of those.
CREATE OR REPLACE FUNCTION audit.member_account_events(
  p_type text, p_severity text, p_from timestamptz, p_to timestamptz,
  p_before_at timestamptz, p_before_id uuid, p_limit integer
) RETURNS TABLE (id uuid, type text, severity text, actor_user_id uuid, request_id text, source text, details jsonb, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_org uuid := app.current_org_id();
  v_limit integer := least(greatest(coalesce(p_limit, 50), 1), 201);
BEGIN
  IF v_org IS NULL OR NOT app.can('audit') THEN
    RAISE EXCEPTION 'not allowed to read this organization''s security events' USING ERRCODE = '42501';
  END IF;
  RETURN QUERY
  SELECT e.id, e.type, e.severity, e.actor_user_id, e.request_id, app.event_source(v_org, e.ip_hash), e.details, e.created_at
  FROM public.memberships m
  CROSS JOIN LATERAL (
    SELECT s.id, s.type, s.severity, s.actor_user_id, s.request_id, s.ip_hash, s.details, s.created_at
    FROM public.security_events s
    WHERE s.org_id IS NULL AND s.actor_user_id = m.user_id
      AND s.created_at >= m.created_at
      AND s.type = ANY (app.account_event_types())
      AND (p_type IS NULL OR s.type = p_type)
      AND (p_severity IS NULL OR s.severity = p_severity)
      AND (p_from IS NULL OR s.created_at >= p_from)
      AND (p_to IS NULL OR s.created_at < p_to)
      AND (p_before_at IS NULL OR (s.created_at, s.id) < (p_before_at, p_before_id))
    ORDER BY s.created_at DESC, s.id DESC
    LIMIT v_limit
  ) e
  WHERE m.org_id = v_org
  ORDER BY e.created_at DESC, e.id DESC
  LIMIT v_limit;
END
$$;
--> statement-breakpoint
ALTER FUNCTION audit.member_account_events(text, text, timestamptz, timestamptz, timestamptz, uuid, integer) OWNER TO rampart_definer;
--> statement-breakpoint
-- The function reads events as rampart_definer (its definer_all policy; 0001 gave it none on this table).
GRANT SELECT ON public.security_events TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.account_event_types(), app.event_source(uuid, text),
  audit.member_account_events(text, text, timestamptz, timestamptz, timestamptz, uuid, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.account_event_types(), app.event_source(uuid, text) TO rampart_app, rampart_definer;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION audit.member_account_events(text, text, timestamptz, timestamptz, timestamptz, uuid, integer) TO rampart_app;
