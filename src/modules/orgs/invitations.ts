/**
 * Invitations (P9, P10, P16): owners and admins invite an address with a role
 * (`/v1/orgs/{org}/invitations`), list the pending ones and revoke them; the invitee
 * accepts with the emailed link (`POST /v1/invitations/accept`), signed in with a
 * verified account of that address.
 *
 * The link's token is 256 random bits; only its keyed digest is stored (the email-link
 * approach of src/modules/auth, src/crypto/tokens.ts), and the app role cannot read it
 * back. A link works once, for seven days, and stops working when the address is
 * invited again or the invitation is revoked. Only an owner invites an owner; nobody
 * invites an existing member. Unknown, used, revoked and expired links get the same
 * answer; an account of another address gets 403 and does not use the link up.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { randomToken, TOKEN_SHAPE, tokenDigest } from "../../crypto/tokens";
import { createDatabase, inContext, schema } from "../../db";
import type { OrgRole } from "../../db/schema";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { inOrg } from "../../pipeline/authorize";
import { defineRoute } from "../../pipeline/route";
import { sendLater } from "../auth/auth.emails";
import { currentUser } from "../auth/auth.principal";
import { normaliseEmail } from "../auth/auth.schemas";
import { invitationEmail } from "./invitations.email";
import { iso, logEvent, memberEvent, withEvent } from "./members.db";
import {
  AcceptedInvitation,
  AcceptInvitationBody,
  Invitation,
  InvitationList,
  InvitationParams,
  InviteBody,
  LIST_CAP,
} from "./members.schemas";
import { OrgParams } from "./orgs.schemas";

/** An invitation link works this many days. */
export const INVITATION_DAYS = 7;
const INVITATION_SECONDS = INVITATION_DAYS * 24 * 3600;

const tags = ["invitations"];
const i = schema.invitations;

/** An invitation as the app role may read it (never the token digest). */
type InvitationRow = {
  readonly id: string;
  readonly email: string;
  readonly role: OrgRole;
  readonly invited_by: string | null;
  readonly created_at: string | Date;
  readonly expires_at: string | Date;
};

const present = (row: InvitationRow) =>
  Invitation.parse({
    id: row.id,
    email: row.email,
    role: row.role,
    invited_by: row.invited_by,
    created_at: iso(row.created_at),
    expires_at: iso(row.expires_at),
  });

export const inviteRoute = defineRoute(
  {
    method: "post",
    path: "/{org}/invitations",
    operationId: "inviteMember",
    tags,
    summary: "Invite someone by email",
    description:
      `Owners and admins; only an owner invites an \`owner\`. Emails a single-use link (${INVITATION_DAYS} days) to the address, ` +
      "to be accepted by the account of that address (`POST /v1/invitations/accept`). Inviting the same address again " +
      "replaces its pending invitation (the earlier link stops working). An existing member is 409 `already_member`. " +
      "Rate-limited per organization (policy `invitations`: 100 an hour).",
    request: { params: OrgParams, ...jsonBody(InviteBody) },
    responses: { 201: json("The pending invitation", Invitation) },
  },
  { auth: { principals: ["user"] }, permission: "manage", rateLimit: "invitations", errors: ["already_member"] },
);

export const listInvitationsRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/invitations",
    operationId: "listInvitations",
    tags,
    summary: "Pending invitations",
    description: `Owners and admins. Invitations not yet accepted, revoked or expired, newest first, at most ${LIST_CAP}.`,
    request: { params: OrgParams },
    responses: { 200: json("The pending invitations", InvitationList) },
  },
  { auth: { principals: ["user"] }, permission: "manage" },
);

export const revokeInvitationRoute = defineRoute(
  {
    method: "delete",
    path: "/{org}/invitations/{id}",
    operationId: "revokeInvitation",
    tags,
    summary: "Revoke a pending invitation",
    description:
      "Owners and admins. Its link stops working at once. An invitation that is not pending (or of another organization) is 404.",
    request: { params: InvitationParams },
    responses: { 204: { description: "Revoked" } },
  },
  { auth: { principals: ["user"] }, permission: "manage" },
);

/** Mounted at `/v1/invitations`: not an organization route (the invitee is not a member yet). */
export const acceptInvitationRoute = defineRoute(
  {
    method: "post",
    path: "/accept",
    operationId: "acceptInvitation",
    tags,
    summary: "Accept an invitation",
    description:
      "Signed in with a verified account whose email address is the invited one: you become a member with the invited role. " +
      "The link works once; an unknown, used, revoked or expired link is 400 `invalid_invitation`. " +
      "An account of another address is 403 `invitation_email_mismatch` (the link stays usable by the invitee).",
    request: jsonBody(AcceptInvitationBody),
    responses: { 201: json("You are a member", AcceptedInvitation) },
  },
  {
    auth: { principals: ["user"] },
    errors: ["invalid_invitation", "email_not_verified", "invitation_email_mismatch", "already_member", "organization_suspended"],
  },
);

const invite: RouteHandler<typeof inviteRoute, AppEnv> = async (c) => {
  const me = currentUser(c);
  const { org } = c.req.valid("param");
  const body = c.req.valid("json");
  const config = c.env.edge.config;
  const email = normaliseEmail(body.email);
  const id = crypto.randomUUID();
  const token = randomToken();
  const digest = await tokenDigest(config.secrets.tokenHashSecret, "email", token);
  const event = await memberEvent(c, "member_invited", org, { invitation_id: id, role: body.role });
  const {
    results: [created, names],
  } = await inOrg(c, (tx) => [
    tx.execute<InvitationRow>(
      sql`select * from app.invite_member(${id}::uuid, ${email}, ${body.role}::public.org_role, ${digest}, ${INVITATION_SECONDS}::integer)`,
    ),
    tx.execute<{ org_name: string; inviter_name: string }>(
      sql`select o.name as org_name, u.name as inviter_name from public.organizations o, public.users u where o.id = ${org} and u.id = ${me.id}`,
    ),
    event.prepared.insert(tx),
  ]);
  const row = created.rows[0];
  const facts = names.rows[0];
  if (row === undefined || facts === undefined) throw new Error("app.invite_member answered no invitation");
  sendLater(
    c,
    invitationEmail(config.identity.appUrl, {
      to: email,
      orgName: facts.org_name,
      inviterName: facts.inviter_name,
      role: body.role,
      token,
      days: INVITATION_DAYS,
    }),
  );
  logEvent(event);
  return c.json(present(row), 201);
};

const listInvitations: RouteHandler<typeof listInvitationsRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [
    tx
      .select({ id: i.id, email: i.email, role: i.role, invited_by: i.invitedBy, created_at: i.createdAt, expires_at: i.expiresAt })
      .from(i)
      .where(and(eq(i.orgId, org), isNull(i.acceptedAt), isNull(i.revokedAt), gt(i.expiresAt, sql`now()`)))
      .orderBy(desc(i.createdAt), desc(i.id))
      .limit(LIST_CAP + 1),
  ]);
  return c.json({ data: rows.slice(0, LIST_CAP).map(present), truncated: rows.length > LIST_CAP }, 200);
};

const revokeInvitation: RouteHandler<typeof revokeInvitationRoute, AppEnv> = async (c) => {
  const { org, id } = c.req.valid("param");
  const event = await memberEvent(c, "invitation_revoked", org, { invitation_id: id });
  const {
    results: [revoked],
  } = await inOrg(c, (tx) => [
    tx.execute<{ id: string }>(
      withEvent(
        event,
        sql`update public.invitations set revoked_at = now()
          where id = ${id} and org_id = ${org} and accepted_at is null and revoked_at is null and expires_at > now()
          returning id`,
      ),
    ),
  ]);
  if (revoked.rows.length === 0) throw new AppError("not_found");
  logEvent(event);
  return c.body(null, 204);
};

const acceptInvitation: RouteHandler<typeof acceptInvitationRoute, AppEnv> = async (c) => {
  const me = currentUser(c);
  const { token } = c.req.valid("json");
  const config = c.env.edge.config;
  // Not a token this API issues: the same answer as an unknown one, without a round trip.
  if (!TOKEN_SHAPE.test(token)) throw new AppError("invalid_invitation");
  const digest = await tokenDigest(config.secrets.tokenHashSecret, "email", token);
  const event = await memberEvent(c, "invitation_accepted", null, {});
  const db = await createDatabase(config.database);
  // app.accept_invitation makes the joined organization the request's (transaction-local), so the
  // next statement writes the event in it, from the invitation the acceptor may now read.
  const [accepted] = await inContext(db, { actor: { kind: "user", userId: me.id } }, (tx) => [
    tx.execute<{ org_id: string; role: OrgRole; invitation_id: string }>(sql`select * from app.accept_invitation(${digest})`),
    tx.execute(
      withEvent(
        event,
        sql`select i.org_id, i.id as invitation_id, i.role from public.invitations i
            where i.org_id = app.current_org_id() and i.accepted_by = app.current_user_id() and i.accepted_at = now()`,
        { orgId: sql`done.org_id`, extra: sql`jsonb_build_object('invitation_id', done.invitation_id, 'role', done.role)` },
      ),
    ),
  ]);
  const row = accepted.rows[0];
  if (row === undefined) throw new Error("app.accept_invitation answered no membership");
  logEvent(event, { invitation_id: row.invitation_id, role: row.role }, row.org_id);
  return c.json(AcceptedInvitation.parse({ org_id: row.org_id, role: row.role }), 201, { Location: `/v1/orgs/${row.org_id}` });
};

/** Registers the organization's invitation routes (under `/v1/orgs`). */
export function registerInvitations(router: OpenAPIHono<AppEnv>): void {
  router.openapi(inviteRoute, invite);
  router.openapi(listInvitationsRoute, listInvitations);
  router.openapi(revokeInvitationRoute, revokeInvitation);
}

/** Registers the invitee's route (under `/v1/invitations`). */
export function registerInvitationAcceptance(router: OpenAPIHono<AppEnv>): void {
  router.openapi(acceptInvitationRoute, acceptInvitation);
}
