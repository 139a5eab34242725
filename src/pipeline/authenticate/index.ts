/** Stage 4, authenticate (P7, P8): the route's declared requirement, access tokens, revocation at once. */
export { authenticate, API_KEY_PREFIX } from "./authenticate";
export { authErrors, needsAal2, securityOf, SECURITY_SCHEMES, type AuthRequirement, type PrincipalKind } from "./requirement";
export { markSessionsRevoked, revokeAtOnce, LAST_SEEN_INTERVAL_SECONDS, REVOKED_SESSION_PREFIX, SEEN_SESSION_PREFIX } from "./revocation";
