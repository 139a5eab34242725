-- Organizations (P7, P9, P11): the API's authorization check, org creation with its
-- settings, and the rule that an organization always keeps an owner. Hand-written:
-- functions, grants and triggers. Safe to run again, like 0001.
--
-- Errors raised here carry SQLSTATEs of Rampart's own class "RA" so the API can map
-- them to problems without reading messages (src/http/database-problems.ts):
--   RA404 not found (no such org, or the caller is not in it: the same answer, so ids reveal nothing)
--   RA403 forbidden (the role or the API key's scopes do not allow the action)
--   RAMFA mfa required (the org requires MFA and the session is aal1)
--   RASUS the organization is suspended
--   RALOW the last owner cannot be removed or demoted

ALTER TABLE public.organizations DROP CONSTRAINT IF EXISTS organizations_deadline_regimes;
--> statement-breakpoint
ALTER TABLE public.organizations ADD CONSTRAINT organizations_deadline_regimes
  CHECK (deadline_regimes <@ ARRAY['nis2', 'gdpr', 'customer']::text[]);
--> statement-breakpoint
ALTER TABLE public.organizations DROP CONSTRAINT IF EXISTS organizations_name_length;
--> statement-breakpoint
ALTER TABLE public.organizations ADD CONSTRAINT organizations_name_length
  CHECK (char_length(btrim(name)) BETWEEN 1 AND 200);
--> statement-breakpoint
GRANT UPDATE (name, require_mfa, deadline_regimes, updated_at) ON public.organizations TO rampart_app;
--> statement-breakpoint

-- Stage 6's check (P9), the first statement of every organization route's transaction:
-- may the request's actor do `p_action` in the request's organization, with a session of
-- assurance `p_aal`? It raises (and so aborts the whole transaction, nothing written) or
-- returns the caller's role (NULL for an API key). The RLS policies check again, on
-- their own, for every row: this function is the API's check, they are the database's.
CREATE OR REPLACE FUNCTION app.authorize(p_action text, p_aal text) RETURNS public.org_role
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_org uuid := app.current_org_id();
  v_user uuid := app.current_user_id();
  v_key uuid := app.current_api_key_id();
  v_role public.org_role;
  v_scopes text[];
  v_require_mfa boolean;
  v_suspended timestamptz;
BEGIN
  SELECT o.require_mfa, o.suspended_at INTO v_require_mfa, v_suspended FROM public.organizations o WHERE o.id = v_org;
  IF NOT FOUND OR (v_user IS NULL) = (v_key IS NULL) THEN
    RAISE EXCEPTION 'no such organization' USING ERRCODE = 'RA404';
  END IF;
  IF v_user IS NOT NULL THEN
    SELECT m.role INTO v_role FROM public.memberships m WHERE m.org_id = v_org AND m.user_id = v_user;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no such organization' USING ERRCODE = 'RA404';
    END IF;
  ELSE
    SELECT k.scopes INTO v_scopes FROM public.api_keys k
    WHERE k.id = v_key AND k.org_id = v_org AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now());
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no such organization' USING ERRCODE = 'RA404';
    END IF;
  END IF;
  IF v_suspended IS NOT NULL THEN
    RAISE EXCEPTION 'organization suspended' USING ERRCODE = 'RASUS';
  END IF;
  -- A member of an org that requires MFA is refused at aal1 whatever the action: reading
  -- its records is what the requirement protects. Machine clients have no second factor.
  IF v_user IS NOT NULL AND v_require_mfa AND p_aal IS DISTINCT FROM 'aal2' THEN
    RAISE EXCEPTION 'this organization requires MFA' USING ERRCODE = 'RAMFA';
  END IF;
  IF (v_user IS NOT NULL AND NOT app.role_allows(v_role, p_action))
     OR (v_key IS NOT NULL AND NOT app.scope_allows(v_scopes, p_action)) THEN
    RAISE EXCEPTION 'not allowed' USING ERRCODE = 'RA403';
  END IF;
  RETURN v_role;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.authorize(text, text) OWNER TO rampart_definer;
--> statement-breakpoint

-- Creating an organization with its settings; the creator becomes its owner (one
-- function: no policy can allow the first membership of an org nobody belongs to yet).
-- The id comes from the caller, who sets it as the request's org beforehand: the
-- statements after this one in the same transaction (its security event) then work in
-- the new organization like any other request's.
CREATE OR REPLACE FUNCTION app.create_organization(p_id uuid, p_name text, p_require_mfa boolean, p_deadline_regimes text[])
RETURNS TABLE (id uuid, name text, plan text, require_mfa boolean, deadline_regimes text[], created_at timestamptz, updated_at timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_user uuid := app.current_user_id();
  v_org public.organizations%ROWTYPE;
BEGIN
  IF v_user IS NULL OR app.current_api_key_id() IS NOT NULL THEN
    RAISE EXCEPTION 'only a signed-in user can create an organization' USING ERRCODE = 'RA403';
  END IF;
  INSERT INTO public.organizations (id, name, require_mfa, deadline_regimes)
  VALUES (p_id, btrim(p_name), p_require_mfa, p_deadline_regimes) RETURNING * INTO v_org;
  INSERT INTO public.memberships (org_id, user_id, role) VALUES (v_org.id, v_user, 'owner');
  RETURN QUERY SELECT v_org.id, v_org.name, v_org.plan, v_org.require_mfa, v_org.deadline_regimes, v_org.created_at, v_org.updated_at;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.create_organization(uuid, text, boolean, text[]) OWNER TO rampart_definer;
--> statement-breakpoint

-- An organization always keeps an owner: removing or demoting the last one is refused,
-- whoever asks (the API refuses first with a clear problem). Deleting the organization
-- itself removes its memberships by cascade: the org row is gone by then, so it passes.
CREATE OR REPLACE FUNCTION app.keep_an_owner() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF OLD.role <> 'owner' OR (TG_OP = 'UPDATE' AND NEW.role = 'owner') THEN
    RETURN COALESCE(NEW, OLD);
  END IF;
  -- Two owners demoting each other at once must take turns, or both would see the other remain.
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(OLD.org_id::text, 0));
  IF EXISTS (SELECT FROM public.organizations o WHERE o.id = OLD.org_id)
     AND NOT EXISTS (SELECT FROM public.memberships m
                     WHERE m.org_id = OLD.org_id AND m.role = 'owner' AND m.user_id <> OLD.user_id) THEN
    RAISE EXCEPTION 'the last owner of an organization cannot be removed or demoted' USING ERRCODE = 'RALOW';
  END IF;
  RETURN COALESCE(NEW, OLD);
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.keep_an_owner() OWNER TO rampart_definer;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER keep_an_owner BEFORE UPDATE OF role OR DELETE ON public.memberships
  FOR EACH ROW EXECUTE FUNCTION app.keep_an_owner();
--> statement-breakpoint

REVOKE ALL ON FUNCTION app.authorize(text, text), app.create_organization(uuid, text, boolean, text[]), app.keep_an_owner() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.authorize(text, text), app.create_organization(uuid, text, boolean, text[]) TO rampart_app;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.keep_an_owner() TO rampart_app, rampart_definer;
