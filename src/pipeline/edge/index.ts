/** Stage 1, the edge: request id, configuration, HTTPS/TLS, secure headers, and the error path. */
export { edge, refusalRouter, type Downstream, type Edge, type EdgeOptions, type EdgeTargets, type RequestStage } from "./edge";
export { resolveRequestId, REQUEST_ID_HEADER, REQUEST_ID_MAX_LENGTH } from "./request-id";
export {
  withSecureHeaders,
  secureHeaderList,
  documentHeaderList,
  API_CSP,
  HSTS,
  type CspRule,
  type HeaderList,
  type SecureHeaders,
} from "./headers";
export { requireConfig, ConfigUnavailableError } from "./config";
export { enforceTransport, checkTransport, upgradeFor, type TransportFacts, type TransportPolicy, type TransportRefusal } from "./https";
export { onError, NonErrorThrown } from "./error-handler";
