/**
 * Schemas of the Stripe webhook and the billing status (OpenAPI and validation). The
 * webhook's body is documented, not validated here: any JSON object reaches the
 * signature check, which decides before anything else looks at it.
 */
import { z } from "@hono/zod-openapi";
import { PLANS, STRIPE_EVENT_OUTCOMES } from "../../db/schema";

export const StripeEventBody = z.looseObject({}).openapi("StripeEvent", {
  description:
    "A Stripe event exactly as Stripe sends it (https://docs.stripe.com/api/events/object), verified against `Stripe-Signature` on the raw bytes.",
  example: {
    id: "evt_1QxYzAbCdEfGhIjK",
    object: "event",
    type: "customer.subscription.updated",
    created: 1764495000,
    data: { object: { id: "sub_1QxYz", object: "subscription", customer: "cus_RkT", status: "active" } },
  },
});

export const StripeSignatureHeader = z.object({
  "stripe-signature": z
    .string()
    .max(2000)
    .optional()
    .openapi({ description: "`t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=…]`, as Stripe signs.", example: "t=1764495000,v1=5257a869e7…" }),
});

export const WebhookReceived = z
  .object({
    received: z.literal(true),
    outcome: z.enum(STRIPE_EVENT_OUTCOMES).openapi({
      description:
        "`applied`; `stale` (older than the state already applied: ignored); `unknown_customer` / `unknown_org` (recorded, a security event, Stripe need not retry); `customer_conflict`; `ignored` (a type Rampart does not act on).",
    }),
    duplicate: z.boolean().openapi({ description: "True when this event id was processed before: nothing changed." }),
  })
  .openapi("StripeWebhookReceived");

export const BillingStatus = z
  .object({
    plan: z.enum(PLANS),
    status: z.string().openapi({
      description: "The governing Stripe subscription's status (`active`, `past_due`, `canceled`, …), or `none`.",
      example: "active",
    }),
    current_period_end: z.iso.datetime().nullable(),
    limits: z.object({
      max_members: z.number().int(),
      evidence_storage_bytes: z.number().int(),
      oauth_sign_in_providers: z.array(z.string()),
    }),
  })
  .openapi("BillingStatus");
export type BillingStatusOut = z.infer<typeof BillingStatus>;
