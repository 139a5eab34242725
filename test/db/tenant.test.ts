/**
 * The data layer: a request's tenant context and all its statements travel as ONE
 * transaction in ONE round trip, counted at the Neon stand-in; the context is gone
 * with the transaction. Runs once per backend.
 */
import { and, count, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDatabase, inTenant, schema, type TenantContext } from "../../src/db";
import { asOwner, dbTargets, roundTrips, seedOrg, tagged, type DbTarget, type SeededOrg } from "../helpers/tenants";

describe.each(dbTargets())("data layer on $backend", (target: DbTarget) => {
  let org: SeededOrg;
  let context: TenantContext;

  beforeAll(async () => {
    org = await seedOrg(target, "hooli");
    context = { orgId: org.orgId, actor: { kind: "user", userId: org.users.member } };
  });

  it("P11: a tenant request (context + read + write + read) costs exactly one database round trip", async () => {
    const tag = `tenant-${crypto.randomUUID()}`;
    const db = await createDatabase(tagged(target.app, tag));
    const [risks, inserted, total] = await inTenant(db, context, (tx) => [
      tx.select({ id: schema.risks.id, orgId: schema.risks.orgId }).from(schema.risks),
      tx
        .insert(schema.vendors)
        .values({ orgId: org.orgId, name: "Initrode GmbH" })
        .returning({ id: schema.vendors.id, createdBy: schema.vendors.createdBy }),
      tx.select({ n: count() }).from(schema.vendors).where(eq(schema.vendors.orgId, org.orgId)),
    ]);
    expect(await roundTrips(target, tag)).toBe(1);
    expect(risks).toEqual([{ id: org.records.risks, orgId: org.orgId }]);
    expect(inserted).toEqual([{ id: expect.any(String) as string, createdBy: org.users.member }]);
    expect(total).toEqual([{ n: 2 }]);
  });

  it("P11 (refuses): a statement that fails rolls back the whole request (nothing half-written)", async () => {
    const db = await createDatabase(target.app);
    const title = `half-${crypto.randomUUID()}`;
    await expect(
      inTenant(db, context, (tx) => [
        tx.insert(schema.risks).values({ orgId: org.orgId, title }),
        // Another org's id: the policy refuses it, and with it the insert above.
        tx.insert(schema.risks).values({ orgId: crypto.randomUUID(), title }),
      ]),
    ).rejects.toThrow();
    expect(await asOwner(target, `select count(*)::int as n from risks where title = '${title}'`)).toEqual([{ n: 0 }]);
  });

  it("P11 (refuses): the context does not outlive its request: the next one without it sees nothing", async () => {
    const db = await createDatabase(target.app);
    await inTenant(db, context, (tx) => [tx.select().from(schema.risks)]);
    expect(await db.select().from(schema.risks)).toEqual([]);
    const [own] = await inTenant(db, context, (tx) => [
      tx
        .select({ id: schema.risks.id })
        .from(schema.risks)
        .where(and(eq(schema.risks.orgId, org.orgId))),
    ]);
    expect(own).toHaveLength(1);
  });
});
