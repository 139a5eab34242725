/**
 * Integrations: Stripe billing (P18) and the bank's OAuth2 connection (P10, P18).
 *
 * Billing: a Stripe customer is bound to one organization by a completed checkout
 * (`billing_accounts`); each subscription's latest state is kept per subscription
 * (`billing_subscriptions`), even before its customer is bound, so events arriving in any
 * order end in the same plan; every event id is recorded once (`stripe_events`), in the
 * same transaction as its effect. Only `app.apply_stripe_event` (SECURITY DEFINER,
 * drizzle/*_integrations_security.sql) writes these tables.
 *
 * The bank: one connection per organization, its tokens sealed with envelope encryption
 * (src/crypto/envelope.ts), never stored in clear. What drizzle-kit cannot express (RLS,
 * column grants, the plan limits, the definer functions) is in the custom migration.
 */
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./identity";
import { organizations } from "./orgs";

/** The plans an organization can be on (`organizations.plan`); limits per plan: `app.plan_limits()`. */
export const PLANS = ["free", "pro", "scale"] as const;
export type Plan = (typeof PLANS)[number];

/** A bank connection's state: usable, or `broken` after a failed refresh (reconnect to repair). */
export const BANK_CONNECTION_STATUSES = ["connected", "broken"] as const;
export type BankConnectionStatus = (typeof BANK_CONNECTION_STATUSES)[number];

/** What became of a Stripe event (`stripe_events.outcome`). */
export const STRIPE_EVENT_OUTCOMES = ["applied", "stale", "unknown_customer", "unknown_org", "customer_conflict", "ignored"] as const;
export type StripeEventOutcome = (typeof STRIPE_EVENT_OUTCOMES)[number];

export const billingAccounts = pgTable("billing_accounts", {
  orgId: uuid("org_id")
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  /** `cus_…`: one customer pays for one organization. */
  stripeCustomerId: text("stripe_customer_id").notNull().unique(),
  /** The governing subscription's status (`active`, `past_due`, `canceled`, …), `none` before any. */
  status: text("status").notNull().default("none"),
  subscriptionId: text("subscription_id"),
  currentPeriodEnd: timestamp("current_period_end", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const billingSubscriptions = pgTable(
  "billing_subscriptions",
  {
    /** `sub_…`. */
    id: text("id").primaryKey(),
    stripeCustomerId: text("stripe_customer_id").notNull(),
    /** Null when the subscription's price maps to no plan (its lookup key names none). */
    plan: text("plan"),
    status: text("status").notNull(),
    currentPeriodEnd: timestamp("current_period_end", { withTimezone: true }),
    cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
    /** `created` of the newest event applied: an older event never overwrites a newer state. */
    eventCreatedAt: timestamp("event_created_at", { withTimezone: true }).notNull(),
    eventId: text("event_id").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("billing_subscriptions_customer_idx").on(t.stripeCustomerId)],
);

export const stripeEvents = pgTable(
  "stripe_events",
  {
    /** `evt_…`: recorded once; a redelivery finds it and changes nothing. */
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    /** The event's own `created`. */
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    stripeCustomerId: text("stripe_customer_id"),
    /** The organization it applied to, when known; kept (null) if that organization is deleted. */
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "set null" }),
    outcome: text("outcome").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("stripe_events_org_idx").on(t.orgId, t.receivedAt),
    check("stripe_events_outcome", sql.raw(`outcome IN (${STRIPE_EVENT_OUTCOMES.map((o) => `'${o}'`).join(", ")})`)),
  ],
);

export const bankConnections = pgTable(
  "bank_connections",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .unique()
      .references(() => organizations.id, { onDelete: "cascade" }),
    status: text("status").notNull().default("connected"),
    /** The issuer the tokens came from (the configured bank). */
    issuer: text("issuer").notNull(),
    /** Scopes the bank granted. */
    scopes: text("scopes")
      .array()
      .notNull()
      .default(sql`'{}'`),
    connectedBy: uuid("connected_by").references(() => users.id, { onDelete: "set null" }),
    connectedAt: timestamp("connected_at", { withTimezone: true }).notNull().defaultNow(),
    /** Envelope-sealed (src/crypto/envelope.ts), bound to org, integration and column. */
    accessTokenSealed: text("access_token_sealed").notNull(),
    refreshTokenSealed: text("refresh_token_sealed"),
    accessTokenExpiresAt: timestamp("access_token_expires_at", { withTimezone: true }),
    /** Bumped by every write of the tokens: a refresh or re-encryption only lands on the version it read. */
    tokenVersion: integer("token_version").notNull().default(1),
    refreshedAt: timestamp("refreshed_at", { withTimezone: true }),
    brokenAt: timestamp("broken_at", { withTimezone: true }),
    brokenReason: text("broken_reason"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check("bank_connections_status", sql.raw(`status IN (${BANK_CONNECTION_STATUSES.map((s) => `'${s}'`).join(", ")})`)),
    check("bank_connections_broken_reason_length", sql`char_length(${t.brokenReason}) <= 200`),
  ],
);
