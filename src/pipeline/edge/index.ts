/** The edge stages: request id, secure headers, config, HTTPS/TLS, and the error path. */
export { requestIdStage, REQUEST_ID_HEADER, REQUEST_ID_MAX_LENGTH } from "./request-id";
export { secureResponseHeaders, API_CSP, HSTS, type CspRule, type CspDirectives } from "./headers";
export { loadConfig, ConfigUnavailableError } from "./config";
export { httpsOnly, checkTransport, upgradeFor, type TransportFacts, type TransportPolicy, type TransportRefusal } from "./https";
export { onError, normalizeThrown, NonErrorThrown } from "./fallback";
