/**
 * Stage 5, rate limits (P4) with tenant-scoped, hashed keys (P12): the table of
 * policies, key derivation, the limiters, the response fields and the stage.
 */
export { deferRedisCheck } from "./checks";
export {
  policyHeader,
  rateLimitFields,
  rateLimitHeader,
  RATE_LIMIT_HEADER,
  RATE_LIMIT_POLICY_HEADER,
  windowSeconds,
  type LimitState,
} from "./headers";
export {
  clientAddress,
  identifierHash,
  KEY_PREFIX,
  limitPrefix,
  normalizeAccount,
  recentSuccessKey,
  RECENT_SUCCESS_SECONDS,
  subjectKey,
} from "./keys";
export { TURNSTILE_FIELD } from "./challenge";
export { EPHEMERAL_CACHE, limiterClient } from "./limiters";
export { settleOrgLimits } from "./org-admission";
export {
  DEFAULT_POLICY,
  RATE_LIMIT_POLICIES,
  REFRESH_COOKIE,
  resolvePolicy,
  type LimitRule,
  type LimitScope,
  type LimitSubject,
  type RateLimitPolicy,
  type RateLimitPolicyName,
  type UnavailablePolicy,
  type Window,
} from "./policies";
export { CLIENT_IP_HEADER, rateLimit, UNAVAILABLE_RETRY_AFTER } from "./rate-limit";
