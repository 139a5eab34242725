/**
 * Integrations (P10, P12, P18): Stripe's webhook and the organization's billing status;
 * the bank's OAuth2 connection (code + PKCE); the re-encryption job of integration
 * secrets after a data-key rotation. Routes are declared with their full paths: the
 * webhook and the OAuth callback live outside /v1 (their senders are Stripe and the
 * user's browser coming back from the bank).
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../context";
import { createRouter } from "../../http/openapi";
import { bankCallback, checkBankConnection, connectBank, disconnectBank, getBankConnection } from "./bank.handlers";
import { callbackRoute, checkRoute, connectRoute, disconnectRoute, statusRoute } from "./bank.routes";
import { reencryptSecrets } from "./rotation.handlers";
import { reencryptRoute } from "./rotation.routes";
import { getBillingStatus, receiveStripeEvent } from "./stripe.handlers";
import { billingStatusRoute, stripeWebhookRoute } from "./stripe.routes";

/** Where the module is mounted (its routes carry full paths). */
export const INTEGRATIONS_BASE_PATH = "/";

export function createIntegrationsRouter(): OpenAPIHono<AppEnv> {
  const router = createRouter();
  router.openapi(stripeWebhookRoute, receiveStripeEvent);
  router.openapi(billingStatusRoute, getBillingStatus);
  router.openapi(connectRoute, connectBank);
  router.openapi(callbackRoute, bankCallback);
  router.openapi(statusRoute, getBankConnection);
  router.openapi(checkRoute, checkBankConnection);
  router.openapi(disconnectRoute, disconnectBank);
  router.openapi(reencryptRoute, reencryptSecrets);
  return router;
}
