-- Platform administration (P7, P9, P16): listing organizations, suspending and reinstating
-- one, security events across tenants, and the admin calls' own events. Hand-written, safe
-- to run again, like 0001.
--
-- Every function here is SECURITY DEFINER (owned by rampart_definer) and starts with
-- app.require_super_admin() (0021): the caller's user, as the request's context names it,
-- must be a super administrator IN THE DATABASE. A token's `adm` claim only opens the route
-- (stage 4, with aal2); a forged or stale claim still fails here (RA403 → 403 `forbidden`),
-- in the same round trip as the work. The app role reads none of these tables itself.

-- ── Suspensions: why and by whom (organizations.suspended_at stays what every check reads) ──
ALTER TABLE public.org_suspensions DROP CONSTRAINT IF EXISTS org_suspensions_reason_length;
--> statement-breakpoint
ALTER TABLE public.org_suspensions ADD CONSTRAINT org_suspensions_reason_length
  CHECK (char_length(reason) BETWEEN 1 AND 500);
--> statement-breakpoint
ALTER TABLE public.org_suspensions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.org_suspensions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.org_suspensions;
--> statement-breakpoint
CREATE POLICY definer_all ON public.org_suspensions TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
REVOKE ALL ON public.org_suspensions FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE (reinstated_by, reinstated_at) ON public.org_suspensions TO rampart_definer;
--> statement-breakpoint
GRANT UPDATE (suspended_at, updated_at) ON public.organizations TO rampart_definer;
--> statement-breakpoint

-- ── Indexes for the cross-tenant lists ─────────────────────────────────────────────
-- The organization list, newest first, by keyset (created_at, id).
CREATE INDEX IF NOT EXISTS organizations_created_idx ON public.organizations (created_at, id);
--> statement-breakpoint
-- Live API keys per organization (the list's `api_keys` count; api_keys had no org index).
CREATE INDEX IF NOT EXISTS api_keys_org_idx ON public.api_keys (org_id) WHERE revoked_at IS NULL;
--> statement-breakpoint
-- Security events across tenants: newest first, by type (the alert log), by acting user.
-- (By organization: security_events_org_created_idx, 0000.)
CREATE INDEX IF NOT EXISTS security_events_created_idx ON public.security_events (created_at, id);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS security_events_type_created_idx ON public.security_events (type, created_at, id);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS security_events_actor_created_idx ON public.security_events (actor_user_id, created_at, id)
  WHERE actor_user_id IS NOT NULL;
--> statement-breakpoint

-- ── Organizations, as administrators see them ────────────────────────────────────
-- Newest first, after the keyset position (p_before_at, p_before_id) when given, at most
-- p_limit (1-201). Filters: one id, a name substring (case-insensitive, matched literally:
-- % and _ are escaped), a plan, suspended or not. Each row's counts and last activity are
-- bounded index lookups (memberships' primary key, api_keys_org_idx, the audit chain's
-- primary key read backwards, security_events_org_created_idx), so a page costs p_limit
-- times a few index probes, whatever the number of organizations.
CREATE OR REPLACE FUNCTION app.admin_orgs(
  p_id uuid, p_name text, p_plan text, p_suspended boolean,
  p_before_at timestamptz, p_before_id uuid, p_limit integer
) RETURNS TABLE (
  id uuid, name text, plan text, billing_status text, members bigint, api_keys bigint,
  suspended_at timestamptz, suspension_reason text, suspended_by uuid, created_at timestamptz,
  last_activity_at timestamptz, owner_ids uuid[]
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
-- Plans per call: a cached generic plan would scan past the `p IS NULL OR …` filters' indexes.
SET plan_cache_mode = force_custom_plan AS $$
#variable_conflict use_column
BEGIN
  PERFORM app.require_super_admin();
  RETURN QUERY
    SELECT o.id, o.name, o.plan, b.status,
      (SELECT count(*) FROM public.memberships m WHERE m.org_id = o.id),
      (SELECT count(*) FROM public.api_keys k
       WHERE k.org_id = o.id AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())),
      o.suspended_at,
      CASE WHEN o.suspended_at IS NOT NULL THEN s.reason END,
      CASE WHEN o.suspended_at IS NOT NULL THEN s.suspended_by END,
      o.created_at,
      greatest(
        (SELECT e.at FROM audit.entries e WHERE e.org_id = o.id ORDER BY e.seq DESC LIMIT 1),
        (SELECT v.created_at FROM public.security_events v WHERE v.org_id = o.id ORDER BY v.created_at DESC LIMIT 1)),
      ARRAY(SELECT m.user_id FROM public.memberships m WHERE m.org_id = o.id AND m.role = 'owner' ORDER BY m.created_at, m.user_id)
    FROM public.organizations o
    LEFT JOIN public.billing_accounts b ON b.org_id = o.id
    LEFT JOIN public.org_suspensions s ON s.org_id = o.id AND s.reinstated_at IS NULL
    WHERE (p_id IS NULL OR o.id = p_id)
      AND (p_name IS NULL OR o.name ILIKE
           '%' || replace(replace(replace(p_name, '\', '\\'), '%', '\%'), '_', '\_') || '%')
      AND (p_plan IS NULL OR o.plan = p_plan)
      AND (p_suspended IS NULL OR (o.suspended_at IS NOT NULL) = p_suspended)
      AND (p_before_at IS NULL OR (o.created_at, o.id) < (p_before_at, p_before_id))
    ORDER BY o.created_at DESC, o.id DESC
    LIMIT least(greatest(coalesce(p_limit, 50), 1), 201);
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.admin_orgs(uuid, text, text, boolean, timestamptz, uuid, integer) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Suspending and reinstating ───────────────────────────────────────────────────
-- Idempotent: suspending a suspended organization (or reinstating one that is not) changes
-- nothing, writes no event and answers false; the first suspension's reason stays. The
-- organization's row lock makes two administrators acting at once take turns. The event is
-- stored IN the organization (its auditors see that and when, not the reason, which is for
-- administrators), with the administrator as its actor.
CREATE OR REPLACE FUNCTION app.admin_suspend_org(p_org uuid, p_reason text, p_request_id text, p_ip_hash text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_admin uuid := app.current_user_id();
  v_suspended timestamptz;
  v_suspension uuid;
BEGIN
  PERFORM app.require_super_admin();
  SELECT o.suspended_at INTO v_suspended FROM public.organizations o WHERE o.id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such organization' USING ERRCODE = 'RA404';
  END IF;
  IF v_suspended IS NOT NULL THEN
    RETURN false;
  END IF;
  UPDATE public.organizations o SET suspended_at = now(), updated_at = now() WHERE o.id = p_org;
  INSERT INTO public.org_suspensions (org_id, reason, suspended_by) VALUES (p_org, btrim(p_reason), v_admin)
  RETURNING id INTO v_suspension;
  INSERT INTO public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
  VALUES (p_org, 'org_suspended', 'warning', v_admin, left(p_request_id, 128), left(p_ip_hash, 64),
          jsonb_build_object('suspension_id', v_suspension));
  RETURN true;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.admin_suspend_org(uuid, text, text, text) OWNER TO rampart_definer;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app.admin_reinstate_org(p_org uuid, p_request_id text, p_ip_hash text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_admin uuid := app.current_user_id();
  v_suspended timestamptz;
  v_suspension uuid;
BEGIN
  PERFORM app.require_super_admin();
  SELECT o.suspended_at INTO v_suspended FROM public.organizations o WHERE o.id = p_org FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such organization' USING ERRCODE = 'RA404';
  END IF;
  IF v_suspended IS NULL THEN
    RETURN false;
  END IF;
  UPDATE public.organizations o SET suspended_at = NULL, updated_at = now() WHERE o.id = p_org;
  UPDATE public.org_suspensions s SET reinstated_at = now(), reinstated_by = v_admin
  WHERE s.org_id = p_org AND s.reinstated_at IS NULL
  RETURNING s.id INTO v_suspension;
  INSERT INTO public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
  VALUES (p_org, 'org_reinstated', 'warning', v_admin, left(p_request_id, 128), left(p_ip_hash, 64),
          jsonb_build_object('suspension_id', v_suspension, 'suspended_at', v_suspended));
  RETURN true;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.admin_reinstate_org(uuid, text, text) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Security events across tenants ───────────────────────────────────────────────
-- Newest first, by keyset (created_at, id), with the given filters, at most p_limit (1-201).
-- The stored keyed hash of a client address never leaves: `source` is a pseudonym of it that
-- is the same in every organization (administrators correlate across tenants), and differs
-- from the per-organization `source` auditors see.
CREATE OR REPLACE FUNCTION app.admin_security_events(
  p_org uuid, p_type text, p_severity text, p_from timestamptz, p_to timestamptz, p_actor uuid,
  p_before_at timestamptz, p_before_id uuid, p_limit integer
) RETURNS TABLE (
  id uuid, org_id uuid, type text, severity text, actor_user_id uuid, actor_api_key_id uuid,
  request_id text, source text, details jsonb, created_at timestamptz
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
-- Plans per call: a cached generic plan would scan past the `p IS NULL OR …` filters' indexes.
SET plan_cache_mode = force_custom_plan AS $$
#variable_conflict use_column
BEGIN
  PERFORM app.require_super_admin();
  RETURN QUERY
    SELECT s.id, s.org_id, s.type, s.severity, s.actor_user_id, s.actor_api_key_id, s.request_id,
      CASE WHEN s.ip_hash IS NOT NULL THEN left(encode(sha256(convert_to('rampart-admin-source|' || s.ip_hash, 'UTF8')), 'hex'), 24) END,
      s.details, s.created_at
    FROM public.security_events s
    WHERE (p_org IS NULL OR s.org_id = p_org)
      AND (p_type IS NULL OR s.type = p_type)
      AND (p_severity IS NULL OR s.severity = p_severity)
      AND (p_from IS NULL OR s.created_at >= p_from)
      AND (p_to IS NULL OR s.created_at < p_to)
      AND (p_actor IS NULL OR s.actor_user_id = p_actor)
      AND (p_before_at IS NULL OR (s.created_at, s.id) < (p_before_at, p_before_id))
    ORDER BY s.created_at DESC, s.id DESC
    LIMIT least(greatest(coalesce(p_limit, 50), 1), 201);
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.admin_security_events(uuid, text, text, timestamptz, timestamptz, uuid, timestamptz, uuid, integer)
  OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Refused attempts on admin routes (P16) ──────────────────────────────────────
-- A signed-in user refused on an admin route (no `adm` claim, aal1, a claim the database
-- does not confirm, a revoked session, a rate limit): stored without an organization, at
-- most once per (user, code) and window, like app.record_refused_request (0022): the worker
-- bounds the calls (isolate memo, Redis SET NX), this function bounds the writes on its own.
-- Only for a user that exists (a token of a deleted account stores nothing).
CREATE OR REPLACE FUNCTION app.record_admin_refusal(
  p_user uuid, p_code text, p_request_id text, p_method text, p_route text, p_ip_hash text, p_window_seconds integer
) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_window integer := least(greatest(coalesce(p_window_seconds, 600), 60), 86400);
BEGIN
  IF p_code IS NULL OR p_code <> ALL (ARRAY['forbidden', 'mfa_required', 'invalid_token', 'rate_limited']) THEN
    RAISE EXCEPTION 'not a refusal this records' USING ERRCODE = '22023';
  END IF;
  IF p_user IS NULL OR NOT EXISTS (SELECT FROM public.users u WHERE u.id = p_user) THEN
    RETURN false;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('admin_access_refused|' || p_user::text || '|' || p_code, 0));
  IF EXISTS (
    SELECT FROM public.security_events s
    WHERE s.actor_user_id = p_user AND s.created_at > pg_catalog.clock_timestamp() - make_interval(secs => v_window)
      AND s.type = 'admin_access_refused' AND s.org_id IS NULL AND s.details ->> 'code' = p_code) THEN
    RETURN false;
  END IF;
  INSERT INTO public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
  VALUES (NULL, 'admin_access_refused', 'warning', p_user, left(p_request_id, 128), left(p_ip_hash, 64),
          jsonb_build_object('code', p_code, 'method', left(p_method, 16), 'route', left(p_route, 200),
                             'window_seconds', v_window));
  RETURN true;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.record_admin_refusal(uuid, text, text, text, text, text, integer) OWNER TO rampart_definer;
--> statement-breakpoint

REVOKE ALL ON FUNCTION app.admin_orgs(uuid, text, text, boolean, timestamptz, uuid, integer),
  app.admin_suspend_org(uuid, text, text, text), app.admin_reinstate_org(uuid, text, text),
  app.admin_security_events(uuid, text, text, timestamptz, timestamptz, uuid, timestamptz, uuid, integer),
  app.record_admin_refusal(uuid, text, text, text, text, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.admin_orgs(uuid, text, text, boolean, timestamptz, uuid, integer),
  app.admin_suspend_org(uuid, text, text, text), app.admin_reinstate_org(uuid, text, text),
  app.admin_security_events(uuid, text, text, timestamptz, timestamptz, uuid, timestamptz, uuid, integer),
  app.record_admin_refusal(uuid, text, text, text, text, text, integer) TO rampart_app;
