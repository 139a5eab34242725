/**
 * The security-event type the owner's admin script records. Kept apart from the
 * script (which needs Node's `pg`) so the workerd tests can check it is a name of
 * the one vocabulary, src/lib/security-events.ts.
 */
export const ADMIN_GRANTED_EVENT = "admin_granted";
