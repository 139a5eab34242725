/**
 * P18 Webhooks, Stripe. The attacks: forging or tampering with an event to change an
 * organization's plan (no valid `Stripe-Signature`), replaying a captured delivery later
 * (stale timestamp) or again (same event id), and Stripe's own disorder: deliveries
 * arriving twice, at once, or out of order must never apply twice or move a subscription
 * backwards. Events are real Stripe shapes signed with the `stripe` package's own
 * `generateTestHeaderStringAsync`, delivered through the worker's real entry point.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { expectProblem } from "../helpers/expect";
import { ownerCount, ownerQuery, requestIdOf } from "../helpers/identity-ip";
import { api, orgOf, orgWithRoles, person } from "../helpers/orgs";
import { checkoutSession, deliver, invoicePaid, signatureOf, stripeEvent, stripeId, subscription, testSecrets } from "../helpers/stripe";
import { roundTrips } from "../helpers/tenants";
import { captureLogs } from "../helpers/logs";
import { workerDb } from "../helpers/identity";
import { callApp, envWith, testEnv } from "../helpers/worker";

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

interface Received {
  readonly received: true;
  readonly outcome: string;
  readonly duplicate: boolean;
}

async function ok(response: Response): Promise<Received> {
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  return response.json<Received>();
}

async function planOf(orgId: string): Promise<{ plan: string; status: string }> {
  const [row] = await ownerQuery(
    "select o.plan, coalesce(a.status, 'none') as status from organizations o left join billing_accounts a on a.org_id = o.id where o.id = $1",
    [orgId],
  );
  return { plan: String(row?.plan), status: String(row?.status) };
}

const eventRows = (eventId: string): Promise<number> => ownerCount("select count(*)::int as n from stripe_events where id = $1", [eventId]);

/** A fresh organization bound to a fresh customer through a completed checkout, with an active `pro` subscription. */
async function subscribedOrg(lookupKey = "pro_monthly") {
  const owner = await person("billing");
  const orgId = await orgOf(owner);
  const customer = stripeId("cus");
  const sub = stripeId("sub");
  const base = nowSeconds() - 600;
  await ok(await deliver(stripeEvent("checkout.session.completed", checkoutSession(orgId, customer, sub), { created: base })));
  await ok(
    await deliver(stripeEvent("customer.subscription.created", subscription(sub, customer, "active", lookupKey), { created: base + 1 })),
  );
  return { owner, orgId, customer, sub, base };
}

describe("P18 Stripe webhooks: verification", () => {
  it("P18: a signed checkout and subscription set the organization's plan and status, shown to its members with the plan's limits", async () => {
    const { owner, orgId } = await subscribedOrg();
    expect(await planOf(orgId)).toEqual({ plan: "pro", status: "active" });
    const res = await api("GET", `/v1/orgs/${orgId}/billing`, owner.token);
    expect(res.status).toBe(200);
    const body = await res.json<{ plan: string; status: string; current_period_end: string; limits: Record<string, unknown> }>();
    expect(body).toMatchObject({
      plan: "pro",
      status: "active",
      limits: { max_members: 50, oauth_sign_in_providers: ["google", "microsoft"] },
    });
    expect(Date.parse(body.current_period_end)).toBeGreaterThan(Date.now());
    const events = await ownerQuery("select details from security_events where org_id = $1 and type = 'billing_plan_changed'", [orgId]);
    expect(events.map((e): unknown => (typeof e.details === "string" ? JSON.parse(e.details) : e.details))).toEqual([
      expect.objectContaining({ plan: "pro", previous_plan: "free", status: "active", previous_status: "none" }),
    ]);
  });

  it("P18: every secret of STRIPE_WEBHOOK_SECRETS verifies during a rotation; a secret not listed does not", async () => {
    const [current = ""] = testSecrets();
    const next = `whsec_${crypto.randomUUID().replaceAll("-", "")}`;
    const rotating = (target: string, init: RequestInit<RequestInitCfProperties>) =>
      callApp(createApp(), target, init, envWith({ STRIPE_WEBHOOK_SECRETS: `${next}, ${current}` }));
    const customer = stripeId("cus");
    for (const secret of [next, current]) {
      const received = await ok(
        await deliver(stripeEvent("invoice.paid", invoicePaid(customer, stripeId("sub"))), { secret, transport: rotating }),
      );
      expect(received).toEqual({ received: true, outcome: "ignored", duplicate: false });
    }
    // After the rotation the old secret is removed: its signatures stop working.
    const rotated = (target: string, init: RequestInit<RequestInitCfProperties>) =>
      callApp(createApp(), target, init, envWith({ STRIPE_WEBHOOK_SECRETS: next }));
    const event = stripeEvent("invoice.paid", invoicePaid(customer, stripeId("sub")));
    await expectProblem(await deliver(event, { secret: current, transport: rotated }), 400, "invalid_signature");
    expect(await eventRows(event.id)).toBe(0);
  });

  it("P18 (refuses): a wrong signature, a tampered body, a missing or malformed header: 400 invalid_signature, nothing recorded", async () => {
    const { orgId, customer, sub, base } = await subscribedOrg();
    const cancel = stripeEvent("customer.subscription.deleted", subscription(sub, customer, "canceled"), { created: base + 100 });
    const payload = JSON.stringify(cancel, null, 2);
    const forgedSecret = `whsec_${crypto.randomUUID().replaceAll("-", "")}`;
    const tampered = payload.replace('"canceled"', '"active"');
    const logs = captureLogs();
    const answers = [
      await deliver(cancel, { secret: forgedSecret }),
      await deliver(cancel, { body: tampered, signature: await signatureOf(payload, testSecrets()[0] ?? "") }),
      await deliver(cancel, { signature: null }),
      await deliver(cancel, { signature: "t=abc,v1=" }),
      await deliver(cancel, { signature: `t=${nowSeconds()},v0=${"a".repeat(64)}` }),
    ];
    const lines = logs.lines();
    logs.restore();
    for (const answer of answers) await expectProblem(answer, 400, "invalid_signature");
    expect(await eventRows(cancel.id)).toBe(0);
    expect(await planOf(orgId)).toEqual({ plan: "pro", status: "active" });
    const rejected = lines.filter((l) => l.event === "security.stripe_webhook_rejected");
    expect(rejected.map((l) => l.reason)).toEqual(["bad_signature", "bad_signature", "missing_header", "bad_signature", "bad_signature"]);
    // Nothing secret reaches the log: not the signature, not the body.
    for (const line of lines) expect(JSON.stringify(line)).not.toContain("customer.subscription.deleted");
  });

  it("P18 (refuses): a timestamp more than 5 minutes old or ahead is refused; within 5 minutes it passes", async () => {
    const customer = stripeId("cus");
    const at = (offset: number) => stripeEvent("invoice.paid", invoicePaid(customer, stripeId("sub")), { created: nowSeconds() + offset });
    const stale = at(-400);
    await expectProblem(await deliver(stale, { timestamp: nowSeconds() - 301 }), 400, "invalid_signature");
    const ahead = at(0);
    await expectProblem(await deliver(ahead, { timestamp: nowSeconds() + 301 }), 400, "invalid_signature");
    expect((await eventRows(stale.id)) + (await eventRows(ahead.id))).toBe(0);
    await ok(await deliver(at(-280), { timestamp: nowSeconds() - 280 }));
    await ok(await deliver(at(0), { timestamp: nowSeconds() + 240 }));
  });

  it("P18 (refuses): a refused delivery costs no database or Redis round trip (both unreachable: still 400, not 503)", async () => {
    const offline = (target: string, init: RequestInit<RequestInitCfProperties>) =>
      callApp(
        createApp(),
        target,
        init,
        envWith({ NEON_HTTP_ENDPOINT: "http://127.0.0.1:9/sql", UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" }),
      );
    const event = stripeEvent("invoice.paid", invoicePaid(stripeId("cus"), stripeId("sub")));
    await expectProblem(await deliver(event, { secret: "whsec_not_ours", transport: offline }), 400, "invalid_signature");
  });

  it("P18: one accepted delivery is exactly one database round trip and no Redis; no rate-limit headers", async () => {
    const target = workerDb();
    const tag = `p18-${crypto.randomUUID()}`;
    const counted = (path: string, init: RequestInit<RequestInitCfProperties>) =>
      callApp(
        createApp(),
        path,
        init,
        envWith({ NEON_HTTP_ENDPOINT: `${testEnv.NEON_HTTP_ENDPOINT ?? ""}?tag=${tag}`, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" }),
      );
    const res = await deliver(stripeEvent("invoice.paid", invoicePaid(stripeId("cus"), stripeId("sub"))), { transport: counted });
    expect(res.status).toBe(200);
    expect(res.headers.get("ratelimit")).toBeNull();
    expect(res.headers.get("ratelimit-policy")).toBeNull();
    expect(await roundTrips(target, tag)).toBe(1);
  });
});

describe("P18 Stripe webhooks: processed once, in order", () => {
  it("P18 (refuses): a redelivered event answers 200 duplicate and changes nothing, even re-signed with a changed body", async () => {
    const { orgId, customer, sub, base } = await subscribedOrg();
    const cancel = stripeEvent("customer.subscription.deleted", subscription(sub, customer, "canceled"), { created: base + 50 });
    expect(await ok(await deliver(cancel))).toEqual({ received: true, outcome: "applied", duplicate: false });
    expect(await planOf(orgId)).toEqual({ plan: "free", status: "canceled" });
    expect(await ok(await deliver(cancel))).toEqual({ received: true, outcome: "applied", duplicate: true });
    // Same id, other content, validly signed (a replayed id with a forged body cannot exist, but Stripe's retries must be inert).
    const reborn = {
      ...stripeEvent("customer.subscription.updated", subscription(sub, customer, "active", "scale"), { created: base + 60 }),
      id: cancel.id,
    };
    expect(await ok(await deliver(reborn))).toMatchObject({ duplicate: true });
    expect(await planOf(orgId)).toEqual({ plan: "free", status: "canceled" });
    expect(await eventRows(cancel.id)).toBe(1);
    expect(
      await ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = 'billing_plan_changed'", [orgId]),
    ).toBe(2);
  });

  it("P18 (refuses): the same event delivered five times at once is applied exactly once", async () => {
    const { orgId, customer, sub, base } = await subscribedOrg();
    const upgrade = stripeEvent("customer.subscription.updated", subscription(sub, customer, "active", "scale_yearly"), {
      created: base + 30,
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => deliver(upgrade).then(ok)));
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(answers.every((a) => a.outcome === "applied")).toBe(true);
    expect(await planOf(orgId)).toEqual({ plan: "scale", status: "active" });
    expect(
      await ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = 'billing_plan_changed'", [orgId]),
    ).toBe(2);
  });

  it("P18 (refuses): an older event arriving after a newer one never moves the subscription backwards", async () => {
    const { orgId, customer, sub, base } = await subscribedOrg();
    const pastDue = stripeEvent("customer.subscription.updated", subscription(sub, customer, "past_due"), { created: base + 20 });
    const canceled = stripeEvent("customer.subscription.deleted", subscription(sub, customer, "canceled"), { created: base + 40 });
    const olderActive = stripeEvent("customer.subscription.updated", subscription(sub, customer, "active", "scale"), {
      created: base + 10,
    });
    expect((await ok(await deliver(canceled))).outcome).toBe("applied");
    expect((await ok(await deliver(pastDue))).outcome).toBe("stale");
    expect((await ok(await deliver(olderActive))).outcome).toBe("stale");
    expect(await planOf(orgId)).toEqual({ plan: "free", status: "canceled" });
    // Even a newer event cannot revive a canceled subscription (Stripe never does).
    const revive = stripeEvent("customer.subscription.updated", subscription(sub, customer, "active"), { created: base + 90 });
    expect((await ok(await deliver(revive))).outcome).toBe("stale");
    expect(await planOf(orgId)).toEqual({ plan: "free", status: "canceled" });
  });

  it("P18 (refuses): two events of the same second settle on the later stage of the subscription, in either order", async () => {
    for (const order of ["forward", "backward"] as const) {
      const { orgId, customer, sub, base } = await subscribedOrg();
      const second = base + 30;
      const pastDue = stripeEvent("customer.subscription.updated", subscription(sub, customer, "past_due"), { created: second });
      const unpaid = stripeEvent("customer.subscription.updated", subscription(sub, customer, "unpaid"), { created: second });
      for (const event of order === "forward" ? [pastDue, unpaid] : [unpaid, pastDue]) await ok(await deliver(event));
      expect(await planOf(orgId)).toEqual({ plan: "free", status: "unpaid" });
    }
  });

  it("P18: a subscription that arrives before its checkout is kept and applied when the checkout binds the customer", async () => {
    const owner = await person("early");
    const orgId = await orgOf(owner);
    const customer = stripeId("cus");
    const sub = stripeId("sub");
    const base = nowSeconds() - 300;
    const early = await deliver(
      stripeEvent("customer.subscription.created", subscription(sub, customer, "trialing"), { created: base + 2 }),
    );
    expect(await ok(early)).toEqual({ received: true, outcome: "unknown_customer", duplicate: false });
    expect(await planOf(orgId)).toEqual({ plan: "free", status: "none" });
    await ok(await deliver(stripeEvent("checkout.session.completed", checkoutSession(orgId, customer, sub), { created: base })));
    expect(await planOf(orgId)).toEqual({ plan: "pro", status: "trialing" });
  });
});

describe("P18 Stripe webhooks: effects and strangers", () => {
  it("P18: an event for an unknown customer is recorded, answered 200 (Stripe stops retrying) and stored as a security event", async () => {
    const customer = stripeId("cus");
    const event = stripeEvent("customer.subscription.updated", subscription(stripeId("sub"), customer, "active"));
    const res = await deliver(event);
    expect(await ok(res)).toEqual({ received: true, outcome: "unknown_customer", duplicate: false });
    const [row] = await ownerQuery("select outcome, org_id from stripe_events where id = $1", [event.id]);
    expect(row).toEqual({ outcome: "unknown_customer", org_id: null });
    const [stored] = await ownerQuery("select type, severity, org_id, details from security_events where request_id = $1", [
      requestIdOf(res),
    ]);
    expect(stored).toMatchObject({ type: "billing_event_unmatched", severity: "warning", org_id: null });
    expect(JSON.stringify(stored?.details)).toContain(customer);
    // A checkout naming no existing organization: the same.
    const orphan = await deliver(
      stripeEvent("checkout.session.completed", checkoutSession(crypto.randomUUID(), stripeId("cus"), stripeId("sub"))),
    );
    expect((await ok(orphan)).outcome).toBe("unknown_org");
  });

  it("P18 (refuses): a checkout cannot move a paying organization to another customer, nor a customer to another organization", async () => {
    const { orgId, customer } = await subscribedOrg();
    const other = await orgOf(await person("other"));
    const stolen = await deliver(stripeEvent("checkout.session.completed", checkoutSession(other, customer, stripeId("sub"))));
    expect((await ok(stolen)).outcome).toBe("customer_conflict");
    const second = await deliver(stripeEvent("checkout.session.completed", checkoutSession(orgId, stripeId("cus"), stripeId("sub"))));
    expect((await ok(second)).outcome).toBe("customer_conflict");
    const [binding] = await ownerQuery("select org_id from billing_accounts where stripe_customer_id = $1", [customer]);
    expect(binding?.org_id).toBe(orgId);
    expect(await ownerCount("select count(*)::int as n from billing_accounts where org_id = $1", [other])).toBe(0);
    // Both attempts are reported to the organization the customer pays for.
    expect(
      await ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = 'billing_customer_conflict'", [orgId]),
    ).toBe(2);
  });

  it("P18: plans come from the price's lookup key (pro, scale); an unknown key or an ended subscription is free", async () => {
    const scale = await subscribedOrg("scale-yearly");
    expect(await planOf(scale.orgId)).toEqual({ plan: "scale", status: "active" });
    const odd = await subscribedOrg("enterprise_custom");
    expect(await planOf(odd.orgId)).toEqual({ plan: "free", status: "active" });
    const ended = stripeEvent("customer.subscription.updated", subscription(scale.sub, scale.customer, "incomplete_expired", "scale"), {
      created: scale.base + 30,
    });
    await ok(await deliver(ended));
    expect(await planOf(scale.orgId)).toEqual({ plan: "free", status: "incomplete_expired" });
  });

  it("P18: Stripe's payloads pass the WAF unharmed (names, addresses, notes and descriptions as customers type them)", async () => {
    const owner = await person("waf");
    const orgId = await orgOf(owner);
    const customer = stripeId("cus");
    const sub = stripeId("sub");
    const names = [
      "Robert'); DROP TABLE students;--",
      "<script>alert(1)</script> GmbH",
      "O'Brien; cat /etc/passwd",
      "{{7*7}} & ${jndi} Ltd",
    ];
    for (const name of names) {
      const res = await deliver(stripeEvent("checkout.session.completed", checkoutSession(orgId, customer, sub, name)));
      expect(res.status).toBe(200);
    }
    await ok(await deliver(stripeEvent("invoice.paid", invoicePaid(customer, sub))));
    await ok(await deliver(stripeEvent("customer.subscription.created", subscription(sub, customer, "active"))));
    expect(await planOf(orgId)).toEqual({ plan: "pro", status: "active" });
  });

  it("P18 (refuses): only members read the billing status; an outsider gets 404", async () => {
    const { orgId, people } = await orgWithRoles();
    expect((await api("GET", `/v1/orgs/${orgId}/billing`, people.viewer.token)).status).toBe(200);
    await expectProblem(await api("GET", `/v1/orgs/${orgId}/billing`, (await person("stranger")).token), 404, "not_found");
    await expectProblem(await api("GET", `/v1/orgs/${orgId}/billing`, undefined), 401, "authentication_required");
  });
});
