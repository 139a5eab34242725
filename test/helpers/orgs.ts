/**
 * Organizations for tests: people seeded straight into the database (no sign-up,
 * no bcrypt) with access tokens from the production signer, and memberships of any
 * role. Every id and address is unique per call, so test files share a database.
 */
import type { OrgRole } from "../../src/db/schema";
import { ownerQuery } from "./identity-ip";
import { accessTokenFor } from "./tokens";
import { call } from "./worker";

/** A seeded person and an access token of theirs at the given assurance level. */
export interface Person {
  readonly id: string;
  readonly token: string;
  readonly aal2: string;
}

/** A verified user that exists in the database, with an aal1 and an aal2 token. */
export async function person(label = "person"): Promise<Person> {
  const [row] = await ownerQuery("insert into users (email, name, email_verified_at) values ($1, $2, now()) returning id", [
    `${label}+${crypto.randomUUID()}@example.org`,
    label,
  ]);
  const id = String(row?.id);
  return {
    id,
    token: await accessTokenFor({ userId: id, aal: "aal1", amr: ["pwd"] }),
    aal2: await accessTokenFor({ userId: id, aal: "aal2", amr: ["pwd", "otp"] }),
  };
}

/** A random client address, so the per-IP limits of one test never meet another's. */
export const someIp = (): string =>
  `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

/** A request to the worker with a bearer token (and a JSON body when given). */
export function api(method: string, path: string, token: string | undefined, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { "cf-connecting-ip": someIp() };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return call(path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** An organization created through the API by `owner`; its id. */
export async function orgOf(owner: Person, name = `Org ${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
  const response = await api("POST", "/v1/orgs", owner.token, { name });
  if (response.status !== 201) throw new Error(`creating an organization answered ${response.status}: ${await response.text()}`);
  return (await response.json<{ id: string }>()).id;
}

/** Adds `who` to `orgId` with `role`, straight in the database (the members routes come later). */
export async function addMember(orgId: string, who: Person, role: OrgRole): Promise<void> {
  await ownerQuery("insert into memberships (org_id, user_id, role) values ($1, $2, $3)", [orgId, who.id, role]);
}

/** An organization with one person of each role; `owner` created it. */
export async function orgWithRoles(): Promise<{ orgId: string; people: Record<OrgRole, Person> }> {
  const [owner, admin, member, auditor, viewer] = await Promise.all(
    ["owner", "admin", "member", "auditor", "viewer"].map((l) => person(l)),
  );
  if (!owner || !admin || !member || !auditor || !viewer) throw new Error("seeding people failed");
  const orgId = await orgOf(owner);
  await Promise.all([
    addMember(orgId, admin, "admin"),
    addMember(orgId, member, "member"),
    addMember(orgId, auditor, "auditor"),
    addMember(orgId, viewer, "viewer"),
  ]);
  return { orgId, people: { owner, admin, member, auditor, viewer } };
}

/** What the owner sees of an organization row (or undefined once it is gone). */
export async function orgRow(orgId: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await ownerQuery("select name, require_mfa, deadline_regimes, suspended_at from organizations where id = $1", [orgId]);
  return row;
}
