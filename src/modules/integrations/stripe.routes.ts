/**
 * The Stripe webhook and the organization's billing status (P18). The webhook is public
 * (Stripe has no bearer token: its signature is the credential), has no rate limit a
 * burst of deliveries could hit (the `webhook` policy), and lets Stripe's own free text
 * through the WAF's free-text groups (as records' free-text fields): customer names,
 * addresses, descriptions, price nicknames are what someone typed into Stripe, signed by
 * Stripe, never rendered or interpolated here (Rampart reads ids, statuses and lookup
 * keys only). Every other rule still runs on them, and every rule on the rest.
 */
import { defineRoute } from "../../pipeline/route";
import { json, jsonBody } from "../../http/schemas";
import type { WafExclusion } from "../../pipeline/waf";
import { OrgParams } from "../orgs/orgs.schemas";
import { FREE_TEXT_WAF_GROUPS } from "../records/declaration";
import { BillingStatus, StripeEventBody, StripeSignatureHeader, WebhookReceived } from "./stripe.schemas";

/** Where Stripe is told to deliver. */
export const STRIPE_WEBHOOK_PATH = "/webhooks/stripe";

/** Stripe's free-text fields (customer-typed), by event object. */
const FREE_TEXT = [
  "data.object.description",
  "data.object.name",
  "data.object.email",
  "data.object.statement_descriptor",
  "data.object.custom_text.submit.message",
  "data.object.customer_details.name",
  "data.object.customer_details.email",
  "data.object.customer_details.address.line1",
  "data.object.customer_details.address.line2",
  "data.object.customer_details.address.city",
  "data.object.customer_details.address.state",
  "data.object.customer_details.business_name",
  "data.object.customer_details.individual_name",
  "data.object.custom_fields.text.value",
  "data.object.custom_fields.dropdown.value",
  "data.object.custom_fields.numeric.value",
  "data.object.metadata.note",
  "data.object.items.data.price.nickname",
  "data.object.items.data.plan.nickname",
  "data.object.lines.data.description",
  "data.previous_attributes.description",
  "data.previous_attributes.metadata.note",
] as const;

const STRIPE_WAF: { exclude: WafExclusion[] } = {
  exclude: [{ fields: [...FREE_TEXT], groups: FREE_TEXT_WAF_GROUPS }],
};

export const stripeWebhookRoute = defineRoute(
  {
    method: "post",
    path: STRIPE_WEBHOOK_PATH,
    operationId: "receiveStripeEvent",
    tags: ["billing"],
    summary: "Stripe's event deliveries",
    description:
      "Verified with the `stripe` package on the raw body: a `v1` signature by one of `STRIPE_WEBHOOK_SECRETS` (several during a rotation), timestamp within 5 minutes either way; anything else 400 `invalid_signature`. Each event id is processed once, recorded in the same transaction as its effect: a redelivery answers 200 with `duplicate: true` and changes nothing. `checkout.session.completed` binds its customer to the organization in `client_reference_id`; `customer.subscription.*` sets the organization's plan (`pro` / `scale` from the price's lookup key; `free` otherwise) and billing status, never from an event older than the state already applied. An event for a customer bound to no organization is recorded, answered 200 and reported as a security event.",
    request: { headers: StripeSignatureHeader, ...jsonBody(StripeEventBody) },
    responses: { 200: json("Received (applied, duplicate or recorded)", WebhookReceived) },
  },
  { auth: "public", rateLimit: "webhook", waf: STRIPE_WAF, errors: ["invalid_signature", "database_unavailable"] },
);

export const billingStatusRoute = defineRoute(
  {
    method: "get",
    path: "/v1/orgs/{org}/billing",
    operationId: "getBillingStatus",
    tags: ["billing"],
    summary: "The organization's plan, billing status and limits",
    description:
      "Any member. The plan and status come from Stripe's events only; the limits are the plan's (`app.plan_limits()` in the database, which the features that enforce them read).",
    request: { params: OrgParams },
    responses: { 200: json("The plan", BillingStatus) },
  },
  { auth: { principals: ["user"] }, permission: "read" },
);
