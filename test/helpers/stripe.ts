/**
 * Stripe events for tests, in the shapes Stripe delivers them (API version
 * 2025-10-29.clover: a checkout session with customer details and custom fields, a
 * subscription with its items, prices and products, an invoice with lines), signed with
 * the `stripe` package's own `generateTestHeaderStringAsync` and its WebCrypto provider,
 * exactly as the worker verifies them. Every id is unique per call, so test files can
 * share the database.
 */
import Stripe from "stripe";
import { call, testEnv } from "./worker";

/** A Stripe-style id: prefix + 24 random base62-ish characters. */
export const stripeId = (prefix: string): string => `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

/** The webhook secrets the test deployment accepts, in order. */
export const testSecrets = (): string[] => (testEnv.STRIPE_WEBHOOK_SECRETS ?? "").split(",").map((s) => s.trim());

const API_VERSION = "2025-10-29.clover";
const now = (): number => Math.floor(Date.now() / 1000);

/** The event envelope around `object`, as Stripe sends it. */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  options: { created?: number; id?: string; previous?: Record<string, unknown> } = {},
) {
  return {
    id: options.id ?? stripeId("evt"),
    object: "event",
    api_version: API_VERSION,
    created: options.created ?? now(),
    data: { object, ...(options.previous ? { previous_attributes: options.previous } : {}) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: stripeId("req"), idempotency_key: crypto.randomUUID() },
    type,
  };
}

/** A completed checkout session for `orgId` (its `client_reference_id`), paying with `customer`. */
export function checkoutSession(orgId: string | null, customer: string, subscription: string, name = "Ada Lovelace") {
  return {
    id: stripeId("cs_test"),
    object: "checkout.session",
    adaptive_pricing: { enabled: true },
    after_expiration: null,
    allow_promotion_codes: false,
    amount_subtotal: 4900,
    amount_total: 4900,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: "required",
    cancel_url: "https://app.rampart.example/billing?canceled=1",
    client_reference_id: orgId,
    client_secret: null,
    collected_information: { business_name: null, individual_name: null, shipping_details: null },
    consent: null,
    consent_collection: null,
    created: now() - 120,
    currency: "eur",
    custom_fields: [
      {
        key: "vat_note",
        label: { custom: "Note for the invoice", type: "custom" },
        optional: true,
        text: { default_value: null, maximum_length: 255, minimum_length: null, value: "Kostenstelle 4711; bitte 'Compliance' angeben" },
        type: "text",
      },
    ],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: { message: "Questions? Write to billing@rampart.example <support>" },
      terms_of_service_acceptance: null,
    },
    customer,
    customer_creation: "always",
    customer_details: {
      address: {
        city: "Düsseldorf",
        country: "DE",
        line1: "Königsallee 1; 3. OG",
        line2: "c/o O'Brien & Söhne",
        postal_code: "40212",
        state: null,
      },
      business_name: "O'Brien & Söhne GmbH",
      email: "ada+billing@example.org",
      individual_name: null,
      name,
      phone: null,
      tax_exempt: "none",
      tax_ids: [],
    },
    customer_email: null,
    discounts: [],
    expires_at: now() + 86_000,
    invoice: "in_1SQxTestInvoice",
    invoice_creation: null,
    livemode: false,
    locale: "de",
    metadata: { org_id: orgId ?? "", note: "Upgrade requested by the CISO -- see ticket #42" },
    mode: "subscription",
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: "always",
    payment_method_configuration_details: { id: "pmc_1SQxTest", parent: null },
    payment_method_options: { card: { request_three_d_secure: "automatic" } },
    payment_method_types: ["card", "sepa_debit"],
    payment_status: "paid",
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: { allow_redisplay_filters: ["always"], payment_method_remove: "disabled", payment_method_save: null },
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: "complete",
    submit_type: null,
    subscription,
    success_url: "https://app.rampart.example/billing?session_id={CHECKOUT_SESSION_ID}",
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: "hosted",
    url: null,
    wallet_options: null,
  };
}

/** A subscription of `customer` to the price with `lookupKey`, in `status`. */
export function subscription(
  id: string,
  customer: string,
  status: string,
  lookupKey: string | null = "pro_monthly",
  extra: Record<string, unknown> = {},
) {
  const start = now() - 3600;
  const price = {
    id: stripeId("price"),
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: start - 86_400,
    currency: "eur",
    custom_unit_amount: null,
    livemode: false,
    lookup_key: lookupKey,
    metadata: {},
    nickname: "Pro (monthly) <b>popular</b>",
    product: stripeId("prod"),
    recurring: { interval: "month", interval_count: 1, meter: null, trial_period_days: null, usage_type: "licensed" },
    tax_behavior: "exclusive",
    tiers_mode: null,
    transform_quantity: null,
    type: "recurring",
    unit_amount: 4900,
    unit_amount_decimal: "4900",
  };
  return {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: start,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: "classic" },
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: status === "canceled" ? now() : null,
    cancellation_details: { comment: null, feedback: null, reason: status === "canceled" ? "cancellation_requested" : null },
    collection_method: "charge_automatically",
    created: start,
    currency: "eur",
    customer,
    days_until_due: null,
    default_payment_method: stripeId("pm"),
    default_source: null,
    default_tax_rates: [],
    description: "Rampart -- NIS2 compliance; 'pro' plan",
    discounts: [],
    ended_at: status === "canceled" ? now() : null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    items: {
      object: "list",
      data: [
        {
          id: stripeId("si"),
          object: "subscription_item",
          billing_thresholds: null,
          created: start,
          current_period_end: start + 30 * 86_400,
          current_period_start: start,
          discounts: [],
          metadata: {},
          plan: {
            id: price.id,
            object: "plan",
            active: true,
            amount: 4900,
            currency: "eur",
            interval: "month",
            nickname: price.nickname,
            product: price.product,
          },
          price,
          quantity: 1,
          subscription: id,
          tax_rates: [],
        },
      ],
      has_more: false,
      total_count: 1,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: stripeId("in"),
    livemode: false,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: start,
    status,
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: "create_invoice" } },
    trial_start: null,
    ...extra,
  };
}

/** A paid invoice of `customer` (a type Rampart records and ignores). */
export function invoicePaid(customer: string, sub: string) {
  return {
    id: stripeId("in"),
    object: "invoice",
    account_country: "DE",
    account_name: "Rampart GmbH",
    amount_due: 4900,
    amount_paid: 4900,
    billing_reason: "subscription_cycle",
    collection_method: "charge_automatically",
    currency: "eur",
    customer,
    customer_email: "ada+billing@example.org",
    customer_name: "Ada <Lovelace>",
    description: null,
    hosted_invoice_url: "https://invoice.stripe.com/i/acct_1Test/test_YWNjdF8xVGVzdA?s=ap",
    invoice_pdf: "https://pay.stripe.com/invoice/acct_1Test/test_YWNjdF8xVGVzdA/pdf?s=ap",
    lines: {
      object: "list",
      data: [
        {
          id: stripeId("il"),
          object: "line_item",
          amount: 4900,
          currency: "eur",
          description: "1 × Rampart Pro (at €49.00 / month)",
          subscription: sub,
        },
      ],
      has_more: false,
      total_count: 1,
      url: "/v1/invoices/in_1/lines",
    },
    parent: { subscription_details: { metadata: {}, subscription: sub }, type: "subscription_details" },
    status: "paid",
    total: 4900,
  };
}

/** The `Stripe-Signature` of `payload` under `secret` (the package's test helper). */
export function signatureOf(payload: string, secret: string, timestamp?: number): Promise<string> {
  return Stripe.webhooks.generateTestHeaderStringAsync({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}

/** Options of one delivery. */
export interface DeliveryOptions {
  readonly secret?: string;
  readonly timestamp?: number;
  /** A signature header to send instead of the computed one (`null`: none). */
  readonly signature?: string | null;
  /** Sends this body instead of the signed one (tampering). */
  readonly body?: string;
  readonly transport?: (target: string, init: RequestInit<RequestInitCfProperties>) => Promise<Response>;
}

/** Delivers `event` to the webhook as Stripe does (POST, JSON, `Stripe-Signature`, Stripe's user agent). */
export async function deliver(event: unknown, options: DeliveryOptions = {}): Promise<Response> {
  const payload = JSON.stringify(event, null, 2);
  const signature =
    options.signature === undefined
      ? await signatureOf(payload, options.secret ?? testSecrets()[0] ?? "", options.timestamp)
      : options.signature;
  const headers: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    "cache-control": "no-cache",
    accept: "*/*; q=0.5, application/xml",
    "cf-connecting-ip": "3.18.12.63",
  };
  if (signature !== null) headers["stripe-signature"] = signature;
  return (options.transport ?? call)("/webhooks/stripe", { method: "POST", headers, body: options.body ?? payload });
}
