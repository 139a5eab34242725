-- Compliance records (P9, P11, P13): what drizzle-kit cannot express about the eight
-- tables of 0010. Hand-written, safe to run again, like 0001.
--
-- The list of compliance tables is NOT written here: it lives once, in the API's registry
-- (src/modules/records/registry.ts). This file upgrades `app.protect_record_table` and
-- re-applies it to every table it already protects (found by its `audit_change` trigger),
-- and test/security/p11-records.test.ts fails when the registry and the database's
-- protected tables disagree. A new resource: its table in src/db/schema/records.ts, its
-- declaration in the registry, and one `SELECT app.protect_record_table('<name>')` in a
-- new custom migration.

-- Optimistic concurrency (If-Match / ETag): every record has a version, 1 when inserted
-- and one more on every update, whoever writes it and however (the API, a fix by hand).
CREATE OR REPLACE FUNCTION app.bump_record_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
  ELSE
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.bump_record_version() FROM PUBLIC;
--> statement-breakpoint

-- 0001's protection (RLS forced, tenant policies, grants, actor stamps, audit trigger),
-- plus: the version trigger, and a record's owner must be a member of the record's own
-- organization. The owner rule is a composite foreign key to memberships, so the
-- database checks it in the same statement as the write (23503 → 422
-- `invalid_reference`), whoever writes; referential checks read memberships without
-- row-level security, so a user of another organization is refused the same way as an
-- unknown id. When a member leaves, the records they owned keep their data and lose
-- their owner (SET NULL of owner_id alone; org_id stays).
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
  EXECUTE format('CREATE OR REPLACE TRIGGER bump_version BEFORE INSERT OR UPDATE ON public.%I
    FOR EACH ROW EXECUTE FUNCTION app.bump_record_version()', p_table);
  EXECUTE format('CREATE OR REPLACE TRIGGER stamp_actor BEFORE INSERT OR UPDATE ON public.%I
    FOR EACH ROW EXECUTE FUNCTION app.stamp_record()', p_table);
  EXECUTE format('CREATE OR REPLACE TRIGGER audit_change AFTER INSERT OR UPDATE OR DELETE ON public.%I
    FOR EACH ROW EXECUTE FUNCTION audit.record_change()', p_table);
  EXECUTE format('ALTER TABLE public.%I DROP CONSTRAINT IF EXISTS %I', p_table, p_table || '_owner_member_fk');
  EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I FOREIGN KEY (org_id, owner_id)
    REFERENCES public.memberships (org_id, user_id) ON DELETE SET NULL (owner_id)', p_table, p_table || '_owner_member_fk');
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION app.protect_record_table(text) FROM PUBLIC;
--> statement-breakpoint
-- Every table protected so far (0001's), upgraded; no names written here.
SELECT app.protect_record_table(c.relname)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
  AND EXISTS (SELECT FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'audit_change' AND NOT t.tgisinternal)
ORDER BY c.relname;
--> statement-breakpoint
-- A policy's approver is a member of its organization, like an owner.
ALTER TABLE public.policies DROP CONSTRAINT IF EXISTS policies_approver_member_fk;
--> statement-breakpoint
ALTER TABLE public.policies ADD CONSTRAINT policies_approver_member_fk FOREIGN KEY (org_id, approver_id)
  REFERENCES public.memberships (org_id, user_id) ON DELETE SET NULL (approver_id);
