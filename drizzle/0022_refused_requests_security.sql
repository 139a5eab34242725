-- Requests refused on an organization's routes as its security events (P16). Hand-written,
-- safe to run again, like 0001. The worker stores a refusal after the response, already
-- bounded by an isolate memo and a Redis SET NX per (org, principal, code) and window
-- (src/pipeline/authorize/refusal-events.ts); this function is the database's own bound and
-- its only way in: the refused principal is, by definition, not allowed to write the org's
-- events under the row policies (an outsider is not even a member).
--
-- It stores nothing (and says so, false) for an organization that does not exist (an outsider
-- probing ids learns nothing: the answer went out before, and nothing is stored), for an API
-- key that is not live or a user that does not exist (only genuine principals are recorded),
-- and for a (org, principal, code) already stored within the window: the advisory lock makes
-- concurrent calls take turns, so "at most one per window" holds without Redis too.
CREATE OR REPLACE FUNCTION app.record_refused_request(
  p_org uuid, p_user uuid, p_api_key uuid, p_code text, p_request_id text, p_method text, p_route text,
  p_ip_hash text, p_window_seconds integer
) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_window integer := least(greatest(coalesce(p_window_seconds, 600), 60), 86400);
BEGIN
  IF p_code IS NULL OR p_code <> ALL (ARRAY['forbidden', 'mfa_required', 'not_found', 'organization_suspended',
                                            'rate_limited', 'waf_blocked']) THEN
    RAISE EXCEPTION 'not a refusal this records' USING ERRCODE = '22023';
  END IF;
  IF p_org IS NULL OR (p_user IS NULL) = (p_api_key IS NULL) THEN
    RAISE EXCEPTION 'a refusal names one organization and exactly one principal' USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT FROM public.organizations o WHERE o.id = p_org) THEN
    RETURN false;
  END IF;
  IF p_user IS NOT NULL AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = p_user) THEN
    RETURN false;
  END IF;
  IF p_api_key IS NOT NULL AND NOT EXISTS (
    SELECT FROM public.api_keys k
    WHERE k.id = p_api_key AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())) THEN
    RETURN false;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
    'request_refused|' || p_org::text || '|' || coalesce(p_user, p_api_key)::text || '|' || p_code, 0));
  IF EXISTS (
    SELECT FROM public.security_events s
    WHERE s.org_id = p_org AND s.created_at > pg_catalog.clock_timestamp() - make_interval(secs => v_window)
      AND s.type = 'request_refused' AND s.details ->> 'code' = p_code
      AND s.actor_user_id IS NOT DISTINCT FROM p_user AND s.actor_api_key_id IS NOT DISTINCT FROM p_api_key) THEN
    RETURN false;
  END IF;
  INSERT INTO public.security_events (org_id, type, severity, actor_user_id, actor_api_key_id, request_id, ip_hash, details)
  VALUES (p_org, 'request_refused', 'warning', p_user, p_api_key, left(p_request_id, 128), left(p_ip_hash, 64),
          jsonb_build_object('code', p_code, 'method', left(p_method, 16), 'route', left(p_route, 200),
                             'window_seconds', v_window));
  RETURN true;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.record_refused_request(uuid, uuid, uuid, text, text, text, text, text, integer) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.record_refused_request(uuid, uuid, uuid, text, text, text, text, text, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.record_refused_request(uuid, uuid, uuid, text, text, text, text, text, integer) TO rampart_app;
