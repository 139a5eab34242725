-- Backups (P12, P15): what drizzle-kit cannot express about the `backups` table, and
-- the SECURITY DEFINER functions of the daily export, its restore check, retention and
-- the restore drill. Hand-written; safe to run again, in order, like the other
-- *_security files.
--
-- The jobs run without an actor (no user, no API key: a Cron Trigger and a queue
-- consumer act for nobody), so no row policy of rampart_app lets them read an
-- organization. They reach its data only through the functions below, owned by
-- rampart_definer. RISK, accepted and documented (README "Backups"): rampart_app can
-- call `app.backup_export(org)` for ANY organization and read everything in it except
-- secrets (no password hashes, TOTP secrets, token or key digests, sealed tokens are
-- ever selected). A compromised worker could therefore read every tenant through it;
-- it already holds the keys that decrypt the backups, so the function adds no reach
-- beyond the bucket's contents. Moving the jobs to a database role of their own (a
-- second login only the queue consumer holds) would close it; see the README.

-- ── What the export reads ──────────────────────────────────────────────────────────
-- rampart_definer reads the compliance tables, links and duties (SELECT only, no write):
-- the export function runs as it. Row policies stay forced for every other role.
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['risks', 'vendors', 'incidents', 'policies', 'trainings', 'controls', 'assessments', 'evidence',
                           'incident_notifications', 'control_risks', 'control_evidence', 'assessment_results',
                           'policy_acknowledgements', 'training_assignments'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS definer_read ON public.%I', t);
    EXECUTE format('CREATE POLICY definer_read ON public.%I FOR SELECT TO rampart_definer USING (true)', t);
    EXECUTE format('GRANT SELECT ON public.%I TO rampart_definer', t);
  END LOOP;
END
$$;
--> statement-breakpoint

-- ── The table ──────────────────────────────────────────────────────────────────────
-- Owners, admins and auditors (`audit`) read their organization's rows, as they read its
-- audit log; API keys with `audit:read` too. Nobody in the app writes a row: only the
-- functions below (rampart_definer) do.
ALTER TABLE public.backups ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.backups FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_read ON public.backups;
--> statement-breakpoint
CREATE POLICY tenant_read ON public.backups FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('audit')));
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.backups;
--> statement-breakpoint
CREATE POLICY definer_all ON public.backups TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
REVOKE ALL ON public.backups FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT ON public.backups TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON public.backups TO rampart_definer;
--> statement-breakpoint

-- ── The daily fan-out ──────────────────────────────────────────────────────────────
-- Every organization, suspended ones included (their data is kept like any other).
CREATE OR REPLACE FUNCTION app.backup_org_ids() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT o.id FROM public.organizations o ORDER BY o.id
$$;
--> statement-breakpoint
ALTER FUNCTION app.backup_org_ids() OWNER TO rampart_definer;
--> statement-breakpoint

-- ── The export ─────────────────────────────────────────────────────────────────────
-- One organization as JSON lines `{"s": <section>, "r": <row>}`, sections in a fixed
-- order and rows ordered by id (the audit log by seq), then a trailer with the rows per
-- section and the audit head. STABLE: every query below reads the snapshot of the
-- calling statement, so the audit entries, the head and the records are of one instant.
-- Never selected: password hashes, TOTP secrets, session and token digests, API key
-- digests, sealed integration tokens, invitation tokens.
CREATE OR REPLACE FUNCTION app.backup_export(p_org uuid) RETURNS SETOF text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_counts jsonb := '{}'::jsonb;
  v_n bigint;
  v_seq bigint := 0;
  v_hash text := repeat('0', 64);
  t text;
BEGIN
  IF NOT EXISTS (SELECT FROM public.organizations o WHERE o.id = p_org) THEN
    RETURN;
  END IF;
  RETURN QUERY SELECT jsonb_build_object('s', 'organization', 'r', jsonb_build_object(
      'id', o.id, 'name', o.name, 'plan', o.plan, 'require_mfa', o.require_mfa, 'deadline_regimes', o.deadline_regimes,
      'suspended_at', o.suspended_at, 'created_at', o.created_at, 'updated_at', o.updated_at))::text
    FROM public.organizations o WHERE o.id = p_org;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('organization', v_n);

  RETURN QUERY SELECT jsonb_build_object('s', 'memberships', 'r', jsonb_build_object(
      'user_id', m.user_id, 'role', m.role, 'created_at', m.created_at, 'email', u.email, 'name', u.name))::text
    FROM public.memberships m JOIN public.users u ON u.id = m.user_id
    WHERE m.org_id = p_org ORDER BY m.user_id;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('memberships', v_n);

  RETURN QUERY SELECT jsonb_build_object('s', 'api_keys', 'r', jsonb_build_object(
      'id', k.id, 'name', k.name, 'prefix', k.prefix, 'scopes', k.scopes, 'created_by', k.created_by,
      'created_at', k.created_at, 'last_used_at', k.last_used_at, 'expires_at', k.expires_at, 'revoked_at', k.revoked_at))::text
    FROM public.api_keys k WHERE k.org_id = p_org ORDER BY k.id;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('api_keys', v_n);

  RETURN QUERY SELECT jsonb_build_object('s', 'bank_connections', 'r', jsonb_build_object(
      'id', b.id, 'status', b.status, 'issuer', b.issuer, 'scopes', b.scopes, 'connected_by', b.connected_by,
      'connected_at', b.connected_at, 'access_token_expires_at', b.access_token_expires_at, 'refreshed_at', b.refreshed_at,
      'broken_at', b.broken_at, 'broken_reason', b.broken_reason))::text
    FROM public.bank_connections b WHERE b.org_id = p_org ORDER BY b.id;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('bank_connections', v_n);

  -- The compliance records, their reports, links and duties, and the evidence files'
  -- metadata (with their SHA-256): whole rows (these tables hold no secrets).
  FOREACH t IN ARRAY ARRAY['risks', 'vendors', 'incidents', 'policies', 'trainings', 'controls', 'assessments', 'evidence',
                           'incident_notifications', 'control_risks', 'control_evidence', 'assessment_results',
                           'policy_acknowledgements', 'training_assignments', 'evidence_files'] LOOP
    RETURN QUERY EXECUTE format(
      'SELECT jsonb_build_object(''s'', %L, ''r'', to_jsonb(x))::text FROM public.%I x WHERE x.org_id = $1 ORDER BY x.id', t, t)
      USING p_org;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_counts := v_counts || jsonb_build_object(t, v_n);
  END LOOP;

  RETURN QUERY SELECT jsonb_build_object('s', 'audit_entries', 'r', to_jsonb(e))::text
    FROM audit.entries e WHERE e.org_id = p_org ORDER BY e.seq;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  v_counts := v_counts || jsonb_build_object('audit_entries', v_n);

  SELECT h.seq, h.hash INTO v_seq, v_hash FROM audit.heads h WHERE h.org_id = p_org;
  RETURN NEXT jsonb_build_object('s', 'trailer', 'r', jsonb_build_object(
    'counts', v_counts, 'audit_head', jsonb_build_object('seq', coalesce(v_seq, 0), 'hash', coalesce(v_hash, repeat('0', 64)))))::text;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.backup_export(uuid) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── The rows ───────────────────────────────────────────────────────────────────────
-- One organization's backup by id or by date (the jobs have no actor to read it with).
CREATE OR REPLACE FUNCTION app.backup_find(p_org uuid, p_id uuid, p_date date) RETURNS SETOF public.backups
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT b.* FROM public.backups b WHERE b.org_id = p_org AND (b.id = p_id OR b.date = p_date)
$$;
--> statement-breakpoint
ALTER FUNCTION app.backup_find(uuid, uuid, date) OWNER TO rampart_definer;
--> statement-breakpoint
-- Records an object the job wrote. Once per organization and date: a second call (a
-- redelivered message, two overlapping runs) changes nothing and answers the first row.
CREATE OR REPLACE FUNCTION app.backup_record(
  p_org uuid, p_date date, p_key_version text, p_size bigint, p_sha256 text, p_segments integer,
  p_counts jsonb, p_head_seq bigint, p_head_hash text
) RETURNS SETOF public.backups
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO public.backups (org_id, date, key_version, size, sha256, segments, counts, audit_head_seq, audit_head_hash)
  VALUES (p_org, p_date, p_key_version, p_size, p_sha256, p_segments, p_counts, p_head_seq, p_head_hash)
  ON CONFLICT (org_id, date) DO NOTHING;
  RETURN QUERY SELECT b.* FROM public.backups b WHERE b.org_id = p_org AND b.date = p_date;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.backup_record(uuid, date, text, bigint, text, integer, jsonb, bigint, text) OWNER TO rampart_definer;
--> statement-breakpoint
-- The restore check's outcome; a failure is also the organization's security event
-- `backup_restore_check_failed` (its auditors see it), written here with the result.
CREATE OR REPLACE FUNCTION app.backup_record_check(p_org uuid, p_id uuid, p_passed boolean, p_reason text)
RETURNS SETOF public.backups
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_row public.backups%ROWTYPE;
BEGIN
  UPDATE public.backups b
  SET check_state = CASE WHEN p_passed THEN 'passed' ELSE 'failed' END,
      check_reason = CASE WHEN p_passed THEN NULL ELSE left(coalesce(p_reason, 'unknown'), 64) END,
      checked_at = now()
  WHERE b.org_id = p_org AND b.id = p_id
  RETURNING b.* INTO v_row;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF NOT p_passed THEN
    INSERT INTO public.security_events (org_id, type, severity, details)
    VALUES (p_org, 'backup_restore_check_failed', 'warning',
            jsonb_build_object('backup_id', v_row.id, 'date', v_row.date, 'reason', v_row.check_reason));
  END IF;
  RETURN NEXT v_row;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.backup_record_check(uuid, uuid, boolean, text) OWNER TO rampart_definer;
--> statement-breakpoint
-- Retention: the organization's rows dated before p_before (the job deletes their
-- objects from the bucket by prefix first). Answers how many went.
CREATE OR REPLACE FUNCTION app.backup_prune(p_org uuid, p_before date) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_n integer;
BEGIN
  DELETE FROM public.backups b WHERE b.org_id = p_org AND b.date < p_before;
  GET DIAGNOSTICS v_n = ROW_COUNT;
  RETURN v_n;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.backup_prune(uuid, date) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── The restore drill ──────────────────────────────────────────────────────────────
-- The CURRENT members of the source organization with their current roles, for the
-- drill's new organization: only to a signed-in owner of the source (no API key). A
-- member removed since the export is not brought back (the drill grants nobody access
-- they do not have now).
CREATE OR REPLACE FUNCTION app.backup_drill_members(p_source uuid) RETURNS TABLE (user_id uuid, role public.org_role)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_user uuid := app.current_user_id();
BEGIN
  IF v_user IS NULL OR app.current_api_key_id() IS NOT NULL OR NOT EXISTS (
    SELECT FROM public.memberships m WHERE m.org_id = p_source AND m.user_id = v_user AND m.role = 'owner') THEN
    RAISE EXCEPTION 'only an owner of the organization restores its backups' USING ERRCODE = 'RA403';
  END IF;
  RETURN QUERY SELECT m.user_id, m.role FROM public.memberships m
    WHERE m.org_id = p_source AND m.user_id <> v_user ORDER BY m.user_id;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.backup_drill_members(uuid) OWNER TO rampart_definer;
--> statement-breakpoint

-- ── Platform administrators ────────────────────────────────────────────────────────
-- Every organization's backups, newest first (date, then id, descending), optionally of
-- one organization and one state, after a keyset position: super administrators only.
CREATE OR REPLACE FUNCTION app.admin_backups(p_org uuid, p_state text, p_after_date date, p_after_id uuid, p_limit integer)
RETURNS TABLE (id uuid, org_id uuid, org_name text, date date, object_key text, key_version text, size bigint, sha256 text,
               segments integer, counts jsonb, audit_head_seq bigint, audit_head_hash text, check_state text, check_reason text,
               checked_at timestamptz, created_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM app.require_super_admin();
  RETURN QUERY
    SELECT b.id, b.org_id, o.name, b.date, b.object_key, b.key_version, b.size, b.sha256, b.segments, b.counts,
           b.audit_head_seq, b.audit_head_hash, b.check_state, b.check_reason, b.checked_at, b.created_at
    FROM public.backups b JOIN public.organizations o ON o.id = b.org_id
    WHERE (p_org IS NULL OR b.org_id = p_org)
      AND (p_state IS NULL OR b.check_state = p_state)
      AND (p_after_date IS NULL OR (b.date, b.id) < (p_after_date, p_after_id))
    ORDER BY b.date DESC, b.id DESC
    LIMIT least(greatest(p_limit, 1), 201);
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.admin_backups(uuid, text, date, uuid, integer) OWNER TO rampart_definer;
--> statement-breakpoint

REVOKE ALL ON FUNCTION app.backup_org_ids(), app.backup_export(uuid), app.backup_find(uuid, uuid, date),
  app.backup_record(uuid, date, text, bigint, text, integer, jsonb, bigint, text), app.backup_record_check(uuid, uuid, boolean, text),
  app.backup_prune(uuid, date), app.backup_drill_members(uuid), app.admin_backups(uuid, text, date, uuid, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.backup_org_ids(), app.backup_export(uuid), app.backup_find(uuid, uuid, date),
  app.backup_record(uuid, date, text, bigint, text, integer, jsonb, bigint, text), app.backup_record_check(uuid, uuid, boolean, text),
  app.backup_prune(uuid, date), app.backup_drill_members(uuid), app.admin_backups(uuid, text, date, uuid, integer) TO rampart_app;
