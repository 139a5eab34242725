/**
 * Access tokens (P8): short-lived JWTs (`typ: at+jwt`, RFC 9068) signed with the
 * first key of JWT_SIGNING_KEYS (EdDSA/Ed25519 or ES256), carrying `iss`, `aud`,
 * `sub` (user), `sid` (session), `aal`, `amr`, `iat`, `nbf`, `exp` and `adm` for
 * platform super administrators. Verification accepts only the configured keys and
 * algorithms (never `none`, never a symmetric algorithm, which rules out a token
 * "signed" with a public key as an HMAC secret), checks issuer, audience, type,
 * expiry, not-before and age. Keys are imported once per isolate (per parsed config).
 */
import type * as Jose from "./jose.lib";
import type { JWK, JWTVerifyGetKey } from "jose";
import type { SigningJwk } from "../config/identity";
import type { Config } from "../env";
import { err, ok, type Result } from "../lib/result";

/** Authenticator assurance levels (P7). */
export type Aal = "aal1" | "aal2";

/** What an access token says about its bearer. */
export interface AccessClaims {
  readonly userId: string;
  readonly sessionId: string;
  readonly aal: Aal;
  readonly amr: readonly string[];
  readonly superAdmin: boolean;
}

/** The public part of a signing key, as published in the JWKS. */
export type PublicJwk = Omit<SigningJwk, "d"> & { readonly use: "sig" };

/** The JWT `typ` of access tokens. */
export const ACCESS_TOKEN_TYPE = "at+jwt";

// jose loads with the first token signed or verified, not with the worker (only the parts ./jose.lib names).
let library: Promise<typeof Jose> | undefined;
const jose = (): Promise<typeof Jose> => (library ??= import("./jose.lib"));

interface KeyState {
  readonly signer: ReturnType<typeof Jose.importJWK>;
  readonly signerJwk: SigningJwk;
  readonly verifier: JWTVerifyGetKey;
  readonly algorithms: readonly string[];
  readonly published: readonly PublicJwk[];
}

const states = new WeakMap<readonly SigningJwk[], Promise<KeyState>>();

function publicPart(key: SigningJwk): PublicJwk {
  const { d: _private, ...rest } = key;
  return { ...rest, use: "sig" };
}

async function buildState(keys: readonly SigningJwk[]): Promise<KeyState> {
  const [signerJwk] = keys;
  if (signerJwk === undefined) throw new TypeError("JWT_SIGNING_KEYS is empty");
  const { createLocalJWKSet, importJWK } = await jose();
  const published = keys.map(publicPart);
  return {
    signerJwk,
    signer: importJWK(signerJwk as JWK, signerJwk.alg),
    verifier: createLocalJWKSet({ keys: published as JWK[] }),
    algorithms: [...new Set(keys.map((k) => k.alg))],
    published,
  };
}

function keyState(keys: readonly SigningJwk[]): Promise<KeyState> {
  let state = states.get(keys);
  if (state === undefined) {
    state = buildState(keys);
    // A key that does not import is a configuration error; a later request tries again.
    state.catch(() => states.delete(keys));
    states.set(keys, state);
  }
  return state;
}

/**
 * Signs an access token for a session.
 *
 * @example
 * ```ts
 * const { token, expiresIn } = await signAccessToken(config, { userId, sessionId, aal: "aal1", amr: ["pwd"], superAdmin: false });
 * ```
 */
export async function signAccessToken(config: Config, claims: AccessClaims): Promise<{ token: string; expiresIn: number }> {
  const state = await keyState(config.secrets.jwtSigningKeys);
  const { issuer, audience, accessTtlSeconds } = config.identity.jwt;
  const now = Math.floor(Date.now() / 1000);
  const { SignJWT } = await jose();
  const token = await new SignJWT({
    sid: claims.sessionId,
    aal: claims.aal,
    amr: [...claims.amr],
    ...(claims.superAdmin ? { adm: true } : {}),
  })
    .setProtectedHeader({ alg: state.signerJwk.alg, kid: state.signerJwk.kid, typ: ACCESS_TOKEN_TYPE })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(claims.userId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + accessTtlSeconds)
    .sign(await state.signer);
  return { token, expiresIn: accessTtlSeconds };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a token was refused, for the log (the client only ever hears `invalid_token`). */
export type TokenRefusal = "malformed" | "rejected" | "claims";

/** Verifies an access token; the reason of a refusal is for logs only. */
export async function verifyAccessToken(config: Config, token: string): Promise<Result<AccessClaims, TokenRefusal>> {
  // A JWT is three base64url parts; anything else is refused before any parsing.
  if (token.length > 4096 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return err("malformed");
  const state = await keyState(config.secrets.jwtSigningKeys);
  const { issuer, audience, accessTtlSeconds } = config.identity.jwt;
  const { decodeProtectedHeader, jwtVerify } = await jose();
  let payload: Record<string, unknown>;
  try {
    // The header is checked before jose verifies: for an algorithm outside the list or an
    // unreadable header, jose's verification rejects a promise before anyone awaits it,
    // which the runtime reports as an unhandled rejection (once per forged request).
    const header = decodeProtectedHeader(token);
    if (typeof header.alg !== "string" || !state.algorithms.includes(header.alg) || header.typ !== ACCESS_TOKEN_TYPE)
      return err("rejected");
    ({ payload } = await jwtVerify(token, state.verifier, {
      issuer,
      audience,
      algorithms: [...state.algorithms],
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ["sub", "sid", "aal", "amr", "iat", "nbf", "exp"],
      maxTokenAge: accessTtlSeconds,
      clockTolerance: 5,
    }));
  } catch {
    // jose's error says which check failed; none of it is for the client, and a
    // forged token is not worth a log line per request (rate limits apply).
    return err("rejected");
  }
  const { sub, sid, aal, amr, adm } = payload;
  if (typeof sub !== "string" || !UUID.test(sub) || typeof sid !== "string" || !UUID.test(sid)) return err("claims");
  if ((aal !== "aal1" && aal !== "aal2") || !Array.isArray(amr) || !amr.every((m) => typeof m === "string")) return err("claims");
  return ok({ userId: sub, sessionId: sid, aal, amr, superAdmin: adm === true });
}

/** The JWKS: every configured key's public part, current first (P8). */
export async function publicJwks(config: Config): Promise<{ keys: readonly PublicJwk[] }> {
  return { keys: (await keyState(config.secrets.jwtSigningKeys)).published };
}
