-- Evidence files (P12, P13, P14): what drizzle-kit cannot express about evidence_files.
-- Hand-written; safe to run again, in order, like the other *_security files.
--
-- A row is one version of an evidence record's file; its R2 object key is a generated
-- column (`orgs/<org>/evidence/<record>/<version>`), so the key always carries the
-- organization and nothing a client sends. The worker streams the bytes to R2 and only
-- then marks the version `available`; a version is never served before.

-- Two evidence actions beside the records' (README "Roles"): `evidence:read` (list and
-- download files: every role) and `evidence:write` (upload, delete files: the roles that
-- write records). API keys need the `evidence:*` scopes (0008's app.scope_allows already
-- names these actions). Every other action answers exactly as 0001 defined it.
CREATE OR REPLACE FUNCTION app.role_allows(p_role public.org_role, p_action text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_action
    WHEN 'read' THEN true
    WHEN 'write' THEN p_role IN ('owner', 'admin', 'member')
    WHEN 'audit' THEN p_role IN ('owner', 'admin', 'auditor')
    WHEN 'manage' THEN p_role IN ('owner', 'admin')
    WHEN 'own' THEN p_role = 'owner'
    WHEN 'evidence:read' THEN true
    WHEN 'evidence:write' THEN p_role IN ('owner', 'admin', 'member')
    ELSE false
  END
$$;
--> statement-breakpoint

-- A version belongs to an evidence record of its own organization, whoever writes it
-- (referential checks read evidence without RLS: another organization's record id is
-- refused like an unknown one), and goes with it (ON DELETE CASCADE, audited).
CREATE UNIQUE INDEX IF NOT EXISTS evidence_org_id_id_key ON public.evidence (org_id, id);
--> statement-breakpoint
ALTER TABLE public.evidence_files DROP CONSTRAINT IF EXISTS evidence_files_record_same_org_fk;
--> statement-breakpoint
ALTER TABLE public.evidence_files ADD CONSTRAINT evidence_files_record_same_org_fk
  FOREIGN KEY (org_id, evidence_id) REFERENCES public.evidence (org_id, id) ON DELETE CASCADE;
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS evidence_files_object_key_key ON public.evidence_files (object_key);
--> statement-breakpoint

-- The state machine, whoever writes: a version is inserted `pending` by its uploader (the
-- actor, stamped here, never sent), and the only change ever made to it is `pending` →
-- `available` once its bytes are stored (uploaded_at stamped here). Every other column
-- is immutable: a stored file's name, type, size and checksum are what was verified.
CREATE OR REPLACE FUNCTION app.guard_evidence_file() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor uuid := coalesce(app.current_user_id(), app.current_api_key_id());
BEGIN
  IF v_actor IS NULL THEN
    RAISE EXCEPTION 'a write to % needs an actor (app.user_id or app.api_key_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.state <> 'pending' THEN
      RAISE EXCEPTION 'a file version starts pending' USING ERRCODE = '23514', CONSTRAINT = 'evidence_files_starts_pending';
    END IF;
    NEW.created_by := v_actor;
    NEW.created_at := now();
    NEW.uploaded_at := NULL;
    RETURN NEW;
  END IF;
  IF OLD.state <> 'pending' OR NEW.state <> 'available'
     OR (NEW.id, NEW.org_id, NEW.evidence_id, NEW.name, NEW.media_type, NEW.size, NEW.sha256, NEW.created_at, NEW.created_by)
        IS DISTINCT FROM (OLD.id, OLD.org_id, OLD.evidence_id, OLD.name, OLD.media_type, OLD.size, OLD.sha256, OLD.created_at, OLD.created_by) THEN
    RAISE EXCEPTION 'a file version only ever changes from pending to available' USING ERRCODE = '23514',
      CONSTRAINT = 'evidence_files_pending_to_available';
  END IF;
  NEW.uploaded_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.guard_evidence_file() FROM PUBLIC;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER guard_evidence_file BEFORE INSERT OR UPDATE ON public.evidence_files
  FOR EACH ROW EXECUTE FUNCTION app.guard_evidence_file();
--> statement-breakpoint
-- Every version added, completed or removed is an entry of the organization's hash-chained
-- audit log (P13), in the same transaction. Named apart from the records' `audit_change`,
-- which marks the registry's record tables.
CREATE OR REPLACE TRIGGER audit_evidence_file AFTER INSERT OR UPDATE OR DELETE ON public.evidence_files
  FOR EACH ROW EXECUTE FUNCTION audit.record_change();
--> statement-breakpoint

-- RLS (P11): the organization of the request, and the evidence action of the role or the
-- API key's scope: reading and downloading `evidence:read`, adding, completing and
-- deleting a version `evidence:write`. A cascade from a deleted record or organization
-- runs as the table owner's referential action and needs no policy.
ALTER TABLE public.evidence_files ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.evidence_files FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_read ON public.evidence_files;
--> statement-breakpoint
CREATE POLICY tenant_read ON public.evidence_files FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('evidence:read')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_insert ON public.evidence_files;
--> statement-breakpoint
CREATE POLICY tenant_insert ON public.evidence_files FOR INSERT TO rampart_app
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('evidence:write')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_update ON public.evidence_files;
--> statement-breakpoint
CREATE POLICY tenant_update ON public.evidence_files FOR UPDATE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('evidence:write')))
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('evidence:write')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_delete ON public.evidence_files;
--> statement-breakpoint
CREATE POLICY tenant_delete ON public.evidence_files FOR DELETE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('evidence:write')));
--> statement-breakpoint
REVOKE ALL ON public.evidence_files FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT, DELETE ON public.evidence_files TO rampart_app;
--> statement-breakpoint
GRANT INSERT (org_id, evidence_id, name, media_type, size, sha256) ON public.evidence_files TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (state) ON public.evidence_files TO rampart_app;
--> statement-breakpoint
GRANT SELECT ON public.evidence_files TO rampart_definer;
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.evidence_files;
--> statement-breakpoint
CREATE POLICY definer_all ON public.evidence_files TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint

-- The organization's plan, for its evidence limits (per plan, from the worker's
-- configuration): the caller may need it without being allowed to read the organization
-- row (an API key with only `evidence:*` scopes), so it is answered for the request's
-- own organization only, to an actor allowed evidence there.
CREATE OR REPLACE FUNCTION app.evidence_plan() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT o.plan FROM public.organizations o
  WHERE o.id = app.current_org_id() AND app.can('evidence:read')
$$;
--> statement-breakpoint
ALTER FUNCTION app.evidence_plan() OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.evidence_plan() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.evidence_plan() TO rampart_app;
--> statement-breakpoint

-- The plan's limits, checked in the transaction that adds a version, BEFORE its insert:
-- a file larger than the plan allows per file raises RAFSZ (413 `file_too_large`); one
-- that would take the organization's files past its storage raises RAQTA (413
-- `storage_quota_exceeded`), so a record created with its file in the same transaction
-- is not created either. The storage per plan is the plan table (app.plan_limits(),
-- evidence_storage_bytes), below p_org_cap when the deployment sets one (a plan the table
-- lacks has the cap, or nothing is allowed); the largest file per plan is the worker's
-- configuration (JSON by plan, `*` for the rest). Counted:
-- available versions, and pending ones younger than p_reservation (an upload in flight
-- keeps its room; an abandoned one stops counting). Writers of one organization take
-- turns from the lock to their commit, so two uploads declared at once cannot both fit a
-- room only one fits. SECURITY INVOKER: the caller's row policies apply (it may write
-- evidence, so it reads every version).
CREATE OR REPLACE FUNCTION app.check_evidence_limits(p_size bigint, p_file_bytes jsonb, p_org_cap bigint, p_reservation interval)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_org uuid := app.current_org_id();
  v_plan text := app.evidence_plan();
  v_file bigint := coalesce(p_file_bytes ->> v_plan, p_file_bytes ->> '*')::bigint;
  v_storage bigint;
  v_used bigint;
BEGIN
  IF v_org IS NULL OR v_plan IS NULL OR v_file IS NULL THEN
    RAISE EXCEPTION 'evidence limits need an organization, its plan and the limits' USING ERRCODE = '42501';
  END IF;
  IF p_size > v_file THEN
    RAISE EXCEPTION 'the file is larger than the plan allows per file' USING ERRCODE = 'RAFSZ';
  END IF;
  SELECT least(l.evidence_storage_bytes, p_org_cap) INTO v_storage FROM app.plan_limits() l WHERE l.plan = v_plan;
  v_storage := coalesce(v_storage, p_org_cap, 0);
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('evidence_files:' || v_org::text, 0));
  SELECT coalesce(sum(f.size), 0) INTO v_used FROM public.evidence_files f
  WHERE f.org_id = v_org AND (f.state = 'available' OR f.created_at > now() - p_reservation);
  IF v_used + p_size > v_storage THEN
    RAISE EXCEPTION 'the organization''s evidence files would exceed its storage' USING ERRCODE = 'RAQTA';
  END IF;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.check_evidence_limits(bigint, jsonb, bigint, interval) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.check_evidence_limits(bigint, jsonb, bigint, interval) TO rampart_app;
--> statement-breakpoint

-- The object keys of an evidence record's versions, read just before the record is
-- deleted (the cascade removes the rows; the worker then removes the objects). Any actor
-- who may delete records gets them, even an API key without `evidence:*` scopes, whose
-- row policies hide the versions: otherwise its deletion would leave objects behind.
-- Only the request's own organization; keys are ids, nothing of the files' content.
CREATE OR REPLACE FUNCTION app.evidence_object_keys(p_evidence uuid) RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT f.object_key FROM public.evidence_files f
  WHERE f.org_id = app.current_org_id() AND f.evidence_id = p_evidence AND app.can('write')
$$;
--> statement-breakpoint
ALTER FUNCTION app.evidence_object_keys(uuid) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.evidence_object_keys(uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.evidence_object_keys(uuid) TO rampart_app;
--> statement-breakpoint

-- An evidence record's current file, as every evidence record answered carries it
-- (`file`): its newest available version, or null. SECURITY INVOKER: the caller's row
-- policies apply, so whoever may not read evidence files (an API key with only
-- `records:*` scopes) sees null.
CREATE OR REPLACE FUNCTION app.evidence_current_file(p_org uuid, p_evidence uuid) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_build_object(
    'id', f.id,
    'evidence_id', f.evidence_id,
    'name', f.name,
    'media_type', f.media_type,
    'size', f.size,
    'sha256', f.sha256,
    'state', f.state,
    'created_at', to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'created_by', f.created_by,
    'uploaded_at', to_char(f.uploaded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  FROM public.evidence_files f
  WHERE f.org_id = p_org AND f.evidence_id = p_evidence AND f.state = 'available'
  ORDER BY f.created_at DESC, f.id DESC
  LIMIT 1
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.evidence_current_file(uuid, uuid) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.evidence_current_file(uuid, uuid) TO rampart_app;
