-- Roles, tenant isolation (P11) and the audit log (P13). Hand-written: drizzle-kit
-- cannot express FORCE ROW LEVEL SECURITY, SECURITY DEFINER functions or triggers.
-- Every statement is safe to run again (CREATE OR REPLACE, IF NOT EXISTS, DROP ... IF
-- EXISTS before CREATE POLICY, REVOKE ALL before GRANT), so re-running this file leaves
-- the same schema; test/db/migrations.node.test.ts checks it.
--
-- Roles:
--   rampart_app      the worker's login (DATABASE_URL). Owns nothing, no BYPASSRLS, no DDL,
--                    no TRUNCATE; only the grants below. Its password is set by `npm run
--                    db:migrate` from DATABASE_URL, never written here.
--   rampart_definer  NOLOGIN. Owns the few SECURITY DEFINER functions; its own policies
--                    let those functions see what they must (memberships for `app.can`,
--                    password hashes for `auth.login_lookup`) without BYPASSRLS.
--   the owner        whoever runs the migrations (DATABASE_OWNER_URL). FORCE ROW LEVEL
--                    SECURITY applies to it too unless it is a superuser.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rampart_app') THEN
    CREATE ROLE rampart_app LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'rampart_definer') THEN
    CREATE ROLE rampart_definer NOLOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
  END IF;
  -- Refuse to go on with a role someone widened by hand: the promises depend on these.
  IF EXISTS (
    SELECT FROM pg_catalog.pg_roles
    WHERE rolname IN ('rampart_app', 'rampart_definer')
      AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication)
  ) THEN
    RAISE EXCEPTION 'rampart_app / rampart_definer must not be superuser, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION';
  END IF;
  IF EXISTS (
    SELECT FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.member
    WHERE r.rolname = 'rampart_app'
  ) THEN
    RAISE EXCEPTION 'rampart_app must not be a member of any role (it could SET ROLE to it)';
  END IF;
  -- A non-superuser owner (Neon) must be a member of rampart_definer to hand it functions.
  IF NOT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
     AND NOT pg_catalog.pg_has_role(current_user, 'rampart_definer', 'MEMBER') THEN
    EXECUTE pg_catalog.format('GRANT rampart_definer TO %I', current_user);
  END IF;
  -- No temporary tables (DDL) for anyone but those granted; the app connects, nothing more.
  EXECUTE pg_catalog.format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE pg_catalog.format('GRANT CONNECT ON DATABASE %I TO rampart_app', current_database());
END
$$;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS app;
--> statement-breakpoint
CREATE SCHEMA IF NOT EXISTS auth;
--> statement-breakpoint
REVOKE ALL ON SCHEMA app, auth, audit FROM PUBLIC;
--> statement-breakpoint
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public, app, auth, audit TO rampart_app, rampart_definer;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
--> statement-breakpoint

-- ── The request context ────────────────────────────────────────────────────────────
-- The data layer sets app.org_id and app.user_id or app.api_key_id with
-- set_config(..., true) in the request's own transaction. Anything that is not a UUID
-- (unset, '' after a local setting ended, garbage) reads as NULL, and NULL matches nothing.
CREATE OR REPLACE FUNCTION app.setting_uuid(p_name text) RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN v ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' THEN v::uuid END
  FROM (SELECT pg_catalog.current_setting(p_name, true) AS v) AS s
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app.current_org_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT app.setting_uuid('app.org_id') $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app.current_user_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT app.setting_uuid('app.user_id') $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app.current_api_key_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT app.setting_uuid('app.api_key_id') $$;
--> statement-breakpoint

-- The README's role table ("Roles"). The API checks the same matrix before it queries (P9); this is
-- the second, independent check.
CREATE OR REPLACE FUNCTION app.role_allows(p_role public.org_role, p_action text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_action
    WHEN 'read' THEN true
    WHEN 'write' THEN p_role IN ('owner', 'admin', 'member')
    WHEN 'audit' THEN p_role IN ('owner', 'admin', 'auditor')
    WHEN 'manage' THEN p_role IN ('owner', 'admin')
    WHEN 'own' THEN p_role = 'owner'
    ELSE false
  END
$$;
--> statement-breakpoint
-- API keys never manage an organization; their scopes name what they may do.
CREATE OR REPLACE FUNCTION app.scope_allows(p_scopes text[], p_action text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_action
    WHEN 'read' THEN p_scopes && ARRAY['records:read', 'records:write']
    WHEN 'write' THEN 'records:write' = ANY (p_scopes)
    WHEN 'audit' THEN 'audit:read' = ANY (p_scopes)
    ELSE false
  END
$$;
--> statement-breakpoint
-- May the request's actor do `p_action` in the request's organization? Exactly one actor
-- (a user who is a member, or a live API key of that org), and the org not suspended.
-- SECURITY DEFINER so that policies on memberships can use it without recursing.
CREATE OR REPLACE FUNCTION app.can(p_action text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE
    WHEN c.org IS NULL THEN false
    WHEN EXISTS (SELECT FROM public.organizations g WHERE g.id = c.org AND g.suspended_at IS NOT NULL) THEN false
    WHEN c.uid IS NOT NULL AND c.kid IS NULL THEN EXISTS (
      SELECT FROM public.memberships m
      WHERE m.org_id = c.org AND m.user_id = c.uid AND app.role_allows(m.role, p_action))
    WHEN c.kid IS NOT NULL AND c.uid IS NULL THEN EXISTS (
      SELECT FROM public.api_keys k
      WHERE k.id = c.kid AND k.org_id = c.org AND k.revoked_at IS NULL
        AND (k.expires_at IS NULL OR k.expires_at > now()) AND app.scope_allows(k.scopes, p_action))
    ELSE false
  END
  FROM (SELECT app.current_org_id() AS org, app.current_user_id() AS uid, app.current_api_key_id() AS kid) AS c
$$;
--> statement-breakpoint
ALTER FUNCTION app.can(text) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Before there is a user context ────────────────────────────────────────────────
-- Login by email, refresh by token digest, API key by digest: the only ways the app
-- reaches password hashes and digests, one row per exact key.
CREATE OR REPLACE FUNCTION auth.login_lookup(p_email text)
RETURNS TABLE (user_id uuid, password_hash text, email_verified boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT u.id, u.password_hash, u.email_verified_at IS NOT NULL
  FROM public.users u WHERE u.email = lower(btrim(p_email))
$$;
--> statement-breakpoint
ALTER FUNCTION auth.login_lookup(text) OWNER TO rampart_definer;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION auth.session_by_refresh_digest(p_digest text)
RETURNS TABLE (session_id uuid, user_id uuid, aal text, amr text[], last_seen_at timestamptz, expires_at timestamptz, revoked_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT s.id, s.user_id, s.aal, s.amr, s.last_seen_at, s.expires_at, s.revoked_at
  FROM public.sessions s WHERE s.refresh_token_digest = p_digest
$$;
--> statement-breakpoint
ALTER FUNCTION auth.session_by_refresh_digest(text) OWNER TO rampart_definer;
--> statement-breakpoint
-- Only live keys: a revoked or expired key is indistinguishable from an unknown one.
CREATE OR REPLACE FUNCTION auth.api_key_by_digest(p_digest text)
RETURNS TABLE (api_key_id uuid, org_id uuid, scopes text[])
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT k.id, k.org_id, k.scopes FROM public.api_keys k
  WHERE k.key_digest = p_digest AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
$$;
--> statement-breakpoint
ALTER FUNCTION auth.api_key_by_digest(text) OWNER TO rampart_definer;
--> statement-breakpoint
-- Creating an organization makes its creator the owner: no policy can allow the first
-- membership of an org nobody belongs to yet, so this one function does both inserts.
CREATE OR REPLACE FUNCTION app.create_organization(p_name text) RETURNS uuid
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_user uuid := app.current_user_id();
  v_org uuid;
BEGIN
  IF v_user IS NULL OR app.current_api_key_id() IS NOT NULL THEN
    RAISE EXCEPTION 'only a signed-in user can create an organization' USING ERRCODE = '42501';
  END IF;
  INSERT INTO public.organizations (name) VALUES (p_name) RETURNING id INTO v_org;
  INSERT INTO public.memberships (org_id, user_id, role) VALUES (v_org, v_user, 'owner');
  RETURN v_org;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.create_organization(text) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Compliance records: actor stamps and the audit log (P13) ─────────────────────
-- created_by / updated_by come from the request's actor, not from the app's values, and
-- a row never changes organization.
CREATE OR REPLACE FUNCTION app.stamp_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor uuid := coalesce(app.current_user_id(), app.current_api_key_id());
BEGIN
  IF v_actor IS NULL THEN
    RAISE EXCEPTION 'a write to % needs an actor (app.user_id or app.api_key_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.created_by := v_actor;
    NEW.created_at := now();
  ELSE
    IF NEW.org_id IS DISTINCT FROM OLD.org_id OR NEW.id IS DISTINCT FROM OLD.id THEN
      RAISE EXCEPTION 'a record cannot move to another organization or change its id' USING ERRCODE = '42501';
    END IF;
    NEW.created_by := OLD.created_by;
    NEW.created_at := OLD.created_at;
  END IF;
  NEW.updated_by := v_actor;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- The hash of one entry: SHA-256 over a canonical text form, the jsonb array of every
-- field in this order with the time as RFC 3339 UTC microseconds and the previous hash
-- last. jsonb's text output is canonical (key order, spacing), so a verifier outside
-- Postgres can recompute it.
CREATE OR REPLACE FUNCTION audit.entry_hash(
  p_org uuid, p_seq bigint, p_user uuid, p_key uuid, p_action text, p_table text,
  p_row uuid, p_before jsonb, p_after jsonb, p_at timestamptz, p_prev text
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(pg_catalog.jsonb_build_array(
    p_org, p_seq, p_user, p_key, p_action, p_table, p_row, p_before, p_after,
    pg_catalog.to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), p_prev
  )::text, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
-- AFTER each row change: one entry, chained to the org's previous one. The head row's
-- lock makes concurrent writers of one org take turns, so sequence numbers have no
-- gaps and the chain no forks; other orgs are not held up.
CREATE OR REPLACE FUNCTION audit.record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_user uuid := app.current_user_id();
  v_key uuid := app.current_api_key_id();
  v_org uuid;
  v_row uuid;
  v_before jsonb;
  v_after jsonb;
  v_seq bigint;
  v_prev text;
  v_hash text;
  v_at timestamptz := now();
BEGIN
  IF v_user IS NULL AND v_key IS NULL THEN
    RAISE EXCEPTION 'a write to % needs an actor (app.user_id or app.api_key_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'DELETE' THEN
    v_org := OLD.org_id; v_row := OLD.id; v_before := to_jsonb(OLD);
  ELSE
    v_org := NEW.org_id; v_row := NEW.id; v_after := to_jsonb(NEW);
    IF TG_OP = 'UPDATE' THEN v_before := to_jsonb(OLD); END IF;
  END IF;
  INSERT INTO audit.heads (org_id, seq, hash) VALUES (v_org, 0, repeat('0', 64)) ON CONFLICT (org_id) DO NOTHING;
  SELECT h.seq, h.hash INTO v_seq, v_prev FROM audit.heads h WHERE h.org_id = v_org FOR UPDATE;
  v_seq := v_seq + 1;
  v_hash := audit.entry_hash(v_org, v_seq, v_user, v_key, lower(TG_OP), TG_TABLE_NAME, v_row, v_before, v_after, v_at, v_prev);
  INSERT INTO audit.entries (org_id, seq, actor_user_id, actor_api_key_id, action, table_name, row_id, before, after, at, prev_hash, hash)
  VALUES (v_org, v_seq, v_user, v_key, lower(TG_OP), TG_TABLE_NAME, v_row, v_before, v_after, v_at, v_prev, v_hash);
  UPDATE audit.heads SET seq = v_seq, hash = v_hash WHERE org_id = v_org;
  RETURN NULL;
END
$$;
--> statement-breakpoint
ALTER FUNCTION audit.record_change() OWNER TO rampart_definer;
--> statement-breakpoint
-- Append-only even if a grant slips: UPDATE, DELETE and TRUNCATE are refused by trigger.
-- (Only the owner can disable it, which is what the tamper test does.)
CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = '42501';
END
$$;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON audit.entries
  FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
--> statement-breakpoint
CREATE OR REPLACE TRIGGER entries_no_truncate BEFORE TRUNCATE ON audit.entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
--> statement-breakpoint
-- Recomputes an organization's chain in order. Reports the first sequence number whose
-- entry is missing, out of order, altered, or not linked to its predecessor, and a tail
-- removed behind the head. Only for a caller allowed to read that org's audit log.
CREATE OR REPLACE FUNCTION audit.verify_chain(p_org uuid)
RETURNS TABLE (valid boolean, entries bigint, first_broken_seq bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  r audit.entries%ROWTYPE;
  v_expected bigint := 1;
  v_prev text := repeat('0', 64);
  v_head audit.heads%ROWTYPE;
BEGIN
  IF p_org IS DISTINCT FROM app.current_org_id() OR NOT app.can('audit') THEN
    RAISE EXCEPTION 'not allowed to verify this organization''s audit log' USING ERRCODE = '42501';
  END IF;
  FOR r IN SELECT * FROM audit.entries e WHERE e.org_id = p_org ORDER BY e.seq LOOP
    IF r.seq <> v_expected THEN
      RETURN QUERY SELECT false, v_expected - 1, v_expected;
      RETURN;
    END IF;
    IF r.prev_hash <> v_prev OR r.hash <> audit.entry_hash(r.org_id, r.seq, r.actor_user_id, r.actor_api_key_id,
         r.action, r.table_name, r.row_id, r.before, r.after, r.at, r.prev_hash) THEN
      RETURN QUERY SELECT false, v_expected - 1, r.seq;
      RETURN;
    END IF;
    v_prev := r.hash;
    v_expected := v_expected + 1;
  END LOOP;
  SELECT * INTO v_head FROM audit.heads h WHERE h.org_id = p_org;
  IF FOUND AND (v_head.seq <> v_expected - 1 OR v_head.hash <> v_prev) THEN
    RETURN QUERY SELECT false, v_expected - 1, v_expected;
    RETURN;
  END IF;
  RETURN QUERY SELECT true, v_expected - 1, NULL::bigint;
END
$$;
--> statement-breakpoint
ALTER FUNCTION audit.verify_chain(uuid) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Policies ───────────────────────────────────────────────────────────────────────
-- `(SELECT app.can(...))` is evaluated once per statement (an InitPlan), not per row.
-- Policies name rampart_app only: any other non-owner role gets no rows at all.
CREATE OR REPLACE FUNCTION app.protect_record_table(p_table text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', p_table);
  EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', p_table);
  EXECUTE format('DROP POLICY IF EXISTS tenant_read ON public.%I', p_table);
  EXECUTE format('CREATE POLICY tenant_read ON public.%I FOR SELECT TO rampart_app
    USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''read'')))', p_table);
  EXECUTE format('DROP POLICY IF EXISTS tenant_insert ON public.%I', p_table);
  EXECUTE format('CREATE POLICY tenant_insert ON public.%I FOR INSERT TO rampart_app
    WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''write'')))', p_table);
  EXECUTE format('DROP POLICY IF EXISTS tenant_update ON public.%I', p_table);
  EXECUTE format('CREATE POLICY tenant_update ON public.%I FOR UPDATE TO rampart_app
    USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''write'')))
    WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''write'')))', p_table);
  EXECUTE format('DROP POLICY IF EXISTS tenant_delete ON public.%I', p_table);
  EXECUTE format('CREATE POLICY tenant_delete ON public.%I FOR DELETE TO rampart_app
    USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can(''write'')))', p_table);
  EXECUTE format('REVOKE ALL ON public.%I FROM PUBLIC, rampart_app, rampart_definer', p_table);
  EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO rampart_app', p_table);
  EXECUTE format('CREATE OR REPLACE TRIGGER stamp_actor BEFORE INSERT OR UPDATE ON public.%I
    FOR EACH ROW EXECUTE FUNCTION app.stamp_record()', p_table);
  EXECUTE format('CREATE OR REPLACE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON public.%I
    FOR EACH ROW EXECUTE FUNCTION audit.record_change()', p_table);
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.protect_record_table(text) FROM PUBLIC;
--> statement-breakpoint
SELECT app.protect_record_table(t)
FROM unnest(ARRAY['risks', 'vendors', 'incidents', 'policies', 'trainings', 'controls', 'assessments', 'evidence']) AS t;
--> statement-breakpoint

-- Every other table: RLS on and forced, then named policies below. rampart_definer's
-- `definer_all` policy is what the SECURITY DEFINER functions run under.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['public.users', 'public.sessions', 'public.organizations', 'public.memberships',
                           'public.api_keys', 'public.security_events', 'audit.entries', 'audit.heads'] LOOP
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('REVOKE ALL ON %s FROM PUBLIC, rampart_app, rampart_definer', t);
    EXECUTE format('DROP POLICY IF EXISTS definer_all ON %s', t);
    EXECUTE format('CREATE POLICY definer_all ON %s TO rampart_definer USING (true) WITH CHECK (true)', t);
  END LOOP;
END
$$;
--> statement-breakpoint
-- Organizations: members read theirs; admins rename; only the owner deletes.
DROP POLICY IF EXISTS org_read ON public.organizations;
--> statement-breakpoint
CREATE POLICY org_read ON public.organizations FOR SELECT TO rampart_app
  USING (id = (SELECT app.current_org_id()) AND (SELECT app.can('read')));
--> statement-breakpoint
DROP POLICY IF EXISTS org_update ON public.organizations;
--> statement-breakpoint
CREATE POLICY org_update ON public.organizations FOR UPDATE TO rampart_app
  USING (id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')))
  WITH CHECK (id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
DROP POLICY IF EXISTS org_delete ON public.organizations;
--> statement-breakpoint
CREATE POLICY org_delete ON public.organizations FOR DELETE TO rampart_app
  USING (id = (SELECT app.current_org_id()) AND (SELECT app.can('own')));
--> statement-breakpoint
GRANT SELECT, DELETE ON public.organizations TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (name, updated_at) ON public.organizations TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON public.organizations TO rampart_definer;
--> statement-breakpoint
-- Memberships: members see who else is in their org; admins manage them.
DROP POLICY IF EXISTS member_read ON public.memberships;
--> statement-breakpoint
CREATE POLICY member_read ON public.memberships FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('read')));
--> statement-breakpoint
DROP POLICY IF EXISTS member_write ON public.memberships;
--> statement-breakpoint
CREATE POLICY member_write ON public.memberships FOR ALL TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')))
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
GRANT SELECT, INSERT, DELETE ON public.memberships TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (role) ON public.memberships TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON public.memberships TO rampart_definer;
--> statement-breakpoint
-- API keys: admins only; the digest can be written but never read back.
DROP POLICY IF EXISTS key_manage ON public.api_keys;
--> statement-breakpoint
CREATE POLICY key_manage ON public.api_keys FOR ALL TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')))
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
GRANT SELECT (id, org_id, name, prefix, scopes, created_by, created_at, last_used_at, expires_at, revoked_at),
      INSERT (id, org_id, name, prefix, key_digest, scopes, created_by, expires_at),
      UPDATE (name, scopes, last_used_at, expires_at, revoked_at), DELETE
  ON public.api_keys TO rampart_app;
--> statement-breakpoint
GRANT SELECT ON public.api_keys TO rampart_definer;
--> statement-breakpoint
-- Security events: the app records them (before login there is no org); owners,
-- admins and auditors read their org's. Nobody in the app changes one.
DROP POLICY IF EXISTS event_read ON public.security_events;
--> statement-breakpoint
CREATE POLICY event_read ON public.security_events FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('audit')));
--> statement-breakpoint
DROP POLICY IF EXISTS event_insert ON public.security_events;
--> statement-breakpoint
CREATE POLICY event_insert ON public.security_events FOR INSERT TO rampart_app
  WITH CHECK (org_id IS NULL OR (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('read'))));
--> statement-breakpoint
GRANT SELECT, INSERT ON public.security_events TO rampart_app;
--> statement-breakpoint
-- The audit log: readable by those the role table allows, written only by audit.record_change.
DROP POLICY IF EXISTS audit_read ON audit.entries;
--> statement-breakpoint
CREATE POLICY audit_read ON audit.entries FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('audit')));
--> statement-breakpoint
GRANT SELECT ON audit.entries TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit.entries TO rampart_definer;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON audit.heads TO rampart_definer;
--> statement-breakpoint
-- Users: yourself, and the members of the org you are working in. Never the hash.
DROP POLICY IF EXISTS user_read ON public.users;
--> statement-breakpoint
CREATE POLICY user_read ON public.users FOR SELECT TO rampart_app
  USING (id = (SELECT app.current_user_id())
    OR (EXISTS (SELECT FROM public.memberships m WHERE m.user_id = users.id AND m.org_id = (SELECT app.current_org_id()))
        AND (SELECT app.can('read'))));
--> statement-breakpoint
DROP POLICY IF EXISTS user_update ON public.users;
--> statement-breakpoint
CREATE POLICY user_update ON public.users FOR UPDATE TO rampart_app
  USING (id = (SELECT app.current_user_id())) WITH CHECK (id = (SELECT app.current_user_id()));
--> statement-breakpoint
GRANT SELECT (id, email, name, email_verified_at, is_super_admin, created_at, updated_at) ON public.users TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (name, updated_at) ON public.users TO rampart_app;
--> statement-breakpoint
GRANT SELECT ON public.users TO rampart_definer;
--> statement-breakpoint
-- Sessions: your own; the refresh digest is not readable.
DROP POLICY IF EXISTS session_own ON public.sessions;
--> statement-breakpoint
CREATE POLICY session_own ON public.sessions FOR ALL TO rampart_app
  USING (user_id = (SELECT app.current_user_id())) WITH CHECK (user_id = (SELECT app.current_user_id()));
--> statement-breakpoint
GRANT SELECT (id, user_id, aal, amr, created_at, last_seen_at, expires_at, revoked_at) ON public.sessions TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (last_seen_at, revoked_at) ON public.sessions TO rampart_app;
--> statement-breakpoint
GRANT SELECT ON public.sessions TO rampart_definer;
--> statement-breakpoint

-- ── Functions: nobody by default, then exactly these ──────────────────────────────
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA app, auth, audit FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.setting_uuid(text), app.current_org_id(), app.current_user_id(), app.current_api_key_id(),
  app.role_allows(public.org_role, text), app.scope_allows(text[], text), app.can(text), app.create_organization(text),
  auth.login_lookup(text), auth.session_by_refresh_digest(text), auth.api_key_by_digest(text),
  audit.verify_chain(uuid), audit.entry_hash(uuid, bigint, uuid, uuid, text, text, uuid, jsonb, jsonb, timestamptz, text)
  TO rampart_app, rampart_definer;
--> statement-breakpoint
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public, audit FROM PUBLIC, rampart_app;
