/** Stage 2, the WAF (P3): pure rules with anomaly scoring, before any route work. */
export { waf, type WafOptions, type WafConfig } from "./waf";
export { WAF_INSPECTION_CAP, readBodyBounded } from "./body";
export { wafRouteIndex, exclusionTest, WAF_ROUTE, type WafRouteFacts, type WafRouteIndex, type RegisteredDefinition } from "./routes";
export { compileRules, inspect, scoreOf, splitTarget, type CompiledRules, type ExclusionTest } from "./engine";
export { normalise, excerpt } from "./normalise";
export { wafPatterns, VALUE_RULES, REQUEST_RULES, looksLikeSqlInjection } from "./rules";
export {
  WAF_GROUPS,
  type WafGroup,
  type WafRequest,
  type WafMatch,
  type WafExclusion,
  type WafRouteOptions,
  type WafPolicy,
  type Paranoia,
} from "./types";
