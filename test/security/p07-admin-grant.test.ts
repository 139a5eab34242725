/**
 * P7/P9: platform super administrators. Attack: the worker's own database role
 * (compromised by an injection, say) makes someone an administrator. It cannot: only
 * the owner's script may call `auth.grant_super_admin`, and the column is not writable
 * by the app role either. The script's event name is one of the vocabulary's.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_GRANTED_EVENT } from "../../drizzle/admin-events";
import { SECURITY_EVENTS } from "../../src/lib/security-events";
import { asApp, dbError, dbTargets, type DbTarget } from "../helpers/tenants";

describe("P7 super administrators", () => {
  it("P16: the owner script records its grant under a stored name of the security-event vocabulary", () => {
    expect(Object.keys(SECURITY_EVENTS)).toContain(ADMIN_GRANTED_EVENT);
    expect(SECURITY_EVENTS.admin_granted.stored).toBe(true);
  });

  describe.each(dbTargets())("on $backend", (target: DbTarget) => {
    it("P7 (refuses): the worker's role cannot grant super-administrator rights, by function or by column", async () => {
      const call = await dbError(asApp(target, null, "select * from auth.grant_super_admin('a@example.org', 'admin_granted')"));
      expect(call.code).toBe("42501");
      const update = await dbError(asApp(target, null, "update users set is_super_admin = true"));
      expect(update.code).toBe("42501");
    });
  });
});
