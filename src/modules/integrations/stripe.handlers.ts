/**
 * The Stripe webhook's handler (P18): verify, then ONE statement in one transaction
 * (`app.apply_stripe_event`, drizzle/0021_integrations_security.sql) records the event
 * id, applies its effect and writes its security events; the log lines follow once it
 * committed. Nothing before the signature check touches the body's content, the
 * database or Redis.
 */
import type { RouteHandler } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { createDatabase, inContext } from "../../db";
import type { StripeEventOutcome } from "../../db/schema";
import { AppError } from "../../http/errors";
import { SECURITY_EVENTS, securityEvent } from "../../lib/security-events";
import { inOrg } from "../../pipeline/authorize";
import { CLIENT_IP_HEADER, clientAddress, identifierHash } from "../../pipeline/rate-limit";
import type { billingStatusRoute, stripeWebhookRoute } from "./stripe.routes";
import type { BillingStatusOut } from "./stripe.schemas";
import { eventFacts } from "./stripe.event";
import { verifyWebhook, webhookSecrets } from "./stripe.verify";

/** The severities of the events the function may write, from the one vocabulary. */
const EVENT_SEVERITIES = JSON.stringify({
  billing_plan_changed: SECURITY_EVENTS.billing_plan_changed.severity,
  billing_event_unmatched: SECURITY_EVENTS.billing_event_unmatched.severity,
  billing_customer_conflict: SECURITY_EVENTS.billing_customer_conflict.severity,
});

interface AppliedRow {
  readonly outcome: StripeEventOutcome;
  readonly org_id: string | null;
  readonly plan: string | null;
  readonly status: string | null;
  readonly previous_plan: string | null;
  readonly previous_status: string | null;
  readonly duplicate: boolean;
  readonly [column: string]: unknown;
}

export const receiveStripeEvent: RouteHandler<typeof stripeWebhookRoute, AppEnv> = async (c) => {
  const config = c.env.edge.config;
  const requestId = c.env.edge.requestId;
  // The raw text the WAF and the JSON stage read: Hono keeps it, byte for byte as UTF-8.
  const raw = await c.req.text();
  const verified = await verifyWebhook(raw, c.req.header("stripe-signature"), webhookSecrets(config.secrets.stripeWebhookSecrets));
  if (!verified.ok) {
    securityEvent("stripe_webhook_rejected", { request_id: requestId, reason: verified.reason });
    throw new AppError("invalid_signature");
  }
  const facts = eventFacts(verified.event);
  // Signed by Stripe but not an event's envelope: nothing Stripe sends; refuse without recording.
  if (facts === undefined) throw new AppError("validation_failed", { detail: "The signed body is not a Stripe event." });
  const ipHash = await identifierHash(config.secrets.identifierHashSecret, "ip", clientAddress(c.req.header(CLIENT_IP_HEADER)));
  const db = await createDatabase(config.database);
  const [result] = await inContext(db, {}, (tx) => [
    tx.execute<AppliedRow>(sql`
      select outcome, org_id, plan, status, previous_plan, previous_status, duplicate from app.apply_stripe_event(
        ${facts.id}, ${facts.type}, ${facts.created.toISOString()}::timestamptz, ${facts.customer}, ${facts.orgId}::uuid,
        ${facts.subscription}, ${facts.plan}, ${facts.status}, ${facts.currentPeriodEnd?.toISOString() ?? null}::timestamptz,
        ${facts.cancelAtPeriodEnd}::boolean, ${requestId}, ${ipHash}, ${EVENT_SEVERITIES}::jsonb)`),
  ]);
  const row = result.rows[0];
  if (row === undefined) throw new Error("app.apply_stripe_event returned no row");
  if (!row.duplicate) logOutcome(requestId, facts.id, facts.type, facts.customer, row);
  return c.json({ received: true as const, outcome: row.outcome, duplicate: row.duplicate }, 200);
};

/** The log lines of what the function stored (it wrote the rows; these follow the commit). */
function logOutcome(requestId: string, eventId: string, type: string, customer: string | null, row: AppliedRow): void {
  const base = { request_id: requestId, event_id: eventId, event_type: type };
  if (
    row.outcome === "applied" &&
    row.org_id !== null &&
    (row.plan !== row.previous_plan || row.status !== (row.previous_status ?? "none"))
  ) {
    securityEvent("billing_plan_changed", {
      ...base,
      org_id: row.org_id,
      plan: row.plan ?? undefined,
      previous_plan: row.previous_plan ?? undefined,
      status: row.status ?? undefined,
      previous_status: row.previous_status ?? "none",
    });
  } else if (row.outcome === "unknown_customer" || row.outcome === "unknown_org") {
    securityEvent("billing_event_unmatched", { ...base, reason: row.outcome, customer: customer ?? undefined });
  } else if (row.outcome === "customer_conflict") {
    securityEvent("billing_customer_conflict", { ...base, org_id: row.org_id ?? undefined, customer: customer ?? undefined });
  }
}

interface BillingRow {
  readonly plan: string;
  readonly status: string;
  readonly current_period_end: string | Date | null;
  readonly max_members: string | number;
  readonly evidence_storage_bytes: string | number;
  readonly oauth_sign_in_providers: string[] | string;
  readonly [column: string]: unknown;
}

/** A text[] as the driver hands it (an array, or Postgres' `{a,b}` text in raw mode). */
function textArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, "");
  return inner === "" ? [] : inner.split(",").map((v) => v.replace(/^"|"$/g, ""));
}

export const getBillingStatus: RouteHandler<typeof billingStatusRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [
    tx.execute<BillingRow>(sql`
      select o.plan, coalesce(a.status, 'none') as status, a.current_period_end,
             l.max_members, l.evidence_storage_bytes, l.oauth_sign_in_providers
      from public.organizations o
      left join public.billing_accounts a on a.org_id = o.id
      join app.plan_limits() l on l.plan = o.plan
      where o.id = ${org}::uuid`),
  ]);
  const row = rows.rows[0];
  if (row === undefined) throw new AppError("not_found");
  const body: BillingStatusOut = {
    plan: row.plan as BillingStatusOut["plan"],
    status: row.status,
    current_period_end: row.current_period_end === null ? null : new Date(row.current_period_end).toISOString(),
    limits: {
      max_members: Number(row.max_members),
      evidence_storage_bytes: Number(row.evidence_storage_bytes),
      oauth_sign_in_providers: textArray(row.oauth_sign_in_providers),
    },
  };
  return c.json(body, 200);
};
