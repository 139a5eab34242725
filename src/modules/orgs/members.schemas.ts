/**
 * Request and response schemas of the members, invitations and ownership routes
 * (validation, types and the OpenAPI document). Every string has a maximum:
 * oversized fields are a 422.
 */
import { z } from "@hono/zod-openapi";
import { ORG_ROLES } from "../../db/schema";
import { EmailSchema, TokenSchema } from "../auth/auth.schemas";
import { OrgParams } from "./orgs.schemas";

const USER_ID_EXAMPLE = "7d3c1a52-9b0e-4f7a-8c21-5e6f4a3b2d10";
const INVITATION_ID_EXAMPLE = "c4e2a9f1-0b7d-4e3a-9f56-1a2b3c4d5e6f";
const ORG_ID_EXAMPLE = "0b9c6f3e-6d1f-4a8e-9a51-2f0c2d7e4b11";

/** At most this many members (and pending invitations) are listed: an organization's people are few. */
export const LIST_CAP = 500;

const Role = z.enum(ORG_ROLES).openapi({
  description: 'owner, admin, member, auditor or viewer (README, "Roles").',
  example: "member",
});

/** `{org}` and a member's user id. */
export const MemberParams = OrgParams.extend({
  user: z.uuid().openapi({ param: { name: "user", in: "path" }, example: USER_ID_EXAMPLE }),
});

/** `{org}` and an invitation's id. */
export const InvitationParams = OrgParams.extend({
  id: z.uuid().openapi({ param: { name: "id", in: "path" }, example: INVITATION_ID_EXAMPLE }),
});

export const Member = z
  .object({
    user_id: z.uuid().openapi({ example: USER_ID_EXAMPLE }),
    name: z.string().openapi({ example: "Ada Lovelace" }),
    email: z.string().openapi({ example: "ada@example.org" }),
    role: Role,
    joined_at: z.iso.datetime().openapi({ example: "2026-11-30T09:00:00.000Z" }),
  })
  .openapi("Member");

export const MemberList = z
  .object({
    data: z.array(Member),
    truncated: z
      .boolean()
      .openapi({ description: `True when the organization has more than ${LIST_CAP} members and only the first ${LIST_CAP} are listed.` }),
  })
  .openapi("MemberList");

export const ChangeRoleBody = z.object({ role: Role }).openapi("ChangeMemberRoleRequest");

export const InviteBody = z
  .object({
    email: EmailSchema.openapi({ description: "Where the link goes; the invitation is accepted by the account of this address only." }),
    role: Role,
  })
  .openapi("InvitationRequest");

export const Invitation = z
  .object({
    id: z.uuid().openapi({ example: INVITATION_ID_EXAMPLE }),
    email: z.string().openapi({ example: "grace@example.org" }),
    role: Role,
    invited_by: z.uuid().nullable().openapi({ description: "Who sent it (null once their account is gone).", example: USER_ID_EXAMPLE }),
    created_at: z.iso.datetime().openapi({ example: "2026-11-30T09:00:00.000Z" }),
    expires_at: z.iso.datetime().openapi({ example: "2026-12-07T09:00:00.000Z" }),
  })
  .openapi("Invitation");

export const InvitationList = z
  .object({
    data: z.array(Invitation),
    truncated: z
      .boolean()
      .openapi({ description: `True when more than ${LIST_CAP} invitations are pending and only the newest ${LIST_CAP} are listed.` }),
  })
  .openapi("InvitationList");

export const AcceptInvitationBody = z
  .object({
    token: TokenSchema.openapi({ description: "The `token` of the emailed link.", example: "q7Vb2nX0cL9sWm4Rt1Ye8Ku3Ha6Jd5Fg0Pz2Xc7Nv1B" }),
  })
  .openapi("AcceptInvitationRequest");

export const AcceptedInvitation = z
  .object({
    org_id: z.uuid().openapi({ example: ORG_ID_EXAMPLE }),
    role: Role,
  })
  .openapi("AcceptedInvitation");

export const TransferBody = z
  .object({ user: z.uuid().openapi({ description: "The member who becomes owner.", example: USER_ID_EXAMPLE }) })
  .openapi("TransferOwnershipRequest");
