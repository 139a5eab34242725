/**
 * The bank's OAuth2 authorization server, through `oauth4webapi` (loaded on first use):
 * metadata discovery (cached per isolate for 5 minutes), the authorization URL with
 * PKCE (S256) and state, the code exchange (the authorization response's `iss` is
 * checked when present, and required when the server advertises RFC 9207), refresh,
 * revocation and one protected call (userinfo) to prove a token works. Every request
 * has a deadline. Plain http is allowed only for an issuer on a loopback host (the
 * local stand-in): the configuration refuses anything else.
 *
 * Failures are a {@link BankError} whose `reason` is safe to log and to put in a
 * redirect: the bank's own error code (`access_denied`, `invalid_grant`, …) or one of
 * ours (`issuer_mismatch`, `invalid_response`, `unavailable`). Tokens never appear in one.
 */
import type { AuthorizationServer, Client, ClientAuth, TokenEndpointResponse } from "oauth4webapi";
import type { BankConfig } from "../config/integrations";

/** Deadline of each request to the bank. */
const TIMEOUT_MS = 5000;
const DISCOVERY_TTL_MS = 5 * 60_000;
const OAUTH_ERROR = /^[\w.-]{1,64}$/;

/** Why the bank did not give what was asked. */
export class BankError extends Error {
  override readonly name = "BankError";
  /** The bank's error code, or `issuer_mismatch`, `invalid_response`, `unavailable`. */
  readonly reason: string;
  /** True when the bank answered and refused (a grant it no longer honours), false for outages. */
  readonly refused: boolean;

  constructor(reason: string, refused: boolean, cause?: unknown) {
    super(reason, cause === undefined ? undefined : { cause });
    this.reason = OAUTH_ERROR.test(reason) ? reason : "invalid_response";
    this.refused = refused;
  }
}

/** Tokens as the bank issued them. */
export interface BankTokens {
  readonly accessToken: string;
  /** Absent when the bank issued none (or kept the old one on refresh). */
  readonly refreshToken: string | undefined;
  readonly expiresAt: Date | null;
  readonly scopes: readonly string[];
}

// The library loads with the first bank call (only the parts ./bank-oauth.lib names).
const lib = () => import("./bank-oauth.lib");
type Lib = Awaited<ReturnType<typeof lib>>;

const discovered = new Map<string, { readonly server: Promise<AuthorizationServer>; readonly until: number }>();

function requestOptions(oauth: Lib, bank: BankConfig) {
  // The configuration accepts http only for a loopback issuer (the local stand-in).
  const insecure = new URL(bank.issuer).protocol === "http:";
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the library's marker of "local development only", which this is
  const allowInsecure = oauth.allowInsecureRequests;
  return { signal: () => AbortSignal.timeout(TIMEOUT_MS), ...(insecure ? { [allowInsecure]: true } : {}) };
}

/** Maps a library or network failure to a {@link BankError}. */
function failure(oauth: Lib, error: unknown): BankError {
  if (error instanceof BankError) return error;
  if (error instanceof oauth.AuthorizationResponseError) return new BankError(error.error, true, error);
  // An OAuth error body: a 4xx is the bank refusing (invalid_grant, invalid_client); a 5xx an outage.
  if (error instanceof oauth.ResponseBodyError) return new BankError(error.error, error.status < 500, error);
  if (error instanceof oauth.OperationProcessingError) {
    if (error.message.includes('"iss"') || error.message.includes('"issuer"')) return new BankError("issuer_mismatch", true, error);
    // Not what OAuth answers (an HTML error page, a malformed body): not proof the grant is gone.
    return new BankError("invalid_response", false, error);
  }
  return new BankError("unavailable", false, error);
}

/** The bank's metadata, from discovery (`BANK_DISCOVERY`), cached per isolate. */
async function authorizationServer(oauth: Lib, bank: BankConfig): Promise<AuthorizationServer> {
  const key = `${bank.discovery}:${bank.issuer}`;
  const cached = discovered.get(key);
  if (cached !== undefined && cached.until > Date.now()) return cached.server;
  const issuer = new URL(bank.issuer);
  const server = oauth
    .discoveryRequest(issuer, { algorithm: bank.discovery, ...requestOptions(oauth, bank) })
    .then((response) => oauth.processDiscoveryResponse(issuer, response));
  discovered.set(key, { server, until: Date.now() + DISCOVERY_TTL_MS });
  // A failed discovery is not kept: the next request tries again.
  server.catch(() => discovered.delete(key));
  return server;
}

const clientOf = (bank: BankConfig): Client => ({ client_id: bank.clientId });
const authOf = (oauth: Lib, secret: string | undefined): ClientAuth =>
  secret === undefined ? oauth.None() : oauth.ClientSecretBasic(secret);

function tokensOf(response: TokenEndpointResponse, fallbackScopes: string): BankTokens {
  const expiresIn = response.expires_in;
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: typeof expiresIn === "number" && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
    scopes: (response.scope ?? fallbackScopes).split(" ").filter((s) => s !== ""),
  };
}

/** A fresh PKCE pair: the verifier (kept until the callback) and its S256 challenge. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const oauth = await lib();
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

/**
 * The URL that sends the user to the bank to approve the connection.
 *
 * @example
 * ```ts
 * const url = await authorizationUrl(bank, { redirectUri, state, codeChallenge });
 * ```
 */
export async function authorizationUrl(
  bank: BankConfig,
  request: { readonly redirectUri: string; readonly state: string; readonly codeChallenge: string },
): Promise<string> {
  const oauth = await lib();
  try {
    const server = await authorizationServer(oauth, bank);
    if (server.authorization_endpoint === undefined) throw new BankError("invalid_response", true);
    const url = new URL(server.authorization_endpoint);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", bank.clientId);
    url.searchParams.set("redirect_uri", request.redirectUri);
    url.searchParams.set("scope", bank.scopes);
    url.searchParams.set("state", request.state);
    url.searchParams.set("code_challenge", request.codeChallenge);
    url.searchParams.set("code_challenge_method", "S256");
    return url.href;
  } catch (error) {
    throw failure(oauth, error);
  }
}

/**
 * Checks the authorization response (state, `iss`, the bank's error) and exchanges its
 * code for tokens with the PKCE verifier.
 */
export async function exchangeCode(
  bank: BankConfig,
  clientSecret: string | undefined,
  callback: URLSearchParams,
  expected: { readonly state: string; readonly redirectUri: string; readonly verifier: string },
): Promise<BankTokens> {
  const oauth = await lib();
  try {
    const server = await authorizationServer(oauth, bank);
    const client = clientOf(bank);
    const params = oauth.validateAuthResponse(server, client, callback, expected.state);
    const response = await oauth.authorizationCodeGrantRequest(
      server,
      client,
      authOf(oauth, clientSecret),
      params,
      expected.redirectUri,
      expected.verifier,
      requestOptions(oauth, bank),
    );
    return tokensOf(await oauth.processAuthorizationCodeResponse(server, client, response), bank.scopes);
  } catch (error) {
    throw failure(oauth, error);
  }
}

/** New tokens for a refresh token (a bank that rotates refresh tokens returns a new one). */
export async function refreshTokens(bank: BankConfig, clientSecret: string | undefined, refreshToken: string): Promise<BankTokens> {
  const oauth = await lib();
  try {
    const server = await authorizationServer(oauth, bank);
    const client = clientOf(bank);
    const response = await oauth.refreshTokenGrantRequest(
      server,
      client,
      authOf(oauth, clientSecret),
      refreshToken,
      requestOptions(oauth, bank),
    );
    return tokensOf(await oauth.processRefreshTokenResponse(server, client, response), bank.scopes);
  } catch (error) {
    throw failure(oauth, error);
  }
}

/** Revokes a token at the bank (RFC 7009); false when the bank offers no revocation endpoint. */
export async function revokeToken(bank: BankConfig, clientSecret: string | undefined, token: string): Promise<boolean> {
  const oauth = await lib();
  try {
    const server = await authorizationServer(oauth, bank);
    if (server.revocation_endpoint === undefined) return false;
    const response = await oauth.revocationRequest(server, clientOf(bank), authOf(oauth, clientSecret), token, requestOptions(oauth, bank));
    await oauth.processRevocationResponse(response);
    return true;
  } catch (error) {
    throw failure(oauth, error);
  }
}

/** Uses an access token once (the bank's userinfo endpoint): true when the bank accepts it. */
export async function tokenWorks(bank: BankConfig, accessToken: string): Promise<boolean> {
  const oauth = await lib();
  try {
    const server = await authorizationServer(oauth, bank);
    if (server.userinfo_endpoint === undefined) return true;
    const response = await oauth.protectedResourceRequest(
      accessToken,
      "GET",
      new URL(server.userinfo_endpoint),
      undefined,
      undefined,
      requestOptions(oauth, bank),
    );
    await response.body?.cancel();
    if (response.status === 401) return false;
    if (!response.ok) throw new BankError("unavailable", false);
    return true;
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) return false;
    throw failure(oauth, error);
  }
}
