-- Members and invitations (P9, P10, P11). Hand-written, safe to run again, like 0001.
-- Invitations: RLS on and forced, nobody but the definer functions reaches a row until the
-- policies below say who may (the token digest is never readable by the app).
ALTER TABLE public.invitations ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.invitations FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
REVOKE ALL ON public.invitations FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.invitations;
--> statement-breakpoint
CREATE POLICY definer_all ON public.invitations TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint

-- Errors raised here, besides 0005's RA404 / RA403 / RASUS / RALOW (mapped by
-- src/http/database-problems.ts), carry SQLSTATEs of the same class "RA" that the
-- members routes map themselves (src/modules/orgs/members.db.ts):
--   RAMEM the address (or user) is already a member of the organization
--   RAINV the invitation is unknown, used, revoked or expired (one answer for all four)
--   RAVER the accepting user has not verified their email address
--   RAEML the accepting user's address is not the one invited
--   RAREF the user named in the body is not another member of the organization
--
-- ── Invitations: who reads and writes what ─────────────────────────────────────────
-- Owners and admins see their organization's invitations; the token digest is never
-- granted for reading (a digest read back could be matched against a leaked token list).
DROP POLICY IF EXISTS invitation_read ON public.invitations;
--> statement-breakpoint
CREATE POLICY invitation_read ON public.invitations FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
-- Whoever accepted an invitation sees that one (their own address): the acceptance's
-- security event is written from it by the statement after app.accept_invitation.
DROP POLICY IF EXISTS invitation_accepted_read ON public.invitations;
--> statement-breakpoint
CREATE POLICY invitation_accepted_read ON public.invitations FOR SELECT TO rampart_app
  USING (accepted_by = (SELECT app.current_user_id()));
--> statement-breakpoint
-- Owners and admins invite, as themselves, for at most seven days, a normalised
-- address; only an owner invites an owner (the same rule as for role changes below).
DROP POLICY IF EXISTS invitation_insert ON public.invitations;
--> statement-breakpoint
CREATE POLICY invitation_insert ON public.invitations FOR INSERT TO rampart_app
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage'))
    AND invited_by = (SELECT app.current_user_id())
    AND email = lower(btrim(email))
    AND expires_at <= now() + interval '7 days'
    AND (role <> 'owner' OR (SELECT app.can('own'))));
--> statement-breakpoint
-- Revoking is the only change the app makes; a revocation cannot be undone (the new row
-- must carry a revoked_at), so a revoked owner invitation cannot be brought back by an admin.
DROP POLICY IF EXISTS invitation_revoke ON public.invitations;
--> statement-breakpoint
CREATE POLICY invitation_revoke ON public.invitations FOR UPDATE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')))
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')) AND revoked_at IS NOT NULL);
--> statement-breakpoint
GRANT SELECT (id, org_id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at),
      INSERT (id, org_id, email, role, token_digest, invited_by, expires_at),
      UPDATE (revoked_at)
  ON public.invitations TO rampart_app;
--> statement-breakpoint
GRANT SELECT, UPDATE (accepted_at, accepted_by) ON public.invitations TO rampart_definer;
--> statement-breakpoint

-- ── Memberships: the owner role belongs to owners ──────────────────────────────────
-- 0001's member_write lets owners and admins manage memberships. These RESTRICTIVE
-- policies narrow it for rows whose role is (or becomes) `owner`: only an owner may
-- grant, take, change or remove it. An admin's update or delete of an owner's row
-- matches no row; an admin's promotion to owner is refused (42501). The API refuses
-- first with a clear 403; these hold when the API's check is bypassed.
DROP POLICY IF EXISTS member_owner_update ON public.memberships;
--> statement-breakpoint
CREATE POLICY member_owner_update ON public.memberships AS RESTRICTIVE FOR UPDATE TO rampart_app
  USING (role <> 'owner' OR (SELECT app.can('own')))
  WITH CHECK (role <> 'owner' OR (SELECT app.can('own')));
--> statement-breakpoint
DROP POLICY IF EXISTS member_owner_delete ON public.memberships;
--> statement-breakpoint
CREATE POLICY member_owner_delete ON public.memberships AS RESTRICTIVE FOR DELETE TO rampart_app
  USING (role <> 'owner' OR (SELECT app.can('own')));
--> statement-breakpoint
DROP POLICY IF EXISTS member_owner_insert ON public.memberships;
--> statement-breakpoint
CREATE POLICY member_owner_insert ON public.memberships AS RESTRICTIVE FOR INSERT TO rampart_app
  WITH CHECK (role <> 'owner' OR (SELECT app.can('own')));
--> statement-breakpoint
-- Any member may leave (delete their own membership); the last owner cannot
-- (app.keep_an_owner, 0005).
DROP POLICY IF EXISTS member_leave ON public.memberships;
--> statement-breakpoint
CREATE POLICY member_leave ON public.memberships FOR DELETE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND user_id = (SELECT app.current_user_id()) AND (SELECT app.can('read')));
--> statement-breakpoint

-- ── Functions ──────────────────────────────────────────────────────────────────────
-- The members routes' functions run as the caller (SECURITY INVOKER): the policies above
-- decide what they may touch; the functions only order the steps in one statement and
-- answer a refusal with a clear SQLSTATE instead of a silent "no row".

-- Invites `p_email` (normalised by the API) with `p_role` for `p_seconds`; an earlier
-- pending invitation of the same address in this organization is revoked (its link stops
-- working). Concurrent invitations of one address take turns on an advisory lock.
CREATE OR REPLACE FUNCTION app.invite_member(p_id uuid, p_email text, p_role public.org_role, p_digest text, p_seconds integer)
RETURNS TABLE (id uuid, email text, role public.org_role, invited_by uuid, created_at timestamptz, expires_at timestamptz)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_org uuid := app.current_org_id();
  r record;
BEGIN
  IF p_role = 'owner' AND NOT app.can('own') THEN
    RAISE EXCEPTION 'only an owner may invite an owner' USING ERRCODE = 'RA403';
  END IF;
  IF EXISTS (SELECT FROM public.memberships m JOIN public.users u ON u.id = m.user_id
             WHERE m.org_id = v_org AND u.email = p_email) THEN
    RAISE EXCEPTION 'already a member' USING ERRCODE = 'RAMEM';
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('invitation:' || v_org::text || ':' || p_email, 0));
  UPDATE public.invitations i SET revoked_at = now()
  WHERE i.org_id = v_org AND i.email = p_email AND i.accepted_at IS NULL AND i.revoked_at IS NULL;
  INSERT INTO public.invitations AS i (id, org_id, email, role, token_digest, invited_by, expires_at)
  VALUES (p_id, v_org, p_email, p_role, p_digest, app.current_user_id(), now() + pg_catalog.make_interval(secs => p_seconds))
  RETURNING i.id, i.email, i.role, i.invited_by, i.created_at, i.expires_at INTO r;
  RETURN QUERY SELECT r.id, r.email, r.role, r.invited_by, r.created_at, r.expires_at;
END
$$;
--> statement-breakpoint
-- Changes a member's role. Only an owner grants or takes `owner`; demoting the last
-- owner is refused by app.keep_an_owner (RALOW). Answers the member as it now is and
-- the role they had.
CREATE OR REPLACE FUNCTION app.change_member_role(p_user uuid, p_role public.org_role)
RETURNS TABLE (user_id uuid, name text, email text, role public.org_role, joined_at timestamptz, previous_role public.org_role)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_org uuid := app.current_org_id();
  v_previous public.org_role;
BEGIN
  SELECT m.role INTO v_previous FROM public.memberships m WHERE m.org_id = v_org AND m.user_id = p_user;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such member' USING ERRCODE = 'RA404';
  END IF;
  IF (v_previous = 'owner' OR p_role = 'owner') AND NOT app.can('own') THEN
    RAISE EXCEPTION 'only an owner may grant or take the owner role' USING ERRCODE = 'RA403';
  END IF;
  IF v_previous <> p_role THEN
    UPDATE public.memberships m SET role = p_role WHERE m.org_id = v_org AND m.user_id = p_user;
  END IF;
  RETURN QUERY SELECT m.user_id, u.name, u.email, m.role, m.created_at, v_previous
    FROM public.memberships m JOIN public.users u ON u.id = m.user_id
    WHERE m.org_id = v_org AND m.user_id = p_user;
END
$$;
--> statement-breakpoint
-- Removes a member (only an owner removes an owner; never the last one: RALOW).
CREATE OR REPLACE FUNCTION app.remove_member(p_user uuid)
RETURNS TABLE (user_id uuid, role public.org_role)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_org uuid := app.current_org_id();
  v_role public.org_role;
BEGIN
  SELECT m.role INTO v_role FROM public.memberships m WHERE m.org_id = v_org AND m.user_id = p_user;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such member' USING ERRCODE = 'RA404';
  END IF;
  IF v_role = 'owner' AND NOT app.can('own') THEN
    RAISE EXCEPTION 'only an owner may remove an owner' USING ERRCODE = 'RA403';
  END IF;
  DELETE FROM public.memberships m WHERE m.org_id = v_org AND m.user_id = p_user;
  RETURN QUERY SELECT p_user, v_role;
END
$$;
--> statement-breakpoint
-- The caller (an owner) hands ownership to another member: they become owner first,
-- then the caller becomes admin, so the organization is never without an owner.
CREATE OR REPLACE FUNCTION app.transfer_ownership(p_user uuid)
RETURNS TABLE (user_id uuid, previous_role public.org_role)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_org uuid := app.current_org_id();
  v_me uuid := app.current_user_id();
  v_previous public.org_role;
BEGIN
  IF NOT app.can('own') THEN
    RAISE EXCEPTION 'only an owner may transfer ownership' USING ERRCODE = 'RA403';
  END IF;
  SELECT m.role INTO v_previous FROM public.memberships m WHERE m.org_id = v_org AND m.user_id = p_user;
  IF NOT FOUND OR p_user = v_me THEN
    RAISE EXCEPTION 'the new owner must be another member' USING ERRCODE = 'RAREF';
  END IF;
  UPDATE public.memberships m SET role = 'owner' WHERE m.org_id = v_org AND m.user_id = p_user AND m.role <> 'owner';
  UPDATE public.memberships m SET role = 'admin' WHERE m.org_id = v_org AND m.user_id = v_me;
  RETURN QUERY SELECT p_user, v_previous;
END
$$;
--> statement-breakpoint
-- Accepting an invitation: the one way into an organization one is not a member of yet,
-- so it runs as rampart_definer. In one statement it claims the invitation by its token
-- digest (pending, unexpired, once: the row lock makes a concurrent second claim find it
-- taken), checks the signed-in user (verified, the invited address, not yet a member, the
-- organization not suspended) and adds the membership. Any refusal rolls the claim back,
-- so a wrong account does not use up the link. The organization joined becomes the
-- request's (transaction-local), so the statements after it (its security event) work
-- in it like any member's request.
CREATE OR REPLACE FUNCTION app.accept_invitation(p_digest text)
RETURNS TABLE (org_id uuid, role public.org_role, invitation_id uuid)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
  v_user uuid := app.current_user_id();
  v_invitation record;
  v_email text;
  v_verified timestamptz;
BEGIN
  IF v_user IS NULL OR app.current_api_key_id() IS NOT NULL THEN
    RAISE EXCEPTION 'only a signed-in user accepts an invitation' USING ERRCODE = 'RA403';
  END IF;
  UPDATE public.invitations i SET accepted_at = now(), accepted_by = v_user
  WHERE i.token_digest = p_digest AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
  RETURNING i.id, i.org_id, i.email, i.role INTO v_invitation;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such invitation' USING ERRCODE = 'RAINV';
  END IF;
  SELECT u.email, u.email_verified_at INTO v_email, v_verified FROM public.users u WHERE u.id = v_user;
  IF v_verified IS NULL THEN
    RAISE EXCEPTION 'email address not verified' USING ERRCODE = 'RAVER';
  END IF;
  IF v_email IS DISTINCT FROM v_invitation.email THEN
    RAISE EXCEPTION 'the invitation is for another address' USING ERRCODE = 'RAEML';
  END IF;
  IF EXISTS (SELECT FROM public.organizations o WHERE o.id = v_invitation.org_id AND o.suspended_at IS NOT NULL) THEN
    RAISE EXCEPTION 'organization suspended' USING ERRCODE = 'RASUS';
  END IF;
  IF EXISTS (SELECT FROM public.memberships m WHERE m.org_id = v_invitation.org_id AND m.user_id = v_user) THEN
    RAISE EXCEPTION 'already a member' USING ERRCODE = 'RAMEM';
  END IF;
  INSERT INTO public.memberships (org_id, user_id, role) VALUES (v_invitation.org_id, v_user, v_invitation.role);
  PERFORM pg_catalog.set_config('app.org_id', v_invitation.org_id::text, true);
  RETURN QUERY SELECT v_invitation.org_id, v_invitation.role, v_invitation.id;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.accept_invitation(text) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.invite_member(uuid, text, public.org_role, text, integer), app.change_member_role(uuid, public.org_role),
  app.remove_member(uuid), app.transfer_ownership(uuid), app.accept_invitation(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.invite_member(uuid, text, public.org_role, text, integer), app.change_member_role(uuid, public.org_role),
  app.remove_member(uuid), app.transfer_ownership(uuid), app.accept_invitation(text) TO rampart_app;
