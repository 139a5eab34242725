/**
 * P12, P15 (refuses): an organization's backups are its own: object keys and messages
 * carry its id; another organization's member cannot list, check or restore them (404,
 * like an unknown id); within the organization, only the roles the promise names may
 * (list and check: owners, admins, auditors; restore: owners, at aal2 when the
 * organization requires MFA); and only platform super administrators see every
 * organization's backups.
 */
import { describe, expect, it } from "vitest";
import { backupRows, runBackup } from "../helpers/backups";
import { expectProblem } from "../helpers/expect";
import { ownerQuery } from "../helpers/identity-ip";
import { api, orgWithRoles, person } from "../helpers/orgs";
import { createRecord } from "../helpers/records";
import { accessTokenFor } from "../helpers/tokens";

async function orgWithBackup() {
  const { orgId, people } = await orgWithRoles();
  await createRecord(orgId, "risks", people.owner.token);
  const row = await runBackup(orgId);
  return { orgId, people, row };
}

const orgCount = async (userId: string): Promise<number> =>
  Number((await ownerQuery("select count(*) as n from memberships where user_id = $1", [userId]))[0]?.n);

describe("P12, P15: backups are per organization", () => {
  it("P12 (refuses): org A's owner cannot list, check or restore org B's backups: 404, nothing queued or created", async () => {
    const [a, b] = await Promise.all([orgWithBackup(), orgWithBackup()]);
    const outsider = a.people.owner;
    await expectProblem(await api("GET", `/v1/orgs/${b.orgId}/backups`, outsider.token), 404, "not_found");
    await expectProblem(await api("POST", `/v1/orgs/${b.orgId}/backups/${b.row.id}/check`, outsider.token), 404, "not_found");
    const before = await orgCount(outsider.id);
    await expectProblem(await api("POST", `/v1/orgs/${b.orgId}/backups/${b.row.id}/restore`, outsider.token), 404, "not_found");
    // B's backup id under A's path: as unknown as any other id.
    await expectProblem(await api("POST", `/v1/orgs/${a.orgId}/backups/${b.row.id}/check`, outsider.token), 404, "not_found");
    await expectProblem(await api("POST", `/v1/orgs/${a.orgId}/backups/${b.row.id}/restore`, outsider.token), 404, "not_found");
    await expectProblem(await api("POST", `/v1/orgs/${a.orgId}/backups/not-a-uuid/restore`, outsider.token), 404, "not_found");
    expect(await orgCount(outsider.id)).toBe(before);
    // A's list shows only A's.
    const listed = await (
      await api("GET", `/v1/orgs/${a.orgId}/backups`, outsider.token)
    ).json<{ items: { org_id: string; object_key: string }[] }>();
    expect(listed.items.map((i) => i.org_id)).toEqual([a.orgId]);
    expect(listed.items[0]?.object_key.startsWith(`orgs/${a.orgId}/backups/`)).toBe(true);
  });

  it("P15 (refuses): members and viewers may not list or check (403); admins and auditors may not restore (403); an aal1 owner of an MFA org: 403 mfa_required", async () => {
    const { orgId, people, row } = await orgWithBackup();
    for (const role of ["member", "viewer"] as const) {
      await expectProblem(await api("GET", `/v1/orgs/${orgId}/backups`, people[role].token), 403, "forbidden");
      await expectProblem(await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/check`, people[role].token), 403, "forbidden");
    }
    for (const role of ["admin", "auditor"] as const) {
      expect((await api("GET", `/v1/orgs/${orgId}/backups`, people[role].token)).status).toBe(200);
      const before = await orgCount(people[role].id);
      await expectProblem(await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/restore`, people[role].token), 403, "forbidden");
      expect(await orgCount(people[role].id)).toBe(before);
    }
    await ownerQuery("update organizations set require_mfa = true where id = $1", [orgId]);
    await expectProblem(await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/restore`, people.owner.token), 403, "mfa_required");
    expect((await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/restore`, people.owner.aal2)).status).toBe(201);
  });

  it("P15: GET /v1/admin/backups: super administrators see every organization's backups, by organization and state, page by page; others 403", async () => {
    const [a, b] = await Promise.all([orgWithBackup(), orgWithBackup()]);
    await ownerQuery("update backups set check_state = 'failed', check_reason = 'truncated' where id = $1", [b.row.id]);
    const admin = await person("platform-admin");
    await ownerQuery("update users set is_super_admin = true where id = $1", [admin.id]);
    const token = await accessTokenFor({ userId: admin.id, aal: "aal2", amr: ["pwd", "otp", "mfa"], superAdmin: true });
    const ofA = await (await api("GET", `/v1/admin/backups?org=${a.orgId}`, token)).json<{ items: { id: string; org_name: string }[] }>();
    expect(ofA.items.map((i) => i.id)).toEqual([a.row.id]);
    const failed = await (await api("GET", `/v1/admin/backups?state=failed&limit=200`, token)).json<{ items: { id: string }[] }>();
    expect(failed.items.map((i) => i.id)).toContain(b.row.id);
    expect(failed.items.map((i) => i.id)).not.toContain(a.row.id);
    // Keyset pages: one at a time, no repeats.
    const first = await (await api("GET", `/v1/admin/backups?limit=1`, token)).json<{ items: { id: string }[]; next_cursor: string }>();
    const second = await (
      await api("GET", `/v1/admin/backups?limit=1&cursor=${encodeURIComponent(first.next_cursor)}`, token)
    ).json<{ items: { id: string }[] }>();
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
    await expectProblem(await api("GET", `/v1/admin/backups?cursor=garbage`, token), 400, "invalid_cursor");
    await expectProblem(await api("GET", `/v1/admin/backups`, a.people.owner.aal2), 403, "forbidden");
    // A token claiming super admin for a user the database does not know as one: refused by the database.
    const forged = await accessTokenFor({ userId: a.people.owner.id, aal: "aal2", amr: ["pwd", "otp", "mfa"], superAdmin: true });
    await expectProblem(await api("GET", `/v1/admin/backups`, forged), 403, "forbidden");
    expect(await backupRows(a.orgId)).toHaveLength(1);
  });
});
