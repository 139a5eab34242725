/**
 * P10 (secrets stored safely), P6/P9 (who may join) and P16 for invitation links, through
 * the real worker, database and email capture.
 *
 * Attacks and mistakes covered:
 * - a copy of the database used to accept an invitation: only a keyed digest of the token
 *   is stored (no column holds the token), and the app role cannot read the digest back;
 * - a link replayed after use, revoked, expired, forged, malformed, or with a token of
 *   another kind (an email-verification link): the same 400 `invalid_invitation`, nothing
 *   written;
 * - someone else's account using a forwarded or intercepted link: 403
 *   `invitation_email_mismatch`, and the link still works for the invitee;
 * - an account whose address is not verified (the address is not proven theirs): 403
 *   `email_not_verified`, link not used up;
 * - an existing member accepting again (409), an anonymous caller (401);
 * - acceptance writes the membership with the invited role and its event, in one transaction.
 */
import { describe, expect, it } from "vitest";
import { keyedDigest, signedUpAccount, verifyEmail, whereStored } from "../helpers/auth-requests";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { accept, invitationRow, invited, invitee, orgEventDetails, orgEvents, roleIn } from "../helpers/members";
import { api, orgWithRoles } from "../helpers/orgs";
import { asApp, dbError } from "../helpers/tenants";

describe("P10 invitation tokens", () => {
  it("P10: only the token's keyed digest is stored; no column holds the token; the app role cannot read the digest", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const { invitation, token } = await invited(orgId, people.owner, target.email, "member");
    expect(token).toMatch(/^[\w-]{43}$/);
    const row = await invitationRow(invitation.id);
    expect(row?.token_digest).toBe(await keyedDigest("email", token));
    expect(row?.token_digest).not.toContain(token);
    expect(await whereStored({ token })).toEqual([]);
    const err = await dbError(asApp(workerDb(), { orgId, userId: people.owner.id }, "select token_digest from invitations"));
    expect(err.code).toBe("42501");
    // What the app role can do with a digest it somehow had: nothing but accept through the function, as a user.
    const fn = await dbError(asApp(workerDb(), null, `select * from app.accept_invitation('${String(row?.token_digest)}')`));
    expect(fn.code).toBe("RA403");
    expect((await invitationRow(invitation.id))?.accepted_at).toBeNull();
  });

  it("P10 (refuses): the link is single-use: accepted once (with the invited role), a replay gets the unknown-token answer", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const { invitation, token } = await invited(orgId, people.admin, target.email, "auditor");
    const response = await accept(target, token);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ org_id: orgId, role: "auditor" });
    expect(response.headers.get("location")).toBe(`/v1/orgs/${orgId}`);
    expect(await roleIn(orgId, target.id)).toBe("auditor");
    expect(await invitationRow(invitation.id)).toMatchObject({ accepted_by: target.id });
    expect(await orgEventDetails(orgId, "invitation_accepted")).toEqual([{ invitation_id: invitation.id, role: "auditor" }]);
    // The new member works in the organization at once.
    expect((await api("GET", `/v1/orgs/${orgId}/members`, target.token)).status).toBe(200);

    const replay = await expectProblem(await accept(target, token), 400, "invalid_invitation");
    const unknown = await expectProblem(await accept(target, "A".repeat(43)), 400, "invalid_invitation");
    expect(replay.detail).toBe(unknown.detail);
    // Someone else replaying it: the same answer, and they do not join.
    const other = await invitee();
    await expectProblem(await accept(other, token), 400, "invalid_invitation");
    expect(await roleIn(orgId, other.id)).toBeUndefined();
    expect(await orgEvents(orgId, "invitation_accepted")).toBe(1);
  });

  it("P10 (refuses): an expired link gets the same answer and writes nothing", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const { invitation, token } = await invited(orgId, people.owner, target.email, "member");
    await ownerQuery("update invitations set expires_at = now() - interval '1 second' where id = $1", [invitation.id]);
    await expectProblem(await accept(target, token), 400, "invalid_invitation");
    expect(await roleIn(orgId, target.id)).toBeUndefined();
    expect((await invitationRow(invitation.id))?.accepted_at).toBeNull();
    expect(await orgEvents(orgId, "invitation_accepted")).toBe(0);
  });

  it.each([
    ["a malformed token", "not a token"],
    ["an empty token", ""],
    ["a token of the wrong type", 42],
    ["a token over 512 characters", "a".repeat(513)],
  ])("P10 (refuses): %s is refused with a 4xx problem and nothing written", async (_label, token) => {
    const target = await invitee();
    const response = await accept(target, token);
    expect([400, 422]).toContain(response.status);
    await expectProblem(response, response.status, response.status === 400 ? "invalid_invitation" : "validation_failed");
    expect(await ownerCount("select count(*)::int as n from memberships where user_id = $1", [target.id])).toBe(0);
  });

  it("P10 (refuses): a token of another kind (an email-verification link's) is not an invitation, and stays a valid verification link", async () => {
    const { orgId, people } = await orgWithRoles();
    const { verifyToken, email } = await signedUpAccount();
    await invited(orgId, people.owner, email, "member");
    const acceptor = await invitee();
    await expectProblem(await accept(acceptor, verifyToken), 400, "invalid_invitation");
    expect(await ownerCount("select count(*)::int as n from memberships where org_id = $1", [orgId])).toBe(5);
    expect((await verifyEmail(verifyToken)).status).toBe(200);
  });
});

describe("P9 who may accept", () => {
  it("P9 (refuses): another account (another address) gets 403 invitation_email_mismatch; the invitee can still use the link", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const intruder = await invitee("intruder");
    const { invitation, token } = await invited(orgId, people.owner, target.email, "admin");
    await expectProblem(await accept(intruder, token), 403, "invitation_email_mismatch");
    // A member of the organization is not the invitee either.
    await expectProblem(await accept(people.viewer, token), 403, "invitation_email_mismatch");
    expect(await roleIn(orgId, intruder.id)).toBeUndefined();
    expect(await roleIn(orgId, people.viewer.id)).toBe("viewer");
    expect((await invitationRow(invitation.id))?.accepted_at).toBeNull();
    expect((await accept(target, token)).status).toBe(201);
    expect(await roleIn(orgId, target.id)).toBe("admin");
  });

  it("P9 (refuses): the invited address's account must be verified (403 email_not_verified, link not used up)", async () => {
    const { orgId, people } = await orgWithRoles();
    const unverified = await invitee("unverified", { verified: false });
    const { invitation, token } = await invited(orgId, people.owner, unverified.email, "member");
    await expectProblem(await accept(unverified, token), 403, "email_not_verified");
    expect(await roleIn(orgId, unverified.id)).toBeUndefined();
    expect((await invitationRow(invitation.id))?.accepted_at).toBeNull();
    await ownerQuery("update users set email_verified_at = now() where id = $1", [unverified.id]);
    expect((await accept(unverified, token)).status).toBe(201);
  });

  it("P9 (refuses): a revoked link is refused like an unknown one", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const { invitation, token } = await invited(orgId, people.owner, target.email, "member");
    expect((await api("DELETE", `/v1/orgs/${orgId}/invitations/${invitation.id}`, people.admin.token)).status).toBe(204);
    await expectProblem(await accept(target, token), 400, "invalid_invitation");
    expect(await roleIn(orgId, target.id)).toBeUndefined();
  });

  it("P9 (refuses): someone who became a member meanwhile gets 409 already_member; their role is unchanged", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const { token } = await invited(orgId, people.owner, target.email, "owner");
    await ownerQuery("insert into memberships (org_id, user_id, role) values ($1, $2, 'viewer')", [orgId, target.id]);
    await expectProblem(await accept(target, token), 409, "already_member");
    expect(await roleIn(orgId, target.id)).toBe("viewer");
  });

  it("P9 (refuses): a suspended organization's invitation cannot be accepted", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const { token } = await invited(orgId, people.owner, target.email, "member");
    await ownerQuery("update organizations set suspended_at = now() where id = $1", [orgId]);
    await expectProblem(await accept(target, token), 403, "organization_suspended");
    expect(await roleIn(orgId, target.id)).toBeUndefined();
  });

  it("P9 (refuses): accepting needs a signed-in user (401 without a token)", async () => {
    await expectProblem(await api("POST", "/v1/invitations/accept", undefined, { token: "A".repeat(43) }), 401, "authentication_required");
  });

  it("P16: the acceptance's event is stored in the organization joined, with the acceptor as actor", async () => {
    const { orgId, people } = await orgWithRoles();
    const target = await invitee();
    const { token } = await invited(orgId, people.owner, target.email, "viewer");
    const response = await accept(target, token);
    expect(response.status).toBe(201);
    const [event] = await ownerQuery(
      "select org_id, actor_user_id, request_id, severity from security_events where type = 'invitation_accepted' and org_id = $1",
      [orgId],
    );
    expect(event).toEqual({ org_id: orgId, actor_user_id: target.id, request_id: response.headers.get("x-request-id"), severity: "info" });
    const [invitedEvent] = await ownerQuery("select actor_user_id from security_events where type = 'member_invited' and org_id = $1", [
      orgId,
    ]);
    expect(invitedEvent?.actor_user_id).toBe(people.owner.id);
  });
});
