-- Integrations (P10, P12, P18): Stripe billing and the bank's OAuth2 connection.
-- Hand-written; every statement is safe to run again.
--
-- Billing tables are written only by app.apply_stripe_event (SECURITY DEFINER, owned by
-- rampart_definer): the worker calls it once per verified webhook, and it records the
-- event id, applies its effect and writes its security events in ONE transaction. The
-- worker's role reads nothing of them but an organization's own billing account.
-- The bank connection is a tenant table (owners and admins: `manage`); its tokens are
-- envelope-sealed by the worker (src/crypto/envelope.ts) and a CHECK refuses anything
-- that does not look sealed, so a bug cannot store a token in clear.

-- ── Plans ─────────────────────────────────────────────────────────────────────────
ALTER TABLE public.organizations DROP CONSTRAINT IF EXISTS organizations_plan;
--> statement-breakpoint
ALTER TABLE public.organizations ADD CONSTRAINT organizations_plan CHECK (plan IN ('free', 'pro', 'scale'));
--> statement-breakpoint
GRANT UPDATE (plan, updated_at) ON public.organizations TO rampart_definer;
--> statement-breakpoint

-- THE plan limits, as data: what each plan allows. Features read them in SQL
-- (`SELECT * FROM app.plan_limits() WHERE plan = o.plan`); the API shows them with the
-- organization's billing status. Evidence storage in bytes; OAuth sign-in providers by name.
CREATE OR REPLACE FUNCTION app.plan_limits()
RETURNS TABLE (plan text, max_members integer, evidence_storage_bytes bigint, oauth_sign_in_providers text[], ord integer)
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
  VALUES
    ('free', 5, 1073741824::bigint, ARRAY[]::text[], 0),
    ('pro', 50, 53687091200::bigint, ARRAY['google', 'microsoft'], 1),
    ('scale', 1000, 1099511627776::bigint, ARRAY['google', 'microsoft', 'saml'], 2)
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.plan_limits() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.plan_limits() TO rampart_app, rampart_definer;
--> statement-breakpoint

-- ── Billing tables: RLS forced; the definer writes, the app reads its org's account ──
ALTER TABLE public.billing_accounts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.billing_accounts FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.billing_subscriptions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.billing_subscriptions FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.stripe_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.stripe_events FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.billing_accounts;
--> statement-breakpoint
CREATE POLICY definer_all ON public.billing_accounts TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.billing_subscriptions;
--> statement-breakpoint
CREATE POLICY definer_all ON public.billing_subscriptions TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.stripe_events;
--> statement-breakpoint
CREATE POLICY definer_all ON public.stripe_events TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_read ON public.billing_accounts;
--> statement-breakpoint
CREATE POLICY tenant_read ON public.billing_accounts FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('read')));
--> statement-breakpoint
REVOKE ALL ON public.billing_accounts, public.billing_subscriptions, public.stripe_events FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT (org_id, status, subscription_id, current_period_end, updated_at) ON public.billing_accounts TO rampart_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.billing_accounts TO rampart_definer;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.billing_subscriptions TO rampart_definer;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON public.stripe_events TO rampart_definer;
--> statement-breakpoint

-- Ordering of a subscription's statuses for events that carry the same `created`
-- second: the later stage of a subscription's life wins. Canceled and expired are final
-- (Stripe never revives them): no later event moves a subscription out of them.
CREATE OR REPLACE FUNCTION app.stripe_status_rank(p_status text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT CASE p_status
    WHEN 'incomplete' THEN 1 WHEN 'trialing' THEN 2 WHEN 'active' THEN 3 WHEN 'past_due' THEN 4
    WHEN 'unpaid' THEN 5 WHEN 'paused' THEN 6 WHEN 'canceled' THEN 9 WHEN 'incomplete_expired' THEN 9
    ELSE 0 END
$$;
--> statement-breakpoint
-- A subscription in these statuses gives its plan (past_due: Stripe is still retrying the payment).
CREATE OR REPLACE FUNCTION app.stripe_status_entitles(p_status text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
  SELECT p_status IN ('active', 'trialing', 'past_due')
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.stripe_status_rank(text), app.stripe_status_entitles(text) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.stripe_status_rank(text), app.stripe_status_entitles(text) TO rampart_definer;
--> statement-breakpoint

-- An organization's plan and billing status from its customer's subscriptions: the
-- best plan among subscriptions that entitle (active, trialing, past_due), else free;
-- the status of that subscription, else of the most recent one, else 'none'. Computed
-- from every stored subscription, so the order events arrived in does not matter.
CREATE OR REPLACE FUNCTION app.refresh_org_plan(p_org uuid, p_customer text,
  OUT plan text, OUT status text, OUT previous_plan text, OUT previous_status text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_sub public.billing_subscriptions%ROWTYPE;
BEGIN
  SELECT o.plan INTO previous_plan FROM public.organizations o WHERE o.id = p_org FOR UPDATE;
  SELECT a.status INTO previous_status FROM public.billing_accounts a WHERE a.org_id = p_org;
  SELECT s.* INTO v_sub FROM public.billing_subscriptions s
  WHERE s.stripe_customer_id = p_customer
  ORDER BY app.stripe_status_entitles(s.status) AND s.plan IS NOT NULL DESC,
           (SELECT l.ord FROM app.plan_limits() l WHERE l.plan = s.plan) DESC NULLS LAST,
           s.event_created_at DESC, s.id
  LIMIT 1;
  IF FOUND THEN
    plan := CASE WHEN app.stripe_status_entitles(v_sub.status) AND v_sub.plan IS NOT NULL THEN v_sub.plan ELSE 'free' END;
    status := v_sub.status;
  ELSE
    plan := 'free';
    status := 'none';
  END IF;
  UPDATE public.billing_accounts a
  SET status = refresh_org_plan.status, subscription_id = v_sub.id, current_period_end = v_sub.current_period_end, updated_at = now()
  WHERE a.org_id = p_org;
  UPDATE public.organizations o SET plan = refresh_org_plan.plan, updated_at = now()
  WHERE o.id = p_org AND o.plan IS DISTINCT FROM refresh_org_plan.plan;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.refresh_org_plan(uuid, text) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.refresh_org_plan(uuid, text) FROM PUBLIC;
--> statement-breakpoint

-- One verified Stripe event (P18), whole, in the caller's transaction: recorded by id
-- first (a redelivery finds it, answers `duplicate` and changes nothing; two deliveries
-- at once take turns on the primary key), then applied:
--   checkout.session.completed  binds the customer to the organization the checkout
--                               named (client_reference_id), once: another customer for
--                               that org, or that customer for another org, is a conflict;
--   customer.subscription.*     stores the subscription's state unless the event is older
--                               than the one stored (its `created`; same second: the later
--                               status; a canceled subscription stays canceled), then
--                               recomputes the bound organization's plan; an unbound
--                               customer's state is kept for when its checkout arrives;
--   anything else               recorded, `ignored`.
-- Security events are written here, in the same transaction (p_events: the vocabulary's
-- severity of each type, from src/lib/security-events.ts, so the names live in one place).
CREATE OR REPLACE FUNCTION app.apply_stripe_event(
  p_event_id text, p_type text, p_created timestamptz, p_customer text, p_org uuid,
  p_subscription text, p_plan text, p_status text, p_period_end timestamptz, p_cancel_at_period_end boolean,
  p_request_id text, p_ip_hash text, p_events jsonb)
RETURNS TABLE (outcome text, org_id uuid, plan text, status text, previous_plan text, previous_status text, duplicate boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_outcome text := 'ignored';
  v_org uuid;
  v_bound uuid;
  v_old public.billing_subscriptions%ROWTYPE;
  v_plan text;
  v_status text;
  v_previous_plan text;
  v_previous_status text;
  v_details jsonb := jsonb_build_object('event_id', p_event_id, 'event_type', p_type);
BEGIN
  INSERT INTO public.stripe_events (id, type, created_at, stripe_customer_id, outcome)
  VALUES (p_event_id, p_type, p_created, p_customer, 'ignored')
  ON CONFLICT (id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN QUERY SELECT e.outcome, e.org_id, NULL::text, NULL::text, NULL::text, NULL::text, true
      FROM public.stripe_events e WHERE e.id = p_event_id;
    RETURN;
  END IF;

  IF p_customer IS NOT NULL THEN
    -- One customer's events take turns, so two racing deliveries cannot both read the old state.
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('stripe:' || p_customer, 0));
    SELECT a.org_id INTO v_bound FROM public.billing_accounts a WHERE a.stripe_customer_id = p_customer;
    v_org := v_bound;

    IF p_type = 'checkout.session.completed' THEN
      IF v_bound IS NOT NULL THEN
        IF p_org IS NOT NULL AND p_org <> v_bound THEN
          v_outcome := 'customer_conflict';
        ELSE
          v_outcome := 'applied';
        END IF;
      ELSIF p_org IS NULL OR NOT EXISTS (SELECT FROM public.organizations o WHERE o.id = p_org) THEN
        v_outcome := 'unknown_org';
      ELSIF EXISTS (SELECT FROM public.billing_accounts a WHERE a.org_id = p_org) THEN
        v_outcome := 'customer_conflict';
        v_org := p_org;
      ELSE
        INSERT INTO public.billing_accounts (org_id, stripe_customer_id) VALUES (p_org, p_customer);
        v_org := p_org;
        v_outcome := 'applied';
      END IF;
    ELSIF p_type LIKE 'customer.subscription.%' AND p_subscription IS NOT NULL AND p_status IS NOT NULL THEN
      SELECT s.* INTO v_old FROM public.billing_subscriptions s WHERE s.id = p_subscription FOR UPDATE;
      IF FOUND AND (
           p_created < v_old.event_created_at
        OR (p_created = v_old.event_created_at AND app.stripe_status_rank(p_status) < app.stripe_status_rank(v_old.status))
        OR (app.stripe_status_rank(v_old.status) = 9 AND app.stripe_status_rank(p_status) <> 9)
      ) THEN
        v_outcome := 'stale';
      ELSE
        INSERT INTO public.billing_subscriptions AS s
          (id, stripe_customer_id, plan, status, current_period_end, cancel_at_period_end, event_created_at, event_id, updated_at)
        VALUES (p_subscription, p_customer, p_plan, p_status, p_period_end, coalesce(p_cancel_at_period_end, false), p_created, p_event_id, now())
        ON CONFLICT (id) DO UPDATE SET
          plan = excluded.plan, status = excluded.status, current_period_end = excluded.current_period_end,
          cancel_at_period_end = excluded.cancel_at_period_end, event_created_at = excluded.event_created_at,
          event_id = excluded.event_id, updated_at = now();
        v_outcome := 'applied';
      END IF;
      -- Kept (above) for when the customer's checkout arrives; reported now.
      IF v_bound IS NULL THEN
        v_outcome := 'unknown_customer';
      END IF;
    END IF;
  END IF;

  IF v_outcome = 'applied' AND v_org IS NOT NULL THEN
    SELECT r.plan, r.status, r.previous_plan, r.previous_status INTO v_plan, v_status, v_previous_plan, v_previous_status
    FROM app.refresh_org_plan(v_org, p_customer) r;
    IF v_plan IS DISTINCT FROM v_previous_plan OR v_status IS DISTINCT FROM v_previous_status THEN
      INSERT INTO public.security_events (org_id, type, severity, request_id, ip_hash, details)
      VALUES (v_org, 'billing_plan_changed', p_events ->> 'billing_plan_changed', p_request_id, p_ip_hash,
        v_details || jsonb_build_object('plan', v_plan, 'previous_plan', v_previous_plan,
          'status', v_status, 'previous_status', coalesce(v_previous_status, 'none')));
    END IF;
  ELSIF v_outcome IN ('unknown_customer', 'unknown_org') THEN
    INSERT INTO public.security_events (org_id, type, severity, request_id, ip_hash, details)
    VALUES (NULL, 'billing_event_unmatched', p_events ->> 'billing_event_unmatched', p_request_id, p_ip_hash,
      v_details || jsonb_build_object('reason', v_outcome, 'customer', p_customer));
  ELSIF v_outcome = 'customer_conflict' THEN
    INSERT INTO public.security_events (org_id, type, severity, request_id, ip_hash, details)
    VALUES (v_org, 'billing_customer_conflict', p_events ->> 'billing_customer_conflict', p_request_id, p_ip_hash,
      v_details || jsonb_build_object('customer', p_customer, 'requested_org', p_org));
  END IF;

  UPDATE public.stripe_events e SET outcome = v_outcome, org_id = v_org WHERE e.id = p_event_id;
  RETURN QUERY SELECT v_outcome, v_org, v_plan, v_status, v_previous_plan, v_previous_status, false;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.apply_stripe_event(text, text, timestamptz, text, uuid, text, text, text, timestamptz, boolean, text, text, jsonb)
  OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.apply_stripe_event(text, text, timestamptz, text, uuid, text, text, text, timestamptz, boolean, text, text, jsonb)
  FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.apply_stripe_event(text, text, timestamptz, text, uuid, text, text, text, timestamptz, boolean, text, text, jsonb)
  TO rampart_app;
--> statement-breakpoint

-- ── The bank connection (P10, P18) ────────────────────────────────────────────────
-- Sealed values only: `e1.<key version>.<wrapped data key>.<iv>.<ciphertext>` (base64url).
ALTER TABLE public.bank_connections DROP CONSTRAINT IF EXISTS bank_connections_sealed;
--> statement-breakpoint
ALTER TABLE public.bank_connections ADD CONSTRAINT bank_connections_sealed CHECK (
  access_token_sealed ~ '^e1\.v[0-9]{1,4}\.[A-Za-z0-9_-]{80}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$'
  AND (refresh_token_sealed IS NULL
       OR refresh_token_sealed ~ '^e1\.v[0-9]{1,4}\.[A-Za-z0-9_-]{80}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$'));
--> statement-breakpoint

-- Who connected and when come from the database, never from the request; every change of
-- the tokens bumps token_version (a refresh or re-encryption lands only on the version it read).
CREATE OR REPLACE FUNCTION app.stamp_bank_connection() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_actor uuid := app.current_user_id();
BEGIN
  IF v_actor IS NULL THEN
    RAISE EXCEPTION 'a write to % needs a signed-in user (app.user_id)', TG_TABLE_NAME USING ERRCODE = '42501';
  END IF;
  IF TG_OP = 'INSERT' THEN
    NEW.connected_by := v_actor;
    NEW.connected_at := now();
    NEW.token_version := 1;
  ELSE
    NEW.org_id := OLD.org_id;
    NEW.connected_by := OLD.connected_by;
    NEW.connected_at := OLD.connected_at;
    NEW.token_version := CASE
      WHEN NEW.access_token_sealed IS DISTINCT FROM OLD.access_token_sealed
        OR NEW.refresh_token_sealed IS DISTINCT FROM OLD.refresh_token_sealed THEN OLD.token_version + 1
      ELSE OLD.token_version END;
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.stamp_bank_connection() FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.stamp_bank_connection() TO rampart_app, rampart_definer;
--> statement-breakpoint
CREATE OR REPLACE TRIGGER stamp_bank_connection BEFORE INSERT OR UPDATE ON public.bank_connections
  FOR EACH ROW EXECUTE FUNCTION app.stamp_bank_connection();
--> statement-breakpoint
ALTER TABLE public.bank_connections ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
ALTER TABLE public.bank_connections FORCE ROW LEVEL SECURITY;
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_read ON public.bank_connections;
--> statement-breakpoint
CREATE POLICY tenant_read ON public.bank_connections FOR SELECT TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_insert ON public.bank_connections;
--> statement-breakpoint
CREATE POLICY tenant_insert ON public.bank_connections FOR INSERT TO rampart_app
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_update ON public.bank_connections;
--> statement-breakpoint
CREATE POLICY tenant_update ON public.bank_connections FOR UPDATE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')))
  WITH CHECK (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
DROP POLICY IF EXISTS tenant_delete ON public.bank_connections;
--> statement-breakpoint
CREATE POLICY tenant_delete ON public.bank_connections FOR DELETE TO rampart_app
  USING (org_id = (SELECT app.current_org_id()) AND (SELECT app.can('manage')));
--> statement-breakpoint
DROP POLICY IF EXISTS definer_all ON public.bank_connections;
--> statement-breakpoint
CREATE POLICY definer_all ON public.bank_connections TO rampart_definer USING (true) WITH CHECK (true);
--> statement-breakpoint
REVOKE ALL ON public.bank_connections FROM PUBLIC, rampart_app, rampart_definer;
--> statement-breakpoint
GRANT SELECT, DELETE ON public.bank_connections TO rampart_app;
--> statement-breakpoint
GRANT INSERT (org_id, status, issuer, scopes, access_token_sealed, refresh_token_sealed, access_token_expires_at)
  ON public.bank_connections TO rampart_app;
--> statement-breakpoint
GRANT UPDATE (status, scopes, access_token_sealed, refresh_token_sealed, access_token_expires_at, refreshed_at, broken_at, broken_reason)
  ON public.bank_connections TO rampart_app;
--> statement-breakpoint
GRANT SELECT, UPDATE (access_token_sealed, refresh_token_sealed) ON public.bank_connections TO rampart_definer;
--> statement-breakpoint

-- ── Re-encryption after a data-key rotation (P10) ──────────────────────────────────
-- Platform super administrators only (the API route needs aal2 too). Batched and
-- resumable: the next batch after `p_after` of connections with any secret not sealed
-- under `p_keep` (the newest key version), and how many such connections remain in all.
CREATE OR REPLACE FUNCTION app.require_super_admin() RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT EXISTS (SELECT FROM public.users u WHERE u.id = app.current_user_id() AND u.is_super_admin) THEN
    RAISE EXCEPTION 'platform administrators only' USING ERRCODE = 'RA403';
  END IF;
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.require_super_admin() OWNER TO rampart_definer;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION app.bank_secrets_to_reseal(p_keep text, p_after uuid, p_limit integer)
RETURNS TABLE (org_id uuid, token_version integer, access_token_sealed text, refresh_token_sealed text, remaining bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM app.require_super_admin();
  RETURN QUERY
    WITH todo AS (
      SELECT b.org_id, b.token_version, b.access_token_sealed, b.refresh_token_sealed FROM public.bank_connections b
      WHERE pg_catalog.split_part(b.access_token_sealed, '.', 2) <> p_keep
         OR pg_catalog.split_part(coalesce(b.refresh_token_sealed, ''), '.', 2) NOT IN ('', p_keep)
    )
    SELECT t.org_id, t.token_version, t.access_token_sealed, t.refresh_token_sealed, (SELECT count(*) FROM todo)
    FROM todo t WHERE p_after IS NULL OR t.org_id > p_after
    ORDER BY t.org_id LIMIT least(greatest(p_limit, 1), 500);
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.bank_secrets_to_reseal(text, uuid, integer) OWNER TO rampart_definer;
--> statement-breakpoint
-- Writes re-sealed secrets, each only onto the token version it was read at (a refresh in
-- between wins; the job finds the row again on its next pass if it still needs it).
CREATE OR REPLACE FUNCTION app.reseal_bank_secrets(p_keep text, p_rows jsonb)
RETURNS TABLE (resealed integer, remaining bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_count integer;
BEGIN
  PERFORM app.require_super_admin();
  UPDATE public.bank_connections b
  SET access_token_sealed = r.access_token_sealed, refresh_token_sealed = r.refresh_token_sealed
  FROM jsonb_to_recordset(coalesce(p_rows, '[]'::jsonb)) AS r(org_id uuid, token_version integer, access_token_sealed text, refresh_token_sealed text)
  WHERE b.org_id = r.org_id AND b.token_version = r.token_version;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN QUERY SELECT v_count, (SELECT count(*) FROM public.bank_connections b
    WHERE pg_catalog.split_part(b.access_token_sealed, '.', 2) <> p_keep
       OR pg_catalog.split_part(coalesce(b.refresh_token_sealed, ''), '.', 2) NOT IN ('', p_keep));
END
$$;
--> statement-breakpoint
ALTER FUNCTION app.reseal_bank_secrets(text, jsonb) OWNER TO rampart_definer;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.require_super_admin(), app.bank_secrets_to_reseal(text, uuid, integer), app.reseal_bank_secrets(text, jsonb) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION app.require_super_admin(), app.bank_secrets_to_reseal(text, uuid, integer), app.reseal_bank_secrets(text, jsonb) TO rampart_app;
