/**
 * The parts of oauth4webapi the bank client uses. bank-oauth.ts imports this
 * module dynamically, not the package: a dynamic import of a whole namespace keeps
 * every grant and response processor, while named re-exports let the bundler drop
 * what nothing calls (device flow, CIBA, DPoP, introspection, JARM...).
 */
export {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- re-exported for the loopback stand-in only (bank-oauth.ts)
  allowInsecureRequests,
  authorizationCodeGrantRequest,
  AuthorizationResponseError,
  calculatePKCECodeChallenge,
  ClientSecretBasic,
  discoveryRequest,
  generateRandomCodeVerifier,
  None,
  OperationProcessingError,
  processAuthorizationCodeResponse,
  processDiscoveryResponse,
  processRefreshTokenResponse,
  processRevocationResponse,
  protectedResourceRequest,
  refreshTokenGrantRequest,
  ResponseBodyError,
  revocationRequest,
  validateAuthResponse,
  WWWAuthenticateChallengeError,
} from "oauth4webapi";
