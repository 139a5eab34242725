/**
 * P16 over HTTP: an organization's security events, its own and its current members'
 * authentication events, through the real worker and database.
 *
 * Attacks and mistakes covered:
 * - an org's auditors learning about people who are not (or no longer) members, or
 *   about a member's history from before they joined: never listed;
 * - a member's other organizations leaking through the member (another org's
 *   deletion, stored without an org and with the member as actor): never listed;
 * - the stored keyed hash of a client address leaving the database: only a per-org
 *   pseudonym (`source`) is shown, different in each organization;
 * - a member or viewer reading events (403), an outsider or another tenant (404), and
 *   the database refusing on its own when the API's check is bypassed;
 * - a tampered cursor (400, never a 500), pages that skip or repeat events.
 * - the vocabulary and the database disagreeing on what an account event is.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_EVENT_TYPES } from "../../src/modules/audit/audit.schemas";
import { expectProblem } from "../helpers/expect";
import { userIdOf, workerDb } from "../helpers/identity";
import { IpClient, ownerQuery, waitForEvent } from "../helpers/identity-ip";
import { addMember, api, orgOf, orgWithRoles, person, type Person } from "../helpers/orgs";
import { asApp, dbError } from "../helpers/tenants";

interface Event {
  id: string;
  type: string;
  severity: string;
  scope: "organization" | "account";
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  request_id: string | null;
  source: string | null;
  details: Record<string, unknown>;
  created_at: string;
}
interface Page {
  data: Event[];
  next_cursor: string | null;
}

const events = (org: string, token: string, query = ""): Promise<Response> => api("GET", `/v1/orgs/${org}/security-events${query}`, token);

async function page(org: string, token: string, query = ""): Promise<Page> {
  const response = await events(org, token, query);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<Page>();
}

/** An authentication event of `userId` (stored like the identity routes do: no org), `ageSeconds` ago. */
async function accountEvent(userId: string, type: string, ageSeconds = 0, ipHash = "c2VlZGVkLWlwLWhhc2g"): Promise<string> {
  const [row] = await ownerQuery(
    `insert into security_events (type, severity, actor_user_id, request_id, ip_hash, details, created_at)
     values ($1, 'warning', $2, $3, $4, '{"reason":"wrong_password"}', now() - make_interval(secs => $5)) returning id`,
    [type, userId, `req-${crypto.randomUUID()}`, ipHash, ageSeconds],
  );
  return String(row?.id);
}

describe("P16 security events over HTTP", () => {
  let orgId: string;
  let people: Record<"owner" | "admin" | "member" | "auditor" | "viewer", Person>;

  beforeAll(async () => {
    ({ orgId, people } = await orgWithRoles());
  });

  it("P16: the organization's own events are listed, newest first, with a per-org source instead of the address hash", async () => {
    const patched = await api("PATCH", `/v1/orgs/${orgId}`, people.admin.token, { name: "Renamed GmbH" });
    expect(patched.status).toBe(200);
    const { data } = await page(orgId, people.auditor.token, "?limit=200");
    const own = data.filter((e) => e.scope === "organization");
    expect(own.map((e) => e.type).slice(0, 1)).toEqual(["org_settings_changed"]);
    expect(own.map((e) => e.type)).toContain("org_created");
    const changed = own[0];
    expect(changed).toMatchObject({ actor_user_id: people.admin.id, details: { fields: ["name"] }, severity: "warning" });
    const [stored] = await ownerQuery("select ip_hash from security_events where id = $1", [changed?.id]);
    expect(typeof stored?.ip_hash).toBe("string");
    expect(changed?.source).toMatch(/^[0-9a-f]{24}$/);
    expect(JSON.stringify(data)).not.toContain(String(stored?.ip_hash));
  });

  it("P16: members' sign-in events since they joined are listed; before joining, of outsiders, or after leaving: never", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    const joiner = await person("joiner");
    const outsider = await person("outsider");
    const before = await accountEvent(joiner.id, "login_failed", 3600);
    await addMember(org, joiner, "member");
    const after = await accountEvent(joiner.id, "login_failed");
    const memberEvent = await accountEvent(crew.member.id, "mfa_failed");
    const outsiderEvent = await accountEvent(outsider.id, "login_failed");
    const ids = async (): Promise<string[]> => (await page(org, crew.auditor.token, "?limit=200")).data.map((e) => e.id);
    const listed = await ids();
    expect(listed).toEqual(expect.arrayContaining([after, memberEvent]));
    expect(listed).not.toContain(before);
    expect(listed).not.toContain(outsiderEvent);
    const shown = (await page(org, crew.auditor.token, "?limit=200")).data.find((e) => e.id === after);
    expect(shown).toMatchObject({
      scope: "account",
      type: "login_failed",
      actor_user_id: joiner.id,
      details: { reason: "wrong_password" },
    });
    // Leaving ends the disclosure.
    await ownerQuery("delete from memberships where org_id = $1 and user_id = $2", [org, joiner.id]);
    expect(await ids()).not.toContain(after);
  });

  it("P16: a real sign-in of a member reaches the org's auditors (stored after the response, no org on the row)", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    const client = new IpClient();
    const account = await client.verifiedAccount();
    const userId = await userIdOf(account.email);
    await addMember(org, { id: userId, token: "", aal2: "" }, "viewer");
    const failed = await client.login(account, "not the password at all");
    expect(failed.status).toBe(401);
    const stored = await waitForEvent(failed, "login_failed");
    expect(stored.org_id).toBeNull();
    const listed = (await page(org, crew.owner.token, "?type=login_failed")).data;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ scope: "account", actor_user_id: userId, request_id: stored.request_id });
    expect(listed[0]?.source).toMatch(/^[0-9a-f]{24}$/);
    expect(JSON.stringify(listed)).not.toContain(client.ip);
    expect(JSON.stringify(listed)).not.toContain(String(stored.ip_hash));
  });

  it("P16: a member of two organizations is seen by both, under a different source pseudonym in each", async () => {
    const a = await orgWithRoles();
    const b = await orgWithRoles();
    const both = await person("both");
    await addMember(a.orgId, both, "member");
    await addMember(b.orgId, both, "viewer");
    const id = await accountEvent(both.id, "password_changed");
    const inA = (await page(a.orgId, a.people.auditor.token)).data.find((e) => e.id === id);
    const inB = (await page(b.orgId, b.people.auditor.token)).data.find((e) => e.id === id);
    expect(inA?.source).toMatch(/^[0-9a-f]{24}$/);
    expect(inB?.source).toMatch(/^[0-9a-f]{24}$/);
    expect(inA?.source).not.toBe(inB?.source);
  });

  it("P16 (refuses): another organization's events never leak through a shared member (its deletion, its settings)", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    const elsewhere = await orgOf(crew.member);
    expect((await api("PATCH", `/v1/orgs/${elsewhere}`, crew.member.token, { name: "Side project" })).status).toBe(200);
    const deleted = await api("DELETE", `/v1/orgs/${elsewhere}?confirm=${encodeURIComponent("Side project")}`, crew.member.aal2);
    expect(deleted.status).toBe(204);
    const [gone] = await ownerQuery("select count(*)::int as n from security_events where type = 'org_deleted' and actor_user_id = $1", [
      crew.member.id,
    ]);
    expect(gone?.n).toBe(1);
    const listed = (await page(org, crew.owner.token, "?limit=200")).data;
    expect(listed.map((e) => e.type)).not.toContain("org_deleted");
    expect(JSON.stringify(listed)).not.toContain(elsewhere);
  });

  it("P9: owners, admins and auditors read; members and viewers get 403; outsiders and other tenants 404", async () => {
    for (const role of ["owner", "admin", "auditor"] as const) expect((await events(orgId, people[role].token)).status, role).toBe(200);
    for (const role of ["member", "viewer"] as const) await expectProblem(await events(orgId, people[role].token), 403, "forbidden");
    const other = await orgWithRoles();
    await expectProblem(await events(orgId, other.people.owner.token), 404, "not_found");
    await expectProblem(await events(orgId, (await person()).token), 404, "not_found");
  });

  it("P11 (refuses): with the API's check bypassed, the database refuses members' account events to a member and to another org", async () => {
    const fn = "select * from audit.member_account_events(null, null, null, null, null, null, 50)";
    const member = await dbError(asApp(workerDb(), { orgId, userId: people.member.id }, fn));
    expect(member.code).toBe("42501");
    const other = await orgWithRoles();
    const mine = await accountEvent(people.viewer.id, "login_succeeded");
    const seen = await asApp(workerDb(), { orgId: other.orgId, userId: other.people.auditor.id }, fn);
    expect(seen.map((r) => r.id)).not.toContain(mine);
    // The org's own rows stay under the event_read policy: another org's auditor reads none of them.
    const rows = await asApp(
      workerDb(),
      { orgId: other.orgId, userId: other.people.auditor.id },
      `select id from security_events where org_id = '${orgId}'`,
    );
    expect(rows).toEqual([]);
  });

  it("P16: filters by type, severity and time; a cursor walk returns both kinds of event once each", async () => {
    const { orgId: org, people: crew } = await orgWithRoles();
    for (let i = 0; i < 3; i++) await accountEvent(crew.viewer.id, "login_failed");
    await accountEvent(crew.viewer.id, "session_revoked");
    const all = (await page(org, crew.auditor.token, "?limit=200")).data;
    expect(all.filter((e) => e.scope === "organization").map((e) => e.type)).toEqual(["org_created"]);
    expect(all.filter((e) => e.scope === "account")).toHaveLength(4);
    expect((await page(org, crew.auditor.token, "?type=login_failed")).data).toHaveLength(3);
    expect((await page(org, crew.auditor.token, "?severity=info")).data.map((e) => e.type)).toEqual(["org_created"]);
    const created = all.find((e) => e.type === "org_created")?.created_at ?? "";
    expect((await page(org, crew.auditor.token, `?to=${encodeURIComponent(created)}`)).data.map((e) => e.type)).not.toContain(
      "org_created",
    );
    expect((await page(org, crew.auditor.token, "?from=2999-01-01T00:00:00Z")).data).toEqual([]);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const suffix: string = cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const next: Page = await page(org, crew.auditor.token, `?limit=2${suffix}`);
      walked.push(...next.data.map((e) => e.id));
      cursor = next.next_cursor;
    } while (cursor !== null && walked.length < 50);
    expect(walked).toEqual(all.map((e) => e.id));
  });

  it("P16 (refuses): a tampered or foreign cursor is 400 invalid_cursor; bad filters are 422; never a 500", async () => {
    const b64url = (text: string): string => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    for (const bad of [
      "garbage!",
      b64url('{"l":"security-events","p":{"at":"yesterday","id":"x"}}'),
      b64url(`{"l":"security-events","p":{"at":"2026-11-30T09:00:00.000Z","id":"${crypto.randomUUID()}"}}`),
      b64url('{"l":"audit-log","p":{"seq":3,"order":"desc"}}'),
    ]) {
      await expectProblem(await events(orgId, people.owner.token, `?cursor=${encodeURIComponent(bad)}`), 400, "invalid_cursor");
    }
    for (const query of ["?type=not_an_event", "?type=waf_blocked", "?severity=critical", "?limit=500", "?to=tomorrow"]) {
      await expectProblem(await events(orgId, people.owner.token, query), 422, "validation_failed");
    }
  });

  it("P16: the vocabulary's account events are exactly the database's app.account_event_types()", async () => {
    const [row] = await ownerQuery("select app.account_event_types() as types");
    expect([...(row?.types as string[])].sort()).toEqual([...ACCOUNT_EVENT_TYPES].sort());
  });
});
