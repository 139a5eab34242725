/** Stage 4, authenticate (P7, P8, P9): the route's declared requirement, access tokens, revocation at once, API keys. */
export { authenticate } from "./authenticate";
export { API_KEY_PREFIX } from "../../crypto/api-keys";
export { apiKeyActor, invalidToken, settleApiKey, SEEN_API_KEY_PREFIX, UNKNOWN_API_KEY_STATE } from "./api-key";
export { authErrors, needsAal2, securityOf, SECURITY_SCHEMES, type AuthRequirement, type PrincipalKind } from "./requirement";
export { markSessionsRevoked, revokeAtOnce, LAST_SEEN_INTERVAL_SECONDS, REVOKED_SESSION_PREFIX, SEEN_SESSION_PREFIX } from "./revocation";
