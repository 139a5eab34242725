/**
 * What Rampart reads of a verified Stripe event: the event's id, type and `created`
 * (its version: events arrive in any order), the customer, and per kind:
 * - `checkout.session.completed`: the organization the checkout was opened for
 *   (`client_reference_id`, set by whoever creates the session: the web app);
 * - `customer.subscription.*`: the subscription's id, status, period end and plan. The
 *   plan is its price's `lookup_key`, `pro` or `scale` optionally followed by `_…` or
 *   `-…` (`pro_monthly`, `scale-yearly`); lookup keys are the same in test and live mode,
 *   price ids are not. A price with another key gives no plan (counted as free).
 * Only the fields read here are checked; the rest of Stripe's objects pass untouched.
 */
import { z } from "zod";
import type Stripe from "stripe";
import type { Plan } from "../../db/schema";

/** The facts `app.apply_stripe_event` needs. */
export interface StripeEventFacts {
  readonly id: string;
  readonly type: string;
  readonly created: Date;
  readonly customer: string | null;
  /** checkout.session.completed: the organization named by `client_reference_id` (a UUID), else null. */
  readonly orgId: string | null;
  readonly subscription: string | null;
  readonly plan: Exclude<Plan, "free"> | null;
  readonly status: string | null;
  readonly currentPeriodEnd: Date | null;
  readonly cancelAtPeriodEnd: boolean | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLAN_KEY = /^(pro|scale)(?:[_-][\w-]{0,60})?$/;
const PLAN_ORDER: readonly Exclude<Plan, "free">[] = ["pro", "scale"];

const id = z.string().min(1).max(255);
/** An expandable reference: the id, or the expanded object carrying it. */
const ref = z.union([id, z.looseObject({ id })]).transform((v) => (typeof v === "string" ? v : v.id));
const epoch = z.number().int().positive().max(1e11);

const Envelope = z.looseObject({
  id,
  type: z.string().min(1).max(100),
  created: epoch,
  data: z.looseObject({ object: z.looseObject({}) }),
});

const CheckoutSession = z.looseObject({
  customer: ref.nullish(),
  client_reference_id: z.string().max(200).nullish(),
});

const SubscriptionItem = z.looseObject({
  price: z.looseObject({ lookup_key: z.string().max(200).nullish() }).nullish(),
  current_period_end: epoch.nullish(),
});

const Subscription = z.looseObject({
  id,
  customer: ref,
  status: z.string().min(1).max(40),
  cancel_at_period_end: z.boolean().nullish(),
  current_period_end: epoch.nullish(),
  items: z.looseObject({ data: z.array(SubscriptionItem).max(100) }).nullish(),
});

const toDate = (seconds: number | null | undefined): Date | null =>
  seconds === null || seconds === undefined ? null : new Date(seconds * 1000);

/** The highest plan among the subscription's prices, by lookup key. */
function planOf(items: readonly z.infer<typeof SubscriptionItem>[]): Exclude<Plan, "free"> | null {
  let best = -1;
  for (const item of items) {
    const key = PLAN_KEY.exec(item.price?.lookup_key ?? "")?.[1];
    best = Math.max(best, key === undefined ? -1 : PLAN_ORDER.indexOf(key as Exclude<Plan, "free">));
  }
  return PLAN_ORDER[best] ?? null;
}

/**
 * The facts of a verified event, or `undefined` when its envelope is not an event's
 * (a signed payload Stripe would never send). A known type whose object lacks what is
 * read is reduced to its envelope (recorded, ignored).
 */
export function eventFacts(event: Stripe.Event): StripeEventFacts | undefined {
  const envelope = Envelope.safeParse(event);
  if (!envelope.success) return undefined;
  const { id: eventId, type, created, data } = envelope.data;
  const base: StripeEventFacts = {
    id: eventId,
    type,
    created: new Date(created * 1000),
    customer: null,
    orgId: null,
    subscription: null,
    plan: null,
    status: null,
    currentPeriodEnd: null,
    cancelAtPeriodEnd: null,
  };
  if (type === "checkout.session.completed") {
    const session = CheckoutSession.safeParse(data.object);
    if (!session.success) return base;
    const reference = session.data.client_reference_id ?? null;
    return {
      ...base,
      customer: session.data.customer ?? null,
      orgId: reference !== null && UUID.test(reference) ? reference.toLowerCase() : null,
    };
  }
  if (type.startsWith("customer.subscription.")) {
    const sub = Subscription.safeParse(data.object);
    if (!sub.success) return base;
    const items = sub.data.items?.data ?? [];
    const itemEnd = Math.max(0, ...items.map((item) => item.current_period_end ?? 0));
    return {
      ...base,
      customer: sub.data.customer,
      subscription: sub.data.id,
      plan: planOf(items),
      // `deleted` carries the subscription as it ended (status canceled); say so even if a shape lags.
      status: type === "customer.subscription.deleted" ? "canceled" : sub.data.status,
      currentPeriodEnd: toDate(sub.data.current_period_end ?? (itemEnd > 0 ? itemEnd : null)),
      cancelAtPeriodEnd: sub.data.cancel_at_period_end ?? null,
    };
  }
  // Other types name a customer too; recorded with it, ignored.
  const customer = ref.safeParse((data.object as { customer?: unknown }).customer);
  return { ...base, customer: customer.success ? customer.data : null };
}
