/**
 * PGlite has one session, authenticated as its superuser; the gateway only emulates a
 * login as another role (SET [LOCAL] ROLE). A real Postgres refuses `SET ROLE postgres`
 * to a non-member role because of who logged in; here the superuser logged in, so
 * Postgres itself would allow it. The gateway refuses such statements for emulated
 * logins instead, with the SQLSTATE Postgres gives (42501), and checks afterwards that
 * the role is still the login's. This makes the stand-in behave like Postgres for the
 * tests; it is not a security boundary (CI runs the same tests on real Postgres).
 */
import { GatewayError } from "./errors.ts";

// SET/RESET ROLE and SET SESSION AUTHORIZATION as a statement of their own (at the start,
// after `;`, in a quoted EXECUTE string or a DO block's BEGIN; not `update t set role = …`),
// and set_config on anything that is not one of the app's own `app.*` variables.
const ROLE_CHANGE =
  /(?:^|[;'"$]|\bbegin)\s*(?:set|reset)\s+(?:(?:local|session)\s+)?(?:role|session[\s_]+authorization)\b|\bset_config\s*\(\s*(?!'app\.)/i;

/** Whether `sql` would change who the session acts as. */
export function changesRole(sql: string): boolean {
  return ROLE_CHANGE.test(sql);
}

/** The error a real Postgres gives a role that may not SET ROLE. */
export function roleChangeRefused(): GatewayError {
  return new GatewayError(400, {
    message: "permission denied to set role (the gateway's emulated login may not change role)",
    severity: "ERROR",
    code: "42501",
  });
}
