-- Identity (P5–P8, P10): row security for the new tables and one SECURITY DEFINER
-- function per step of each flow, so the app role never reads or writes a password
-- hash, a sealed TOTP secret or a token digest except through these. Every function
-- pins its search_path, checks what it is given and does the step's work in one call
-- (one round trip). Like 0001, every statement is safe to run again; this file never
-- drops a column 0001 uses, so re-running the hand-written files in order converges.

-- ── Tables: RLS forced; only rampart_definer (the functions) sees them ─────────────
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['public.refresh_token_history', 'public.email_tokens', 'public.mfa_challenges',
                           'public.recovery_codes'] LOOP
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, rampart_app, rampart_definer', t);
    EXECUTE format('DROP POLICY IF EXISTS definer_all ON %s', t);
    EXECUTE format('CREATE POLICY definer_all ON %s TO rampart_definer USING (true) WITH CHECK (true)', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO rampart_definer', t);
  END LOOP;
END
$$;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.users TO rampart_definer;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.sessions TO rampart_definer;
--> statement-breakpoint
-- The sessions list (a user's own, under session_own): the new descriptive columns, never the digest.
GRANT SELECT (id, user_id, aal, amr, created_at, last_seen_at, expires_at, absolute_expires_at, revoked_at,
              revoked_reason, ip_prefix, user_agent) ON public.sessions TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (last_seen_at, revoked_at, revoked_reason) ON public.sessions TO rampart_app;
--> statement-breakpoint
-- Superseded by auth.password_login and auth.refresh_session below.
DROP FUNCTION IF EXISTS auth.login_lookup(text);
--> statement-breakpoint
DROP FUNCTION IF EXISTS auth.session_by_refresh_digest(text);
--> statement-breakpoint

-- ── Sign-up and email links ──────────────────────────────────────────────────────
-- A new account, or an unverified one replaced: an unverified account proves nothing
-- about who owns the address, so a later sign-up takes it over (no account
-- pre-hijacking). A verified account is left alone: `exists`, and the caller answers
-- exactly as for a new one.
CREATE OR REPLACE FUNCTION auth.signup(p_email text, p_name text, p_password_hash text, p_token_digest text, p_token_seconds integer)
RETURNS TABLE (outcome text, user_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_id uuid;
  v_verified timestamptz;
  v_outcome text;
BEGIN
  SELECT u.id, u.email_verified_at INTO v_id, v_verified FROM public.users u WHERE u.email = p_email FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO public.users (email, name, password_hash, password_changed_at)
    VALUES (p_email, p_name, p_password_hash, now())
    ON CONFLICT (email) DO NOTHING RETURNING id INTO v_id;
    IF v_id IS NULL THEN
      -- A concurrent sign-up for the same address won the race.
      RETURN QUERY SELECT 'exists'::text, u.id FROM public.users u WHERE u.email = p_email;
      RETURN;
    END IF;
    v_outcome := 'created';
  ELSIF v_verified IS NULL THEN
    UPDATE public.users u SET name = p_name, password_hash = p_password_hash, password_changed_at = now(),
      totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = now()
    WHERE u.id = v_id;
    DELETE FROM public.email_tokens t WHERE t.user_id = v_id;
    DELETE FROM public.recovery_codes r WHERE r.user_id = v_id;
    v_outcome := 'replaced';
  ELSE
    RETURN QUERY SELECT 'exists'::text, v_id;
    RETURN;
  END IF;
  INSERT INTO public.email_tokens (user_id, purpose, digest, expires_at)
  VALUES (v_id, 'verify_email', p_token_digest, now() + make_interval(secs => p_token_seconds));
  RETURN QUERY SELECT v_outcome, v_id;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.signup(text, text, text, text, integer) OWNER TO rampart_definer;
--> statement-breakpoint
-- A new link for an existing account: resend verification (unverified accounts only)
-- or password reset. Earlier unused links of the same purpose stop working. No row
-- for an unknown address, and the caller answers the same either way.
CREATE OR REPLACE FUNCTION auth.issue_email_token(p_email text, p_purpose text, p_digest text, p_seconds integer)
RETURNS TABLE (user_id uuid, name text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_id uuid;
  v_name text;
  v_verified timestamptz;
BEGIN
  SELECT u.id, u.name, u.email_verified_at INTO v_id, v_name, v_verified FROM public.users u WHERE u.email = p_email FOR UPDATE;
  IF NOT FOUND OR (p_purpose = 'verify_email' AND v_verified IS NOT NULL) THEN
    RETURN;
  END IF;
  UPDATE public.email_tokens t SET used_at = now() WHERE t.user_id = v_id AND t.purpose = p_purpose AND t.used_at IS NULL;
  INSERT INTO public.email_tokens (user_id, purpose, digest, expires_at)
  VALUES (v_id, p_purpose, p_digest, now() + make_interval(secs => p_seconds));
  RETURN QUERY SELECT v_id, v_name;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.issue_email_token(text, text, text, integer) OWNER TO rampart_definer;
--> statement-breakpoint
-- Consumes a verification link (single-use, unexpired) and marks the address verified.
CREATE OR REPLACE FUNCTION auth.verify_email(p_digest text) RETURNS uuid
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH t AS (
    UPDATE public.email_tokens e SET used_at = now()
    WHERE e.digest = p_digest AND e.purpose = 'verify_email' AND e.used_at IS NULL AND e.expires_at > now()
    RETURNING e.user_id
  )
  UPDATE public.users u SET email_verified_at = coalesce(u.email_verified_at, now()), updated_at = now()
  FROM t WHERE u.id = t.user_id
  RETURNING u.id
$$;
--> statement-breakpoint
ALTER FUNCTION auth.verify_email(text) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Login ──────────────────────────────────────────────────────────────────────────
-- Step 1: what the Worker needs to check a password. The address arrives normalised;
-- the same normalisation here keeps a careless caller from missing the row.
CREATE OR REPLACE FUNCTION auth.password_login(p_email text)
RETURNS TABLE (user_id uuid, password_hash text, email_verified boolean, totp_enabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id, u.password_hash, u.email_verified_at IS NOT NULL, u.totp_enabled_at IS NOT NULL
  FROM public.users u WHERE u.email = lower(btrim(normalize(p_email, NFKC)))
$$;
--> statement-breakpoint
ALTER FUNCTION auth.password_login(text) OWNER TO rampart_definer;
--> statement-breakpoint
-- A session for a verified user (P6: never for an unverified address, checked here too),
-- storing the password's new hash when the Worker re-hashed it (rotation, P5).
CREATE OR REPLACE FUNCTION auth.start_session(
  p_user uuid, p_aal text, p_amr text[], p_refresh_digest text, p_idle_seconds integer, p_max_seconds integer,
  p_ip_prefix text, p_user_agent text, p_rehash text
) RETURNS TABLE (session_id uuid, is_super_admin boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_admin boolean;
  v_session uuid;
BEGIN
  SELECT u.is_super_admin INTO v_admin FROM public.users u WHERE u.id = p_user AND u.email_verified_at IS NOT NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no session for an unknown or unverified user' USING ERRCODE = '42501';
  END IF;
  IF p_aal NOT IN ('aal1', 'aal2') THEN
    RAISE EXCEPTION 'unknown assurance level' USING ERRCODE = '22023';
  END IF;
  IF p_rehash IS NOT NULL THEN
    UPDATE public.users u SET password_hash = p_rehash WHERE u.id = p_user;
  END IF;
  INSERT INTO public.sessions (user_id, refresh_token_digest, aal, amr, expires_at, absolute_expires_at, ip_prefix, user_agent)
  VALUES (p_user, p_refresh_digest, p_aal, p_amr, now() + make_interval(secs => least(p_idle_seconds, p_max_seconds)),
          now() + make_interval(secs => p_max_seconds), p_ip_prefix, p_user_agent)
  RETURNING id INTO v_session;
  RETURN QUERY SELECT v_session, v_admin;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.start_session(uuid, text, text[], text, integer, integer, text, text, text) OWNER TO rampart_definer;
--> statement-breakpoint
-- The password step of a login with TOTP enrolled: a single-use challenge instead of a session.
CREATE OR REPLACE FUNCTION auth.start_mfa(p_user uuid, p_digest text, p_seconds integer, p_rehash text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM public.users u WHERE u.id = p_user AND u.email_verified_at IS NOT NULL AND u.totp_enabled_at IS NOT NULL) THEN
    RAISE EXCEPTION 'no MFA challenge for this user' USING ERRCODE = '42501';
  END IF;
  IF p_rehash IS NOT NULL THEN
    UPDATE public.users u SET password_hash = p_rehash WHERE u.id = p_user;
  END IF;
  DELETE FROM public.mfa_challenges c WHERE c.user_id = p_user AND (c.used_at IS NOT NULL OR c.expires_at <= now());
  INSERT INTO public.mfa_challenges (digest, user_id, expires_at) VALUES (p_digest, p_user, now() + make_interval(secs => p_seconds));
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.start_mfa(uuid, text, integer, text) OWNER TO rampart_definer;
--> statement-breakpoint
-- A live challenge and what checking a TOTP code against it needs.
CREATE OR REPLACE FUNCTION auth.mfa_challenge(p_digest text)
RETURNS TABLE (user_id uuid, totp_secret text, totp_last_step bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT c.user_id, u.totp_secret, u.totp_last_step
  FROM public.mfa_challenges c JOIN public.users u ON u.id = c.user_id
  WHERE c.digest = p_digest AND c.used_at IS NULL AND c.expires_at > now() AND u.totp_enabled_at IS NOT NULL
$$;
--> statement-breakpoint
ALTER FUNCTION auth.mfa_challenge(text) OWNER TO rampart_definer;
--> statement-breakpoint
-- The second step: a TOTP time step the Worker verified (accepted only above the last
-- one used: no replay) or a recovery code's digest (single-use). Only then is the
-- challenge consumed and an aal2 session started. Outcomes: `ok` (with the address, to
-- remember the client's network as a known one, and the recovery codes left),
-- `invalid_challenge`, `replayed` (step not above the last), `invalid_code` (recovery
-- code unknown or used).
CREATE OR REPLACE FUNCTION auth.finish_mfa(
  p_digest text, p_step bigint, p_recovery_digest text, p_refresh_digest text, p_idle_seconds integer,
  p_max_seconds integer, p_ip_prefix text, p_user_agent text
) RETURNS TABLE (outcome text, user_id uuid, session_id uuid, is_super_admin boolean, amr text[], email text, recovery_left integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_user uuid;
  v_amr text[];
  v_session uuid;
  v_admin boolean;
  v_email text;
  v_left integer;
BEGIN
  SELECT c.user_id INTO v_user FROM public.mfa_challenges c
  WHERE c.digest = p_digest AND c.used_at IS NULL AND c.expires_at > now() FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid_challenge'::text, NULL::uuid, NULL::uuid, NULL::boolean, NULL::text[], NULL::text, NULL::integer;
    RETURN;
  END IF;
  IF (p_step IS NULL) = (p_recovery_digest IS NULL) THEN
    RAISE EXCEPTION 'exactly one of a TOTP step and a recovery code' USING ERRCODE = '22023';
  END IF;
  IF p_step IS NOT NULL THEN
    UPDATE public.users u SET totp_last_step = p_step
    WHERE u.id = v_user AND u.totp_enabled_at IS NOT NULL AND (u.totp_last_step IS NULL OR u.totp_last_step < p_step);
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'replayed'::text, v_user, NULL::uuid, NULL::boolean, NULL::text[], NULL::text, NULL::integer;
      RETURN;
    END IF;
    v_amr := ARRAY['pwd', 'otp', 'mfa'];
  ELSE
    UPDATE public.recovery_codes r SET used_at = now()
    WHERE r.user_id = v_user AND r.digest = p_recovery_digest AND r.used_at IS NULL;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'invalid_code'::text, v_user, NULL::uuid, NULL::boolean, NULL::text[], NULL::text, NULL::integer;
      RETURN;
    END IF;
    v_amr := ARRAY['pwd', 'rcode', 'mfa'];
  END IF;
  UPDATE public.mfa_challenges c SET used_at = now() WHERE c.digest = p_digest;
  SELECT s.session_id, s.is_super_admin INTO v_session, v_admin
  FROM auth.start_session(v_user, 'aal2', v_amr, p_refresh_digest, p_idle_seconds, p_max_seconds, p_ip_prefix, p_user_agent, NULL) s;
  SELECT u.email INTO v_email FROM public.users u WHERE u.id = v_user;
  SELECT count(*)::integer INTO v_left FROM public.recovery_codes r WHERE r.user_id = v_user AND r.used_at IS NULL;
  RETURN QUERY SELECT 'ok'::text, v_user, v_session, v_admin, v_amr, v_email, v_left;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.finish_mfa(text, bigint, text, text, integer, integer, text, text) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Refresh (P8) ─────────────────────────────────────────────────────────────────
-- Rotates on every use. The Worker derives the successor from the presented token, so
-- a retry of a just-rotated token within the grace window finds the same successor and
-- changes nothing (a lost response does not log the user out); any other use of a
-- rotated token is reuse, and revokes the whole session. Outcomes: `rotated`,
-- `retried`, `reused` (the session was revoked now), `expired` (revoked, idle or past
-- its maximum), `invalid` (unknown token).
CREATE OR REPLACE FUNCTION auth.refresh_session(p_digest text, p_next_digest text, p_grace_seconds integer, p_idle_seconds integer)
RETURNS TABLE (outcome text, session_id uuid, user_id uuid, aal text, amr text[], is_super_admin boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  s public.sessions%ROWTYPE;
  v_rotated timestamptz;
  v_session uuid;
  v_admin boolean;
BEGIN
  SELECT * INTO s FROM public.sessions x WHERE x.refresh_token_digest = p_digest FOR UPDATE;
  IF FOUND THEN
    SELECT u.is_super_admin INTO v_admin FROM public.users u WHERE u.id = s.user_id;
    IF s.revoked_at IS NOT NULL OR s.expires_at <= now() OR s.absolute_expires_at <= now() THEN
      RETURN QUERY SELECT 'expired'::text, s.id, s.user_id, s.aal, s.amr, v_admin;
      RETURN;
    END IF;
    INSERT INTO public.refresh_token_history (digest, session_id) VALUES (p_digest, s.id);
    UPDATE public.sessions x SET refresh_token_digest = p_next_digest, last_seen_at = now(),
      expires_at = least(now() + make_interval(secs => p_idle_seconds), s.absolute_expires_at)
    WHERE x.id = s.id;
    RETURN QUERY SELECT 'rotated'::text, s.id, s.user_id, s.aal, s.amr, v_admin;
    RETURN;
  END IF;
  SELECT h.rotated_at, h.session_id INTO v_rotated, v_session FROM public.refresh_token_history h WHERE h.digest = p_digest;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::text[], NULL::boolean;
    RETURN;
  END IF;
  SELECT * INTO s FROM public.sessions x WHERE x.id = v_session FOR UPDATE;
  SELECT u.is_super_admin INTO v_admin FROM public.users u WHERE u.id = s.user_id;
  IF s.revoked_at IS NOT NULL THEN
    RETURN QUERY SELECT 'expired'::text, s.id, s.user_id, s.aal, s.amr, v_admin;
    RETURN;
  END IF;
  IF v_rotated > now() - make_interval(secs => p_grace_seconds) AND s.refresh_token_digest = p_next_digest
     AND s.expires_at > now() AND s.absolute_expires_at > now() THEN
    RETURN QUERY SELECT 'retried'::text, s.id, s.user_id, s.aal, s.amr, v_admin;
    RETURN;
  END IF;
  UPDATE public.sessions x SET revoked_at = now(), revoked_reason = 'refresh_reuse' WHERE x.id = s.id;
  RETURN QUERY SELECT 'reused'::text, s.id, s.user_id, s.aal, s.amr, v_admin;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.refresh_session(text, text, integer, integer) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Passwords (signed in, and by reset link) ─────────────────────────────────────
CREATE OR REPLACE FUNCTION auth.current_password()
RETURNS TABLE (password_hash text, totp_enabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.password_hash, u.totp_enabled_at IS NOT NULL FROM public.users u WHERE u.id = app.current_user_id()
$$;
--> statement-breakpoint
ALTER FUNCTION auth.current_password() OWNER TO rampart_definer;
--> statement-breakpoint
-- Sets the signed-in user's new hash, only if the old one is still the hash the Worker
-- verified (a concurrent change wins), and revokes every other session (P8).
CREATE OR REPLACE FUNCTION auth.change_password(p_expected_hash text, p_new_hash text, p_keep_session uuid)
RETURNS TABLE (revoked uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
  UPDATE public.users u SET password_hash = p_new_hash, password_changed_at = now(), updated_at = now()
  WHERE u.id = app.current_user_id() AND u.password_hash = p_expected_hash;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the password changed meanwhile' USING ERRCODE = '40001';
  END IF;
  RETURN QUERY
    UPDATE public.sessions s SET revoked_at = now(), revoked_reason = 'password_changed'
    WHERE s.user_id = app.current_user_id() AND s.id IS DISTINCT FROM p_keep_session AND s.revoked_at IS NULL
    RETURNING s.id;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.change_password(text, text, uuid) OWNER TO rampart_definer;
--> statement-breakpoint
-- Consumes a reset link (single-use, unexpired), sets the password, marks the address
-- verified (the link proved it), kills every other reset link and revokes every session.
CREATE OR REPLACE FUNCTION auth.reset_password(p_digest text, p_new_hash text)
RETURNS TABLE (user_id uuid, revoked uuid[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_user uuid;
  v_revoked uuid[];
BEGIN
  UPDATE public.email_tokens e SET used_at = now()
  WHERE e.digest = p_digest AND e.purpose = 'password_reset' AND e.used_at IS NULL AND e.expires_at > now()
  RETURNING e.user_id INTO v_user;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  UPDATE public.users u SET password_hash = p_new_hash, password_changed_at = now(),
    email_verified_at = coalesce(u.email_verified_at, now()), updated_at = now()
  WHERE u.id = v_user;
  UPDATE public.email_tokens e SET used_at = now() WHERE e.user_id = v_user AND e.purpose = 'password_reset' AND e.used_at IS NULL;
  WITH r AS (
    UPDATE public.sessions s SET revoked_at = now(), revoked_reason = 'password_reset'
    WHERE s.user_id = v_user AND s.revoked_at IS NULL RETURNING s.id
  )
  SELECT coalesce(array_agg(r.id), '{}') INTO v_revoked FROM r;
  RETURN QUERY SELECT v_user, v_revoked;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.reset_password(text, text) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── TOTP (P7), for the signed-in user ─────────────────────────────────────────────
-- Enrolment stores a sealed secret, not yet required; enabling needs a code from it.
CREATE OR REPLACE FUNCTION auth.totp_enroll(p_sealed_secret text)
RETURNS TABLE (outcome text, email text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
  IF EXISTS (SELECT FROM public.users u WHERE u.id = app.current_user_id() AND u.totp_enabled_at IS NOT NULL) THEN
    RETURN QUERY SELECT 'already_enabled'::text, NULL::text;
    RETURN;
  END IF;
  RETURN QUERY
    UPDATE public.users u SET totp_secret = p_sealed_secret, totp_last_step = NULL, updated_at = now()
    WHERE u.id = app.current_user_id()
    RETURNING 'enrolled'::text, u.email;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.totp_enroll(text) OWNER TO rampart_definer;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.totp_pending()
RETURNS TABLE (totp_secret text, enabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.totp_secret, u.totp_enabled_at IS NOT NULL FROM public.users u WHERE u.id = app.current_user_id()
$$;
--> statement-breakpoint
ALTER FUNCTION auth.totp_pending() OWNER TO rampart_definer;
--> statement-breakpoint
-- Enables TOTP with the secret the Worker checked a code against (unchanged meanwhile),
-- records that code's step as used, and stores the recovery codes' digests.
CREATE OR REPLACE FUNCTION auth.totp_activate(p_sealed_secret text, p_step bigint, p_recovery_digests text[]) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  UPDATE public.users u SET totp_enabled_at = now(), totp_last_step = p_step, updated_at = now()
  WHERE u.id = app.current_user_id() AND u.totp_secret = p_sealed_secret AND u.totp_enabled_at IS NULL;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  DELETE FROM public.recovery_codes r WHERE r.user_id = app.current_user_id();
  INSERT INTO public.recovery_codes (user_id, digest) SELECT app.current_user_id(), d FROM unnest(p_recovery_digests) AS d;
  RETURN true;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.totp_activate(text, bigint, text[]) OWNER TO rampart_definer;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.totp_disable() RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  UPDATE public.users u SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL, updated_at = now()
  WHERE u.id = app.current_user_id() AND u.totp_secret IS NOT NULL;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  DELETE FROM public.recovery_codes r WHERE r.user_id = app.current_user_id();
  RETURN true;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.totp_disable() OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Who am I ─────────────────────────────────────────────────────────────────────
-- The signed-in user and every organization they belong to (RLS on memberships only
-- shows the organization a request works in, so this one reads across them).
CREATE OR REPLACE FUNCTION auth.me()
RETURNS TABLE (id uuid, email text, name text, email_verified boolean, totp_enabled boolean, is_super_admin boolean, memberships jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id, u.email, u.name, u.email_verified_at IS NOT NULL, u.totp_enabled_at IS NOT NULL, u.is_super_admin,
    coalesce((
      SELECT jsonb_agg(jsonb_build_object('org_id', m.org_id, 'name', o.name, 'role', m.role) ORDER BY o.name, m.org_id)
      FROM public.memberships m JOIN public.organizations o ON o.id = m.org_id WHERE m.user_id = u.id
    ), '[]'::jsonb)
  FROM public.users u WHERE u.id = app.current_user_id()
$$;
--> statement-breakpoint
ALTER FUNCTION auth.me() OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Platform super administrators (P7, P9) ────────────────────────────────────────
-- Only the owner's script (`npm run admin:grant -- <email>`) calls this: it is not
-- granted to rampart_app, so nothing the worker can be may make anyone an administrator.
-- The grant and its security event are one statement, so neither happens without the other.
CREATE OR REPLACE FUNCTION auth.grant_super_admin(p_email text, p_event text)
RETURNS TABLE (user_id uuid, was_admin boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_id uuid;
  v_was boolean;
BEGIN
  SELECT u.id, u.is_super_admin INTO v_id, v_was FROM public.users u
  WHERE u.email = lower(btrim(normalize(p_email, NFKC))) AND u.email_verified_at IS NOT NULL FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no verified user with that email address' USING ERRCODE = 'P0002';
  END IF;
  UPDATE public.users u SET is_super_admin = true, updated_at = now() WHERE u.id = v_id;
  INSERT INTO public.security_events (type, severity, actor_user_id, details)
  VALUES (p_event, 'warning', v_id, jsonb_build_object('by', 'owner script', 'was_admin', v_was));
  RETURN QUERY SELECT v_id, v_was;
END
$$;
--> statement-breakpoint
ALTER FUNCTION auth.grant_super_admin(text, text) OWNER TO rampart_definer;
--> statement-breakpoint
GRANT INSERT ON public.security_events TO rampart_definer;
--> statement-breakpoint

-- ── Functions: nobody by default, then exactly these ──────────────────────────────
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA auth FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION auth.signup(text, text, text, text, integer), auth.issue_email_token(text, text, text, integer),
  auth.verify_email(text), auth.password_login(text),
  auth.start_session(uuid, text, text[], text, integer, integer, text, text, text), auth.start_mfa(uuid, text, integer, text),
  auth.mfa_challenge(text), auth.finish_mfa(text, bigint, text, text, integer, integer, text, text),
  auth.refresh_session(text, text, integer, integer), auth.current_password(), auth.change_password(text, text, uuid),
  auth.reset_password(text, text), auth.totp_enroll(text), auth.totp_pending(), auth.totp_activate(text, bigint, text[]),
  auth.totp_disable(), auth.me()
  TO rampart_app, rampart_definer;
