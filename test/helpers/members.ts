/**
 * Members and invitations for tests: people with a known address (verified or not),
 * invitations sent through the API and their emailed tokens, and what the owner sees
 * of memberships, invitations and their security events. Unique per call, like
 * test/helpers/orgs.ts, so test files share the database and the capture server.
 */
import type { OrgRole } from "../../src/db/schema";
import { newEmail, waitForEmail, linkToken } from "./identity";
import { ownerCount, ownerQuery } from "./identity-ip";
import { api, type Person } from "./orgs";
import { accessTokenFor } from "./tokens";

/** A seeded person whose address the test knows. */
export interface Invitee extends Person {
  readonly email: string;
}

/** A person with a fresh address, verified unless told otherwise. */
export async function invitee(label = "invitee", options: { verified?: boolean } = {}): Promise<Invitee> {
  const email = newEmail(label);
  const [row] = await ownerQuery(
    `insert into users (email, name, email_verified_at) values ($1, $2, ${options.verified === false ? "null" : "now()"}) returning id`,
    [email, label],
  );
  const id = String(row?.id);
  return {
    id,
    email,
    token: await accessTokenFor({ userId: id, aal: "aal1", amr: ["pwd"] }),
    aal2: await accessTokenFor({ userId: id, aal: "aal2", amr: ["pwd", "otp"] }),
  };
}

/** What `POST /invitations` answers. */
export interface InvitationBody {
  readonly id: string;
  readonly email: string;
  readonly role: OrgRole;
  readonly invited_by: string | null;
  readonly created_at: string;
  readonly expires_at: string;
}

/** `POST /v1/orgs/{org}/invitations` as `by`. */
export function invite(orgId: string, by: Person, email: string, role: OrgRole): Promise<Response> {
  return api("POST", `/v1/orgs/${orgId}/invitations`, by.token, { email, role });
}

/** Invites `email` (201 expected) and returns the invitation and the token of its emailed link (the `count`-th email to it). */
export async function invited(
  orgId: string,
  by: Person,
  email: string,
  role: OrgRole,
  count = 1,
): Promise<{ invitation: InvitationBody; token: string }> {
  const response = await invite(orgId, by, email, role);
  if (response.status !== 201) throw new Error(`invite answered ${response.status}: ${await response.text()}`);
  const invitation = await response.json<InvitationBody>();
  const token = linkToken(await waitForEmail(email, /invited/i, count));
  return { invitation, token };
}

/** `POST /v1/invitations/accept` with `token` as `who`. */
export function accept(who: Person, token: unknown): Promise<Response> {
  return api("POST", "/v1/invitations/accept", who.token, { token });
}

/** The role `userId` has in `orgId` (as the owner sees it), or undefined when they are not a member. */
export async function roleIn(orgId: string, userId: string): Promise<string | undefined> {
  const [row] = await ownerQuery("select role::text as role from memberships where org_id = $1 and user_id = $2", [orgId, userId]);
  return row === undefined ? undefined : String(row.role);
}

/** An invitation row as the owner sees it (digest included), or undefined. */
export async function invitationRow(id: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await ownerQuery(
    "select org_id, email, role::text as role, token_digest, invited_by, expires_at, accepted_at, accepted_by, revoked_at from invitations where id = $1",
    [id],
  );
  return row;
}

/** How many invitations `orgId` has in all (pending or not). */
export const invitationCount = (orgId: string): Promise<number> =>
  ownerCount("select count(*)::int as n from invitations where org_id = $1", [orgId]);

/** How many `type` events `orgId` has stored. */
export const orgEvents = (orgId: string, type: string): Promise<number> =>
  ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = $2", [orgId, type]);

/** The details of the `type` events of `orgId`, oldest first. */
export async function orgEventDetails(orgId: string, type: string): Promise<Record<string, unknown>[]> {
  const rows = await ownerQuery("select details from security_events where org_id = $1 and type = $2 order by created_at, id", [
    orgId,
    type,
  ]);
  return rows.map((r) =>
    typeof r.details === "string" ? (JSON.parse(r.details) as Record<string, unknown>) : (r.details as Record<string, unknown>),
  );
}
