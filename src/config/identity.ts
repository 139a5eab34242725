/**
 * Identity settings (P5–P8): the web app's URL for email links, the browser origins
 * allowed to call the API, the access-token signing keys and claims, session
 * lifetimes, password hashing and breach checks, Turnstile. Parsed with the rest of
 * the configuration (src/env.ts); limits that a promise depends on are enforced here
 * (an access token lives at most 15 minutes, the refresh grace at most 10 seconds,
 * bcrypt costs at least 10), so a typo cannot weaken them.
 */
import { z } from "zod";
import { integer, origin, secret, serviceUrl, text } from "./rules";

/** The identity bindings (wrangler.toml [vars] and secrets). */
export const IDENTITY_BINDINGS = [
  "APP_URL",
  "CORS_ORIGINS",
  "JWT_SIGNING_KEYS",
  "JWT_ISSUER",
  "JWT_AUDIENCE",
  "ACCESS_TOKEN_TTL_SECONDS",
  "SESSION_IDLE_TIMEOUT_SECONDS",
  "SESSION_MAX_AGE_SECONDS",
  "REFRESH_REUSE_GRACE_SECONDS",
  "BCRYPT_COST",
  "HIBP_API_URL",
  "HIBP_TIMEOUT_MS",
  "TURNSTILE_SECRET_KEY",
  "TURNSTILE_VERIFY_URL",
  "TOKEN_HASH_SECRET",
  "EMAIL_FROM",
] as const;

/** One signing key as a JWK: EdDSA (Ed25519) or ES256 (P-256); `d` only on private keys. */
export interface SigningJwk {
  readonly kty: "OKP" | "EC";
  readonly crv: "Ed25519" | "P-256";
  readonly alg: "EdDSA" | "ES256";
  readonly kid: string;
  readonly x: string;
  readonly y?: string | undefined;
  readonly d?: string | undefined;
}

const b64url = z.string().regex(/^[\w-]{16,200}$/, "must be base64url");
const jwk = z.union([
  z.object({
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    alg: z.literal("EdDSA"),
    kid: text.max(128),
    x: b64url,
    d: b64url.optional(),
  }),
  z.object({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    alg: z.literal("ES256"),
    kid: text.max(128),
    x: b64url,
    y: b64url,
    d: b64url.optional(),
  }),
]);

function parseJson(value: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    // The value is a secret: say what is wrong, never echo it.
    ctx.addIssue({ code: "custom", message: "must be a JSON array of JWKs" });
    return z.NEVER;
  }
}

/**
 * JWT_SIGNING_KEYS: a JSON array of JWKs, newest first. The first signs and must be
 * private; the others (previous keys, private or public) only verify until the
 * tokens they signed have expired. Key ids are unique.
 */
const signingKeys = secret(2)
  .transform(parseJson)
  .pipe(z.array(jwk).min(1).max(5))
  .refine((keys) => keys[0]?.d !== undefined, { message: "the first key signs, so it must be a private JWK (with d)" })
  .refine((keys) => new Set(keys.map((k) => k.kid)).size === keys.length, { message: "key ids (kid) must be unique" });

const originList = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((o) => o.trim().replace(/\/$/, ""))
      .filter((o) => o !== ""),
  )
  .pipe(z.array(origin).max(20));

/** The zod shape of the identity bindings, merged into the configuration's schema. */
export const identityShape = {
  APP_URL: serviceUrl("https:", "http:"),
  CORS_ORIGINS: originList.default([]),
  JWT_SIGNING_KEYS: signingKeys,
  JWT_ISSUER: text.max(200).default("rampart"),
  JWT_AUDIENCE: text.max(200).default("rampart-api"),
  // P8: at most 15 minutes.
  ACCESS_TOKEN_TTL_SECONDS: integer(60, 900).default(900),
  SESSION_IDLE_TIMEOUT_SECONDS: integer(300, 90 * 86400).default(7 * 86400),
  SESSION_MAX_AGE_SECONDS: integer(3600, 365 * 86400).default(30 * 86400),
  // P8: a rotated refresh token retried within this window gets the same successor; at most 10 s.
  REFRESH_REUSE_GRACE_SECONDS: integer(0, 10).default(10),
  // P5: cost 10 or more (each step doubles the work).
  BCRYPT_COST: integer(10, 14).default(10),
  HIBP_API_URL: serviceUrl("https:", "http:").default("https://api.pwnedpasswords.com"),
  HIBP_TIMEOUT_MS: integer(100, 1000).default(1000),
  TURNSTILE_SECRET_KEY: secret(10).optional(),
  TURNSTILE_VERIFY_URL: serviceUrl("https:", "http:").default("https://challenges.cloudflare.com/turnstile/v0/siteverify"),
  TOKEN_HASH_SECRET: secret(32),
  EMAIL_FROM: text.max(200).default("Rampart <no-reply@rampart.example>"),
} as const;

/** The parsed identity bindings. */
export type IdentityBindings = z.infer<z.ZodObject<typeof identityShape>>;

/** Identity settings, without secrets. */
export interface IdentityConfig {
  /** Base of the links in emails (`${appUrl}/verify-email?token=…`). */
  readonly appUrl: string;
  /** Browser origins allowed to call the API with credentials (CORS, cookie endpoints). */
  readonly corsOrigins: readonly string[];
  readonly jwt: { readonly issuer: string; readonly audience: string; readonly accessTtlSeconds: number };
  readonly sessions: { readonly idleSeconds: number; readonly maxAgeSeconds: number; readonly reuseGraceSeconds: number };
  readonly passwords: { readonly bcryptCost: number; readonly hibpUrl: string; readonly hibpTimeoutMs: number };
  /** Turnstile is on when its secret is set. */
  readonly turnstile: { readonly enabled: boolean; readonly verifyUrl: string };
  readonly emailFrom: string;
}

/** The identity secrets, kept with the others in `config.secrets`. */
export interface IdentitySecrets {
  readonly jwtSigningKeys: readonly SigningJwk[];
  readonly tokenHashSecret: string;
  readonly turnstileSecret: string | undefined;
}

/** The identity settings and secrets from parsed bindings. */
export function identityConfig(v: IdentityBindings): { identity: IdentityConfig; secrets: IdentitySecrets } {
  return {
    identity: {
      appUrl: v.APP_URL.replace(/\/$/, ""),
      corsOrigins: v.CORS_ORIGINS,
      jwt: { issuer: v.JWT_ISSUER, audience: v.JWT_AUDIENCE, accessTtlSeconds: v.ACCESS_TOKEN_TTL_SECONDS },
      sessions: {
        idleSeconds: Math.min(v.SESSION_IDLE_TIMEOUT_SECONDS, v.SESSION_MAX_AGE_SECONDS),
        maxAgeSeconds: v.SESSION_MAX_AGE_SECONDS,
        reuseGraceSeconds: v.REFRESH_REUSE_GRACE_SECONDS,
      },
      passwords: { bcryptCost: v.BCRYPT_COST, hibpUrl: v.HIBP_API_URL.replace(/\/$/, ""), hibpTimeoutMs: v.HIBP_TIMEOUT_MS },
      turnstile: { enabled: v.TURNSTILE_SECRET_KEY !== undefined, verifyUrl: v.TURNSTILE_VERIFY_URL },
      emailFrom: v.EMAIL_FROM,
    },
    secrets: { jwtSigningKeys: v.JWT_SIGNING_KEYS, tokenHashSecret: v.TOKEN_HASH_SECRET, turnstileSecret: v.TURNSTILE_SECRET_KEY },
  };
}
