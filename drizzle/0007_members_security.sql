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
