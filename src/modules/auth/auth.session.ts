/**
 * Issuing a session's tokens (P8). The access token goes in the body; where the
 * refresh token goes depends on the client: a request with an `Origin` header is a
 * browser, which must come from an allowed origin (CORS_ORIGINS) and gets the
 * refresh token only in the `__Host-rampart-refresh` cookie (HttpOnly, Secure,
 * SameSite=Strict, Path=/), never in a body its scripts could read; a request
 * without `Origin` (native, mobile and server clients) gets it in the body.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../context";
import { signAccessToken, type AccessClaims } from "../../crypto/jwt";
import { randomToken, REFRESH_TOKEN_PREFIX, tokenDigest } from "../../crypto/tokens";
import { AppError } from "../../http/errors";
import { REFRESH_COOKIE } from "../../pipeline/rate-limit";
import type { NewSession } from "./auth.db";
import { clientFacts } from "./auth.client";

/** Who is asking: a browser (an allowed Origin) or a client without one. */
export type ClientKind = "browser" | "native";

/**
 * The client's kind; a browser from an origin not in CORS_ORIGINS is refused
 * (403 `origin_not_allowed`), so a cross-site page can neither obtain nor use the cookie.
 */
export function clientKind(c: Context<AppEnv>): ClientKind {
  const origin = c.req.header("origin");
  if (origin === undefined) return "native";
  if (!c.env.edge.config.identity.corsOrigins.includes(origin)) throw new AppError("origin_not_allowed");
  return "browser";
}

/** A fresh refresh token and what the database stores of it and of the client. */
export async function newSession(c: Context<AppEnv>): Promise<{ refreshToken: string; session: NewSession }> {
  const config = c.env.edge.config;
  const refreshToken = randomToken(REFRESH_TOKEN_PREFIX);
  const { ipPrefix, userAgent } = clientFacts(c);
  const { idleSeconds, maxAgeSeconds } = config.identity.sessions;
  return {
    refreshToken,
    session: {
      refreshDigest: await tokenDigest(config.secrets.tokenHashSecret, "refresh", refreshToken),
      idleSeconds,
      maxSeconds: maxAgeSeconds,
      ipPrefix,
      userAgent,
    },
  };
}

/** The refresh token a request presents: the cookie for browsers, the body field otherwise. */
export function presentedRefreshToken(c: Context<AppEnv>, kind: ClientKind, bodyToken: string | undefined): string | undefined {
  return kind === "browser" ? getCookie(c, REFRESH_COOKIE) : bodyToken;
}

/** The body of a session answer (the JSON of `SessionTokens`). */
export interface SessionTokensBody {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  session_id: string;
  refresh_token?: string;
}

/** Signs the access token and places the refresh token (cookie or body). */
export async function sessionTokens(
  c: Context<AppEnv>,
  kind: ClientKind,
  claims: AccessClaims,
  refreshToken: string,
): Promise<SessionTokensBody> {
  const config = c.env.edge.config;
  const { token, expiresIn } = await signAccessToken(config, claims);
  const body: SessionTokensBody = { access_token: token, token_type: "Bearer", expires_in: expiresIn, session_id: claims.sessionId };
  if (kind === "native") return { ...body, refresh_token: refreshToken };
  setCookie(c, REFRESH_COOKIE, refreshToken, {
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "Strict",
    maxAge: config.identity.sessions.maxAgeSeconds,
  });
  return body;
}

/** Removes the browser's refresh cookie (logout, a refused refresh). */
export function clearRefreshCookie(c: Context<AppEnv>): void {
  deleteCookie(c, REFRESH_COOKIE, { path: "/", secure: true, httpOnly: true, sameSite: "Strict" });
}
