/**
 * P9 (roles), P11 (tenant isolation) and P16 (security events) on the members,
 * invitations and ownership routes, through the real worker and database.
 *
 * Attacks and mistakes covered:
 * - each role (owner, admin, member, auditor, viewer) on every route: 403 where the role
 *   table says no, with nothing written; an outsider, a member of another organization,
 *   and another organization's member or invitation id: 404, nothing written;
 * - an admin taking over: promoting themselves or someone to owner, demoting or removing
 *   an owner, inviting an owner: 403 through the API, and refused by the database on its
 *   own with the API's check bypassed (RESTRICTIVE policies), including un-revoking an
 *   owner's invitation;
 * - the organization left without an owner: the last owner demoted, removed or leaving: 409
 *   `last_owner`, nothing changed;
 * - ownership transfer without aal2, by an admin, to an outsider or to oneself: refused;
 * - bad input (an address that is not one, an unknown role, a malformed id): 422, nothing written;
 * - inviting an existing member (409), inviting an address twice (the first link dies);
 * - a removed member's next request: 404;
 * - every change writes its event in the same transaction; a refused one writes none.
 */
import { describe, expect, it } from "vitest";
import type { OrgRole } from "../../src/db/schema";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { ownerQuery } from "../helpers/identity-ip";
import {
  accept,
  invitationCount,
  invitationRow,
  invite,
  invited,
  invitee,
  orgEventDetails,
  orgEvents,
  roleIn,
  type InvitationBody,
} from "../helpers/members";
import { addMember, api, orgOf, orgWithRoles, person, type Person } from "../helpers/orgs";
import { asApp, dbError } from "../helpers/tenants";

const ROLES = ["owner", "admin", "member", "auditor", "viewer"] as const satisfies readonly OrgRole[];
const MANAGERS = ["owner", "admin"] as const;
const NOT_MANAGERS = ["member", "auditor", "viewer"] as const;

interface MemberBody {
  user_id: string;
  name: string;
  email: string;
  role: OrgRole;
  joined_at: string;
}

/** An org with one person of each role, an outsider, and a neighbouring org with its own owner and member. */
async function world() {
  const { orgId, people } = await orgWithRoles();
  const [outsider, neighbourOwner, neighbourMember] = await Promise.all([person("outsider"), person("n-owner"), person("n-member")]);
  const neighbourId = await orgOf(neighbourOwner);
  await addMember(neighbourId, neighbourMember, "member");
  return { orgId, people, outsider, neighbourId, neighbourOwner, neighbourMember };
}

describe("P9 members: list", () => {
  it("P9: every role lists the members, sorted by role then name, with name, email, role and joining time", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const role of ROLES) {
      const response = await api("GET", `/v1/orgs/${orgId}/members`, people[role].token);
      expect(response.status, role).toBe(200);
      const body = await response.json<{ data: MemberBody[]; truncated: boolean }>();
      expect(body.truncated).toBe(false);
      expect(body.data.map((m) => m.role)).toEqual(["owner", "admin", "member", "auditor", "viewer"]);
      expect(body.data.map((m) => m.user_id)).toEqual(ROLES.map((r) => people[r].id));
      expect(body.data[0]).toMatchObject({ name: "owner", email: expect.stringMatching(/^owner\+.+@example\.org$/) as unknown });
      expect(Number.isNaN(Date.parse(body.data[0]?.joined_at ?? ""))).toBe(false);
    }
  });

  it("P11 (refuses): an outsider and a member of another organization get 404, like an unknown organization", async () => {
    const { orgId, outsider, neighbourOwner } = await world();
    for (const who of [outsider, neighbourOwner]) {
      await expectProblem(await api("GET", `/v1/orgs/${orgId}/members`, who.token), 404, "not_found");
    }
    await expectProblem(await api("GET", `/v1/orgs/${orgId}/members`, undefined), 401, "authentication_required");
  });
});

describe("P9 invitations: invite, list, revoke", () => {
  it("P9: owners and admins invite; members, auditors and viewers get 403 and nothing is written", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const role of NOT_MANAGERS) {
      await expectProblem(await invite(orgId, people[role], (await invitee()).email, "viewer"), 403, "forbidden");
    }
    expect(await invitationCount(orgId)).toBe(0);
    expect(await orgEvents(orgId, "member_invited")).toBe(0);
    for (const role of MANAGERS) {
      const target = await invitee();
      const response = await invite(orgId, people[role], target.email.toUpperCase(), "member");
      expect(response.status, role).toBe(201);
      const body = await response.json<InvitationBody>();
      expect(body).toMatchObject({ email: target.email, role: "member", invited_by: people[role].id });
      expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(7 * 24 * 3600 * 1000);
      expect((await invitationRow(body.id))?.org_id).toBe(orgId);
    }
    expect(await orgEvents(orgId, "member_invited")).toBe(2);
  });

  it("P9 (refuses): only an owner invites an owner (an admin gets 403, nothing written)", async () => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await invite(orgId, people.admin, (await invitee()).email, "owner"), 403, "forbidden");
    expect(await invitationCount(orgId)).toBe(0);
    expect((await invite(orgId, people.owner, (await invitee()).email, "owner")).status).toBe(201);
  });

  it("P9 (refuses): an existing member cannot be invited (409 already_member); nothing written", async () => {
    const { orgId, people } = await orgWithRoles();
    const member = await invitee();
    await addMember(orgId, member, "viewer");
    await expectProblem(await invite(orgId, people.admin, member.email, "admin"), 409, "already_member");
    expect(await invitationCount(orgId)).toBe(0);
    expect(await orgEvents(orgId, "member_invited")).toBe(0);
  });

  it("P9: a second invitation of the same address replaces the first, whose link stops working", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const first = await invited(orgId, people.owner, target.email, "viewer", 1);
    const second = await invited(orgId, people.admin, target.email, "member", 2);
    expect(first.token).not.toBe(second.token);
    expect((await invitationRow(first.invitation.id))?.revoked_at).not.toBeNull();
    const listed = await (await api("GET", `/v1/orgs/${orgId}/invitations`, people.owner.token)).json<{ data: InvitationBody[] }>();
    expect(listed.data.map((i) => i.id)).toEqual([second.invitation.id]);
    await expectProblem(await accept(target, first.token), 400, "invalid_invitation");
    expect((await accept(target, second.token)).status).toBe(201);
    expect(await roleIn(orgId, target.id)).toBe("member");
  });

  it.each([
    ["an address that is not one", { email: "not-an-address", role: "member" }],
    ["an unknown role", { email: "someone@example.org", role: "superuser" }],
    ["no role", { email: "someone@example.org" }],
    ["an address over 320 characters", { email: `${"a".repeat(320)}@example.org`, role: "member" }],
  ])("P9 (refuses): %s is 422 and invites nobody", async (_label, body) => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await api("POST", `/v1/orgs/${orgId}/invitations`, people.owner.token, body), 422, "validation_failed");
    expect(await invitationCount(orgId)).toBe(0);
  });

  it("P9: owners and admins list pending invitations (never a digest); others get 403", async () => {
    const { orgId, people } = await orgWithRoles();
    const pending = await invited(orgId, people.owner, (await invitee()).email, "auditor");
    const revoked = await invited(orgId, people.owner, (await invitee()).email, "viewer");
    const expired = await invited(orgId, people.owner, (await invitee()).email, "viewer");
    await ownerQuery("update invitations set revoked_at = now() where id = $1", [revoked.invitation.id]);
    await ownerQuery("update invitations set expires_at = now() - interval '1 second' where id = $1", [expired.invitation.id]);
    for (const role of MANAGERS) {
      const response = await api("GET", `/v1/orgs/${orgId}/invitations`, people[role].token);
      expect(response.status, role).toBe(200);
      const text = await response.text();
      expect(text).not.toMatch(/digest/i);
      const body = JSON.parse(text) as { data: InvitationBody[]; truncated: boolean };
      expect(body).toEqual({ data: [pending.invitation], truncated: false });
    }
    for (const role of NOT_MANAGERS) {
      await expectProblem(await api("GET", `/v1/orgs/${orgId}/invitations`, people[role].token), 403, "forbidden");
    }
  });

  it("P9: owners and admins revoke; others get 403; the link dies at once and the event is written", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const role of MANAGERS) {
      const target = await invitee();
      const { invitation, token } = await invited(orgId, people.owner, target.email, "member");
      for (const refused of NOT_MANAGERS) {
        await expectProblem(await api("DELETE", `/v1/orgs/${orgId}/invitations/${invitation.id}`, people[refused].token), 403, "forbidden");
      }
      expect((await invitationRow(invitation.id))?.revoked_at).toBeNull();
      expect((await api("DELETE", `/v1/orgs/${orgId}/invitations/${invitation.id}`, people[role].token)).status, role).toBe(204);
      expect((await invitationRow(invitation.id))?.revoked_at).not.toBeNull();
      await expectProblem(await accept(target, token), 400, "invalid_invitation");
      // Revoked already: no longer pending, so there is nothing to revoke.
      await expectProblem(await api("DELETE", `/v1/orgs/${orgId}/invitations/${invitation.id}`, people[role].token), 404, "not_found");
    }
    expect(await orgEventDetails(orgId, "invitation_revoked")).toHaveLength(2);
  });

  it("P11 (refuses): invitation routes answer 404 to outsiders, and for another organization's invitation id, which stays pending", async () => {
    const { orgId, people, outsider, neighbourId, neighbourOwner } = await world();
    const theirs = await invited(neighbourId, neighbourOwner, (await invitee()).email, "member");
    await expectProblem(await api("DELETE", `/v1/orgs/${orgId}/invitations/${theirs.invitation.id}`, people.owner.token), 404, "not_found");
    await expectProblem(await api("DELETE", `/v1/orgs/${orgId}/invitations/${crypto.randomUUID()}`, people.owner.token), 404, "not_found");
    expect((await invitationRow(theirs.invitation.id))?.revoked_at).toBeNull();
    for (const who of [outsider, neighbourOwner]) {
      await expectProblem(await invite(orgId, who, (await invitee()).email, "viewer"), 404, "not_found");
      await expectProblem(await api("GET", `/v1/orgs/${orgId}/invitations`, who.token), 404, "not_found");
    }
    await expectProblem(
      await api("DELETE", `/v1/orgs/${neighbourId}/invitations/${theirs.invitation.id}`, outsider.token),
      404,
      "not_found",
    );
    expect(await invitationCount(orgId)).toBe(0);
    await expectProblem(await api("DELETE", `/v1/orgs/${orgId}/invitations/not-a-uuid`, people.owner.token), 422, "validation_failed");
  });

  it("P4: invitations are rate-limited per organization by their own policy", async () => {
    const { orgId, people } = await orgWithRoles();
    const response = await invite(orgId, people.owner, (await invitee()).email, "viewer");
    expect(response.status).toBe(201);
    expect(response.headers.get("ratelimit-policy")).toContain('"invitations-org";q=100;w=3600');
  });
});

describe("P9 members: change a role", () => {
  const patch = (orgId: string, who: Person, userId: string, role: string) =>
    api("PATCH", `/v1/orgs/${orgId}/members/${userId}`, who.token, { role });

  it("P9: owners and admins change a member's role; members, auditors and viewers get 403 and change nothing", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const role of NOT_MANAGERS) {
      await expectProblem(await patch(orgId, people[role], people.viewer.id, "admin"), 403, "forbidden");
    }
    expect(await roleIn(orgId, people.viewer.id)).toBe("viewer");
    const byAdmin = await patch(orgId, people.admin, people.viewer.id, "member");
    expect(byAdmin.status).toBe(200);
    expect(await byAdmin.json<MemberBody>()).toMatchObject({ user_id: people.viewer.id, role: "member", name: "viewer" });
    expect((await patch(orgId, people.owner, people.viewer.id, "auditor")).status).toBe(200);
    expect(await roleIn(orgId, people.viewer.id)).toBe("auditor");
    expect(await orgEventDetails(orgId, "member_role_changed")).toEqual([
      { member_id: people.viewer.id, role: "member", previous_role: "viewer" },
      { member_id: people.viewer.id, role: "auditor", previous_role: "member" },
    ]);
    // The same role again changes nothing and records nothing.
    expect((await patch(orgId, people.owner, people.viewer.id, "auditor")).status).toBe(200);
    expect(await orgEvents(orgId, "member_role_changed")).toBe(2);
  });

  it("P9 (refuses): an admin cannot grant the owner role, nor change an owner (403, nothing changed)", async () => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await patch(orgId, people.admin, people.admin.id, "owner"), 403, "forbidden");
    await expectProblem(await patch(orgId, people.admin, people.member.id, "owner"), 403, "forbidden");
    await expectProblem(await patch(orgId, people.admin, people.owner.id, "viewer"), 403, "forbidden");
    expect(await roleIn(orgId, people.admin.id)).toBe("admin");
    expect(await roleIn(orgId, people.member.id)).toBe("member");
    expect(await roleIn(orgId, people.owner.id)).toBe("owner");
    expect(await orgEvents(orgId, "member_role_changed")).toBe(0);
  });

  it("P9: an owner grants the owner role; the last owner cannot be demoted (409 last_owner)", async () => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await patch(orgId, people.owner, people.owner.id, "admin"), 409, "last_owner");
    expect(await roleIn(orgId, people.owner.id)).toBe("owner");
    expect((await patch(orgId, people.owner, people.admin.id, "owner")).status).toBe(200);
    // Two owners now: either may step down, and the other owner may demote them.
    expect((await patch(orgId, people.admin, people.owner.id, "member")).status).toBe(200);
    expect(await roleIn(orgId, people.owner.id)).toBe("member");
    await expectProblem(await patch(orgId, people.admin, people.admin.id, "viewer"), 409, "last_owner");
  });

  it("P11 (refuses): another organization's member, an unknown user or an outsider caller: 404; bad input 422; nothing changed", async () => {
    const { orgId, people, outsider, neighbourId, neighbourMember, neighbourOwner } = await world();
    await expectProblem(await patch(orgId, people.owner, neighbourMember.id, "viewer"), 404, "not_found");
    await expectProblem(await patch(orgId, people.owner, crypto.randomUUID(), "viewer"), 404, "not_found");
    await expectProblem(await patch(neighbourId, outsider, neighbourMember.id, "owner"), 404, "not_found");
    await expectProblem(await patch(neighbourId, people.owner, neighbourOwner.id, "viewer"), 404, "not_found");
    expect(await roleIn(neighbourId, neighbourMember.id)).toBe("member");
    expect(await roleIn(neighbourId, neighbourOwner.id)).toBe("owner");
    await expectProblem(await patch(orgId, people.owner, people.member.id, "root"), 422, "validation_failed");
    await expectProblem(await patch(orgId, people.owner, "not-a-uuid", "viewer"), 422, "validation_failed");
    expect(await roleIn(orgId, people.member.id)).toBe("member");
  });
});

describe("P9 members: remove and leave", () => {
  const remove = (orgId: string, who: Person, userId: string) => api("DELETE", `/v1/orgs/${orgId}/members/${userId}`, who.token);

  it("P9: owners and admins remove members; others get 403; the removed member's next request is 404", async () => {
    const { orgId, people } = await orgWithRoles();
    for (const role of NOT_MANAGERS) {
      await expectProblem(await remove(orgId, people[role], people.viewer.id), 403, "forbidden");
    }
    expect(await roleIn(orgId, people.viewer.id)).toBe("viewer");
    expect((await remove(orgId, people.admin, people.viewer.id)).status).toBe(204);
    expect(await roleIn(orgId, people.viewer.id)).toBeUndefined();
    await expectProblem(await api("GET", `/v1/orgs/${orgId}/members`, people.viewer.token), 404, "not_found");
    await expectProblem(await api("GET", `/v1/orgs/${orgId}`, people.viewer.token), 404, "not_found");
    // Removed already: 404.
    await expectProblem(await remove(orgId, people.admin, people.viewer.id), 404, "not_found");
    expect((await remove(orgId, people.owner, people.auditor.id)).status).toBe(204);
    expect(await orgEventDetails(orgId, "member_removed")).toEqual([
      { member_id: people.viewer.id, role: "viewer" },
      { member_id: people.auditor.id, role: "auditor" },
    ]);
  });

  it("P9 (refuses): an admin cannot remove an owner; an owner removes another owner but never the last one", async () => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await remove(orgId, people.admin, people.owner.id), 403, "forbidden");
    await expectProblem(await remove(orgId, people.owner, people.owner.id), 409, "last_owner");
    expect(await roleIn(orgId, people.owner.id)).toBe("owner");
    const second = await person("second-owner");
    await addMember(orgId, second, "owner");
    expect((await remove(orgId, people.owner, second.id)).status).toBe(204);
    expect(await orgEvents(orgId, "member_removed")).toBe(1);
  });

  it("P11 (refuses): removing another organization's member or an unknown user is 404 and removes nothing", async () => {
    const { orgId, people, outsider, neighbourId, neighbourMember } = await world();
    await expectProblem(await remove(orgId, people.owner, neighbourMember.id), 404, "not_found");
    await expectProblem(await remove(orgId, people.owner, crypto.randomUUID()), 404, "not_found");
    await expectProblem(await remove(neighbourId, outsider, neighbourMember.id), 404, "not_found");
    expect(await roleIn(neighbourId, neighbourMember.id)).toBe("member");
  });

  it("P9: every role may leave; the last owner cannot (409); the event says who left with which role", async () => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await api("POST", `/v1/orgs/${orgId}/leave`, people.owner.token), 409, "last_owner");
    expect(await roleIn(orgId, people.owner.id)).toBe("owner");
    for (const role of ["admin", "member", "auditor", "viewer"] as const) {
      expect((await api("POST", `/v1/orgs/${orgId}/leave`, people[role].token)).status, role).toBe(204);
      expect(await roleIn(orgId, people[role].id)).toBeUndefined();
      await expectProblem(await api("POST", `/v1/orgs/${orgId}/leave`, people[role].token), 404, "not_found");
    }
    expect(await orgEventDetails(orgId, "member_left")).toEqual([
      { role: "admin" },
      { role: "member" },
      { role: "auditor" },
      { role: "viewer" },
    ]);
    const second = await person("second-owner");
    await addMember(orgId, second, "owner");
    expect((await api("POST", `/v1/orgs/${orgId}/leave`, people.owner.token)).status).toBe(204);
  });

  it("P11 (refuses): an outsider cannot leave an organization they are not in (404)", async () => {
    const { orgId, outsider } = await world();
    await expectProblem(await api("POST", `/v1/orgs/${orgId}/leave`, outsider.token), 404, "not_found");
  });
});

describe("P9 ownership transfer", () => {
  const transfer = (orgId: string, token: string, user: unknown) => api("POST", `/v1/orgs/${orgId}/transfer-ownership`, token, { user });

  it("P9: the owner at aal2 hands over: the member becomes owner and the caller admin, in one transaction", async () => {
    const { orgId, people } = await orgWithRoles();
    await expectProblem(await transfer(orgId, people.owner.token, people.member.id), 403, "mfa_required");
    for (const role of ["admin", "member", "auditor", "viewer"] as const) {
      await expectProblem(await transfer(orgId, people[role].aal2, people[role].id), 403, "forbidden");
    }
    expect(await roleIn(orgId, people.owner.id)).toBe("owner");
    expect(await orgEvents(orgId, "ownership_transferred")).toBe(0);

    expect((await transfer(orgId, people.owner.aal2, people.member.id)).status).toBe(204);
    expect(await roleIn(orgId, people.member.id)).toBe("owner");
    expect(await roleIn(orgId, people.owner.id)).toBe("admin");
    expect(await orgEventDetails(orgId, "ownership_transferred")).toEqual([{ member_id: people.member.id, previous_role: "member" }]);
    // The former owner is an admin now: the owner's routes refuse them.
    await expectProblem(await transfer(orgId, people.owner.aal2, people.owner.id), 403, "forbidden");
  });

  it("P9 (refuses): to oneself, to an outsider or to another organization's member: 422 invalid_reference, nothing changed", async () => {
    const { orgId, people, outsider, neighbourMember } = await world();
    for (const target of [people.owner, outsider, neighbourMember]) {
      await expectProblem(await transfer(orgId, people.owner.aal2, target.id), 422, "invalid_reference");
    }
    await expectProblem(await transfer(orgId, people.owner.aal2, "nobody"), 422, "validation_failed");
    expect(await roleIn(orgId, people.owner.id)).toBe("owner");
    expect(await orgEvents(orgId, "ownership_transferred")).toBe(0);
  });

  it("P11 (refuses): an outsider or another organization's owner naming this org gets 404", async () => {
    const { orgId, people, outsider, neighbourOwner } = await world();
    for (const who of [outsider, neighbourOwner]) {
      await expectProblem(await transfer(orgId, who.aal2, people.member.id), 404, "not_found");
    }
    expect(await roleIn(orgId, people.member.id)).toBe("member");
  });
});

describe("P9 members: the database refuses on its own (API check bypassed, as rampart_app)", () => {
  const db = () => workerDb();

  it("P9 (refuses): an admin's update of an owner matches nothing, and promoting anyone to owner is refused", async () => {
    const { orgId, people } = await orgWithRoles();
    const ctx = { orgId, userId: people.admin.id };
    expect(
      await asApp(
        db(),
        ctx,
        `update memberships set role = 'viewer' where org_id = '${orgId}' and user_id = '${people.owner.id}' returning user_id`,
      ),
    ).toEqual([]);
    for (const target of [people.admin, people.member]) {
      const err = await dbError(
        asApp(db(), ctx, `update memberships set role = 'owner' where org_id = '${orgId}' and user_id = '${target.id}'`),
      );
      expect(err.code).toBe("42501");
    }
    expect(
      await asApp(db(), ctx, `delete from memberships where org_id = '${orgId}' and user_id = '${people.owner.id}' returning user_id`),
    ).toEqual([]);
    const stranger = await person();
    const insert = await dbError(
      asApp(db(), ctx, `insert into memberships (org_id, user_id, role) values ('${orgId}', '${stranger.id}', 'owner')`),
    );
    expect(insert.code).toBe("42501");
    expect(await roleIn(orgId, people.owner.id)).toBe("owner");
    expect(await roleIn(orgId, people.member.id)).toBe("member");
    expect(await roleIn(orgId, stranger.id)).toBeUndefined();
    // The same admin still manages non-owners.
    expect(
      await asApp(
        db(),
        ctx,
        `update memberships set role = 'auditor' where org_id = '${orgId}' and user_id = '${people.member.id}' returning role`,
      ),
    ).toEqual([{ role: "auditor" }]);
  });

  it("P9 (refuses): a viewer removes only their own membership; a member cannot change roles", async () => {
    const { orgId, people } = await orgWithRoles();
    expect(
      await asApp(
        db(),
        { orgId, userId: people.viewer.id },
        `delete from memberships where org_id = '${orgId}' and user_id = '${people.member.id}' returning user_id`,
      ),
    ).toEqual([]);
    expect(
      await asApp(
        db(),
        { orgId, userId: people.member.id },
        `update memberships set role = 'admin' where org_id = '${orgId}' returning user_id`,
      ),
    ).toEqual([]);
    expect(
      await asApp(
        db(),
        { orgId, userId: people.viewer.id },
        `delete from memberships where org_id = '${orgId}' and user_id = '${people.viewer.id}' returning user_id`,
      ),
    ).toEqual([{ user_id: people.viewer.id }]);
    expect(await roleIn(orgId, people.member.id)).toBe("member");
  });

  it("P9 (refuses): an admin cannot write an owner's invitation, nor bring back a revoked one; a member cannot read or write any", async () => {
    const { orgId, people } = await orgWithRoles();
    const owners = await invited(orgId, people.owner, (await invitee()).email, "owner");
    await ownerQuery("update invitations set revoked_at = now() where id = $1", [owners.invitation.id]);
    const admin = { orgId, userId: people.admin.id };
    const forged = await dbError(
      asApp(
        db(),
        admin,
        `insert into invitations (org_id, email, role, token_digest, invited_by, expires_at)
        values ('${orgId}', 'x@example.org', 'owner', 'forged-digest', '${people.admin.id}', now() + interval '1 day')`,
      ),
    );
    expect(forged.code).toBe("42501");
    const unrevoke = await dbError(asApp(db(), admin, `update invitations set revoked_at = null where id = '${owners.invitation.id}'`));
    expect(unrevoke.code).toBe("42501");
    expect((await invitationRow(owners.invitation.id))?.revoked_at).not.toBeNull();
    // Forged inviter or an expiry beyond seven days: refused too.
    for (const values of [
      `'${orgId}', 'y@example.org', 'viewer', 'd1', '${people.owner.id}', now() + interval '1 day'`,
      `'${orgId}', 'y@example.org', 'viewer', 'd2', '${people.admin.id}', now() + interval '30 days'`,
    ]) {
      const err = await dbError(
        asApp(db(), admin, `insert into invitations (org_id, email, role, token_digest, invited_by, expires_at) values (${values})`),
      );
      expect(err.code).toBe("42501");
    }
    const member = { orgId, userId: people.member.id };
    expect(await asApp(db(), member, `select id from invitations where org_id = '${orgId}'`)).toEqual([]);
    const byMember = await dbError(
      asApp(
        db(),
        member,
        `insert into invitations (org_id, email, role, token_digest, invited_by, expires_at)
        values ('${orgId}', 'z@example.org', 'viewer', 'd3', '${people.member.id}', now() + interval '1 day')`,
      ),
    );
    expect(byMember.code).toBe("42501");
  });

  it("P11 (refuses): the app role reads no invitation of another organization, and never a token digest", async () => {
    const { orgId, people, neighbourId, neighbourOwner } = await world();
    const theirs = await invited(neighbourId, neighbourOwner, (await invitee()).email, "member");
    const ctx = { orgId, userId: people.owner.id };
    expect(await asApp(db(), ctx, `select id from invitations where id = '${theirs.invitation.id}'`)).toEqual([]);
    expect(await asApp(db(), ctx, `update invitations set revoked_at = now() where id = '${theirs.invitation.id}' returning id`)).toEqual(
      [],
    );
    for (const statement of ["select token_digest from invitations", "select * from invitations"]) {
      const err = await dbError(asApp(db(), { orgId: neighbourId, userId: neighbourOwner.id }, statement));
      expect(err.code, statement).toBe("42501");
    }
    expect((await invitationRow(theirs.invitation.id))?.revoked_at).toBeNull();
  });
});

describe("P9 members routes in the OpenAPI document", () => {
  it("P9: each route is documented with its auth, its examples and every error code it may answer", async () => {
    type Operation = { security?: unknown[]; responses: Record<string, { description?: string }> };
    const doc = await (
      await api("GET", "/openapi.json", undefined)
    ).json<{ paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } }>();
    const codes = (op: Operation | undefined): string[] =>
      Object.values(op?.responses ?? {}).flatMap((r) => [...(r.description ?? "").matchAll(/`([a-z_]+)`:/g)].map((m) => m[1] ?? ""));
    const expected: [string, string, string[]][] = [
      ["/v1/orgs/{org}/members", "get", ["not_found", "forbidden", "mfa_required", "organization_suspended"]],
      ["/v1/orgs/{org}/members/{user}", "patch", ["last_owner", "forbidden", "not_found", "validation_failed"]],
      ["/v1/orgs/{org}/members/{user}", "delete", ["last_owner", "forbidden", "not_found"]],
      ["/v1/orgs/{org}/leave", "post", ["last_owner", "not_found"]],
      ["/v1/orgs/{org}/transfer-ownership", "post", ["invalid_reference", "mfa_required", "forbidden"]],
      ["/v1/orgs/{org}/invitations", "post", ["already_member", "forbidden", "rate_limited", "rate_limit_unavailable"]],
      ["/v1/orgs/{org}/invitations", "get", ["forbidden", "not_found"]],
      ["/v1/orgs/{org}/invitations/{id}", "delete", ["forbidden", "not_found"]],
      [
        "/v1/invitations/accept",
        "post",
        ["invalid_invitation", "email_not_verified", "invitation_email_mismatch", "already_member", "authentication_required"],
      ],
    ];
    for (const [path, method, errors] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op?.security, `${method} ${path}`).toEqual([{ accessToken: [] }]);
      expect(codes(op), `${method} ${path}`).toEqual(expect.arrayContaining(errors));
    }
    // Request and response bodies are components, each with examples.
    const schemas = doc.components.schemas;
    for (const [name, example] of [
      ["Member", "Ada Lovelace"],
      ["Invitation", "grace@example.org"],
      ["InvitationRequest", "ada@example.org"],
      ["AcceptedInvitation", "0b9c6f3e-6d1f-4a8e-9a51-2f0c2d7e4b11"],
      ["TransferOwnershipRequest", "7d3c1a52-9b0e-4f7a-8c21-5e6f4a3b2d10"],
    ] as const) {
      expect(JSON.stringify(schemas[name]), name).toContain(example);
    }
  });
});
