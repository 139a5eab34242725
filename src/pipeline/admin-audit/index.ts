/** Platform administration routes' own events (P9, P16): every call, and refused attempts, bounded. */
export { adminAudit } from "./admin-audit";
export { ADMIN_REFUSAL_CODES, ADMIN_REFUSAL_KEY_PREFIX, ADMIN_REFUSAL_WINDOW_SECONDS, type AdminRefusalCode } from "./refused";
