-- Alerts (P16) as security events. Hand-written, safe to run again, like 0001. The worker
-- raises an alert after the response, once per subject and window (the Redis counters and
-- markers of src/alerts/counters.ts); this function is its only way in: it stores the
-- `alert_raised` event in the organization the alert concerns (so that organization's
-- auditors see it; the platform's alert log reads every one) or, for an account, network or
-- platform-wide alert, without one, and answers with the verified addresses of those to tell:
-- an organization's owners and admins, or the account's holder. Reading those addresses
-- always leaves the event behind, and nothing else in the app can read another
-- organization's members.
--
-- It stores nothing (and answers nothing) for an organization or user that no longer exists.
-- The kind is checked for shape only: its names live in one table (src/alerts/kinds.ts).
CREATE OR REPLACE FUNCTION app.raise_alert(
  p_kind text, p_org uuid, p_user uuid, p_api_key uuid, p_request_id text, p_details jsonb
) RETURNS TABLE (email text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF p_kind IS NULL OR p_kind !~ '^[a-z][a-z_]{0,39}$' THEN
    RAISE EXCEPTION 'not an alert kind' USING ERRCODE = '22023';
  END IF;
  IF p_details IS NULL OR pg_catalog.jsonb_typeof(p_details) <> 'object' OR pg_catalog.octet_length(p_details::text) > 2048 THEN
    RAISE EXCEPTION 'alert details must be a JSON object of at most 2 kB' USING ERRCODE = '22023';
  END IF;
  IF p_org IS NOT NULL AND NOT EXISTS (SELECT FROM public.organizations o WHERE o.id = p_org) THEN
    RETURN;
  END IF;
  IF p_user IS NOT NULL AND NOT EXISTS (SELECT FROM public.users u WHERE u.id = p_user) THEN
    RETURN;
  END IF;
  INSERT INTO public.security_events (org_id, type, severity, actor_user_id, actor_api_key_id, request_id, details)
  VALUES (p_org, 'alert_raised', 'warning', p_user, p_api_key, pg_catalog.left(p_request_id, 128),
          p_details || pg_catalog.jsonb_build_object('kind', p_kind));
  IF p_org IS NOT NULL THEN
    RETURN QUERY
      SELECT u.email FROM public.memberships m JOIN public.users u ON u.id = m.user_id
      WHERE m.org_id = p_org AND m.role IN ('owner', 'admin') AND u.email_verified_at IS NOT NULL
      ORDER BY u.email;
  ELSIF p_user IS NOT NULL THEN
    RETURN QUERY SELECT u.email FROM public.users u WHERE u.id = p_user AND u.email_verified_at IS NOT NULL;
  END IF;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.raise_alert(text, uuid, uuid, uuid, text, jsonb) OWNER TO rampart_definer;
--> statement-breakpoint
-- The function reads who to tell and writes the event as rampart_definer (its definer_all policies).
GRANT SELECT ON public.organizations, public.memberships, public.users TO rampart_definer;
--> statement-breakpoint
GRANT INSERT ON public.security_events TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.raise_alert(text, uuid, uuid, uuid, text, jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.raise_alert(text, uuid, uuid, uuid, text, jsonb) TO rampart_app;
