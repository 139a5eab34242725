/**
 * P7/P9: platform super administrators are made only by the owner's script
 * (`npm run admin:grant -- <email>`), which records the grant as a security event in
 * the same statement. Against the real Postgres when DATABASE_URL is set (CI); that the
 * worker's role cannot call the grant, and that the event name is in the vocabulary,
 * is proven in test/security/p07-admin-grant.test.ts.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_GRANTED_EVENT } from "../../drizzle/admin-events.ts";
import { grantSuperAdmin } from "../../drizzle/admin-grant.ts";
import { migrate } from "../../drizzle/migrate.ts";

const adminUrl = process.env.DATABASE_URL;

describe("npm run admin:grant", () => {
  describe.skipIf(adminUrl === undefined)("against Postgres", () => {
    const name = `rampart_admin_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    let ownerUrl = "";
    let owner: pg.Client;

    beforeAll(async () => {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(adminUrl ?? "");
      url.pathname = `/${name}`;
      ownerUrl = url.toString();
      await migrate({ ownerUrl });
      owner = new pg.Client({ connectionString: ownerUrl });
      await owner.connect();
    }, 60_000);

    afterAll(async () => {
      await owner.end();
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    });

    async function user(verified: boolean): Promise<{ id: string; email: string }> {
      const email = `admin+${crypto.randomUUID()}@example.org`;
      const { rows } = await owner.query<{ id: string }>(
        "insert into users (email, name, email_verified_at) values ($1, 'Ada', case when $2 then now() end) returning id",
        [email, verified],
      );
      return { id: rows[0]?.id ?? "", email };
    }

    it("P7: makes a verified user a super administrator and records admin_granted with it", async () => {
      const target = await user(true);
      expect(await grantSuperAdmin(ownerUrl, `  ${target.email.toUpperCase()} `)).toEqual({ userId: target.id, wasAdmin: false });
      const { rows } = await owner.query<{ is_super_admin: boolean }>("select is_super_admin from users where id = $1", [target.id]);
      expect(rows).toEqual([{ is_super_admin: true }]);
      const events = await owner.query<{ type: string; severity: string }>(
        "select type, severity from security_events where actor_user_id = $1",
        [target.id],
      );
      expect(events.rows).toEqual([{ type: ADMIN_GRANTED_EVENT, severity: "warning" }]);
    });

    it("P7 (refuses): refuses an unverified or unknown address and changes nothing", async () => {
      const unverified = await user(false);
      await expect(grantSuperAdmin(ownerUrl, unverified.email)).rejects.toThrow(/no verified user/);
      await expect(grantSuperAdmin(ownerUrl, "nobody@example.org")).rejects.toThrow(/no verified user/);
      const { rows } = await owner.query<{ n: string }>(
        "select (select count(*) from users where id = $1 and is_super_admin) + (select count(*) from security_events where actor_user_id = $1) as n",
        [unverified.id],
      );
      expect(rows).toEqual([{ n: "0" }]);
    });
  });
});
