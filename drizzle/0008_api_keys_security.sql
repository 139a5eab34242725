-- API keys (P9, P10): how a key authenticates inside a request's one transaction, its
-- scopes, and what the app may write about it. Hand-written, safe to run again, like 0001.
--
-- A key is `rk_live_` + 256 random bits + a checksum (src/crypto/api-keys.ts); the table
-- keeps only its HMAC digest (unreadable by rampart_app, 0001's column grants) and an id
-- derived from that digest. A request presenting a key sends the digest in its context
-- statement: auth.authenticate_api_key finds the LIVE key with it and the statement sets
-- app.api_key_id to its id, or raises, aborting the whole transaction before any work:
--   RAKEY no live API key has this digest (unknown, revoked or expired: one answer, 401)
-- app.authorize (0005) then checks the key's organization (another org's key: RA404) and
-- scopes (RA403), every request, so a revoked key fails on its very next request.

-- Scopes (src/db/schema/orgs.ts API_KEY_SCOPES; README "API keys"). Keys never manage or own.
-- `records:write` implies `records:read`, `evidence:write` implies `evidence:read`. The
-- evidence actions are the file routes' (download, upload) when they come; the evidence
-- records' rows are records like the others (`read`/`write`).
CREATE OR REPLACE FUNCTION app.scope_allows(p_scopes text[], p_action text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_action
    WHEN 'read' THEN p_scopes && ARRAY['records:read', 'records:write']
    WHEN 'write' THEN 'records:write' = ANY (p_scopes)
    WHEN 'audit' THEN 'audit:read' = ANY (p_scopes)
    WHEN 'evidence:read' THEN p_scopes && ARRAY['evidence:read', 'evidence:write']
    WHEN 'evidence:write' THEN 'evidence:write' = ANY (p_scopes)
    ELSE false
  END
$$;
--> statement-breakpoint
ALTER TABLE public.api_keys DROP CONSTRAINT IF EXISTS api_keys_scopes_known;
--> statement-breakpoint
ALTER TABLE public.api_keys ADD CONSTRAINT api_keys_scopes_known
  CHECK (cardinality(scopes) BETWEEN 1 AND 5
         AND scopes <@ ARRAY['records:read', 'records:write', 'audit:read', 'evidence:read', 'evidence:write']::text[]);
--> statement-breakpoint
ALTER TABLE public.api_keys DROP CONSTRAINT IF EXISTS api_keys_name_length;
--> statement-breakpoint
ALTER TABLE public.api_keys ADD CONSTRAINT api_keys_name_length CHECK (char_length(btrim(name)) BETWEEN 1 AND 100);
--> statement-breakpoint

-- The context statement's key check: the id of the live key with this digest, or RAKEY.
-- SECURITY DEFINER because rampart_app can neither read digests nor see keys without the
-- `manage` permission (0001's key_manage policy), which keys never have.
CREATE OR REPLACE FUNCTION auth.authenticate_api_key(p_digest text) RETURNS uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_key uuid;
BEGIN
  SELECT k.id INTO v_key FROM public.api_keys k
  WHERE k.key_digest = p_digest AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now());
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no live API key has this digest' USING ERRCODE = 'RAKEY';
  END IF;
  RETURN v_key;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.authenticate_api_key(text) OWNER TO rampart_definer;
--> statement-breakpoint

-- "Last used", written after the response at most once a minute per key (a Redis SET NX
-- decides which request writes it). By digest, so only a holder of the key moves it, and
-- only while the key is live.
CREATE OR REPLACE FUNCTION auth.touch_api_key(p_digest text) RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  UPDATE public.api_keys k SET last_used_at = now()
  WHERE k.key_digest = p_digest AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
$$;
--> statement-breakpoint
GRANT UPDATE (last_used_at) ON public.api_keys TO rampart_definer;
--> statement-breakpoint
ALTER FUNCTION auth.touch_api_key(text) OWNER TO rampart_definer;
--> statement-breakpoint

REVOKE ALL ON FUNCTION auth.authenticate_api_key(text), auth.touch_api_key(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION auth.authenticate_api_key(text), auth.touch_api_key(text) TO rampart_app;
