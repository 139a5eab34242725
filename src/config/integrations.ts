/**
 * Integration settings (P18): the bank's OAuth2 authorization server. The bank is
 * optional: without BANK_ISSUER its routes answer 503 `bank_not_configured`. The issuer
 * must be https, except on a loopback host (the local stand-in); the client secret is
 * optional (a public client still has PKCE) and kept with the other secrets.
 * Stripe's webhook secrets are STRIPE_WEBHOOK_SECRETS (src/env.ts): comma-separated,
 * each `whsec_…`.
 */
import { z } from "zod";
import { secret, serviceUrl, text } from "./rules";

/** The integration bindings (wrangler.toml [vars] and secrets). */
export const INTEGRATION_BINDINGS = ["BANK_ISSUER", "BANK_CLIENT_ID", "BANK_CLIENT_SECRET", "BANK_SCOPES", "BANK_DISCOVERY"] as const;

/** The zod shape of the integration bindings, merged into the configuration's schema. */
export const integrationsShape = {
  BANK_ISSUER: serviceUrl("https:", "http:").optional(),
  BANK_CLIENT_ID: text.max(200).optional(),
  BANK_CLIENT_SECRET: secret(8).optional(),
  // Space-separated scopes asked for (RFC 6749 §3.3).
  BANK_SCOPES: text
    .max(500)
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*$/, "must be space-separated OAuth scopes")
    .default("accounts:read"),
  // Where the issuer publishes its metadata: OpenID Connect discovery or RFC 8414.
  BANK_DISCOVERY: z.enum(["oidc", "oauth2"]).default("oidc"),
} as const;

/** The parsed integration bindings. */
export type IntegrationBindings = z.infer<z.ZodObject<typeof integrationsShape>>;

/** The bank's authorization server, when configured. */
export interface BankConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scopes: string;
  readonly discovery: "oidc" | "oauth2";
}

/** Integration settings, without secrets. */
export interface IntegrationsConfig {
  /** Undefined when BANK_ISSUER or BANK_CLIENT_ID is unset: the bank routes answer 503. */
  readonly bank: BankConfig | undefined;
}

/** The integration settings and secrets from parsed bindings. */
export function integrationsConfig(v: IntegrationBindings): {
  integrations: IntegrationsConfig;
  secrets: { readonly bankClientSecret: string | undefined };
} {
  const bank =
    v.BANK_ISSUER === undefined || v.BANK_CLIENT_ID === undefined
      ? undefined
      : { issuer: v.BANK_ISSUER, clientId: v.BANK_CLIENT_ID, scopes: v.BANK_SCOPES, discovery: v.BANK_DISCOVERY };
  return { integrations: { bank }, secrets: { bankClientSecret: v.BANK_CLIENT_SECRET } };
}
