/**
 * P9, P16: what platform administrators see and do through `/v1/admin`: organizations listed
 * and searched (id, name, plan, suspension; keyset pages), one organization with its owners,
 * suspending and reinstating (idempotent, validated, 404 for an unknown org, nothing written on
 * any refusal), security events across tenants with their filters, and the alert log.
 *
 * Attacks and mistakes covered: a search string that is a LIKE pattern (matched literally); a
 * forged or foreign cursor (400); oversized input (422, nothing written); a suspension whose
 * reason or author is lost; a retried suspension that rewrites the record or repeats events.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/expect";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { addMember, orgOf, orgWithRoles, person, type Person } from "../helpers/orgs";
import { send, superAdmin } from "../helpers/admin";

interface AdminOrg {
  id: string;
  name: string;
  plan: string;
  billing_status: string | null;
  members: number;
  api_keys: number;
  suspended_at: string | null;
  suspension: { reason: string | null; suspended_by: string | null; suspended_at: string } | null;
  created_at: string;
  last_activity_at: string | null;
  owner_ids?: string[];
}

interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

interface AdminEvent {
  id: string;
  org_id: string | null;
  type: string;
  severity: string;
  actor_user_id: string | null;
  source: string | null;
  details: Record<string, unknown>;
  created_at: string;
}

async function ok<T>(response: Response): Promise<T> {
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<T>();
}

describe("P9 administrators list and search organizations", () => {
  let admin: Awaited<ReturnType<typeof superAdmin>>;
  let tag: string;
  let owner: Person;
  const ids: string[] = [];

  beforeAll(async () => {
    admin = await superAdmin();
    tag = `Zq${crypto.randomUUID().slice(0, 8)}`;
    owner = await person("lister");
    // Three organizations sharing a unique name part, created in order (newest first in the list).
    for (const suffix of ["Alpha", "Beta", "Gamma_%"]) ids.push(await orgOf(owner, `${tag} ${suffix}`));
    await addMember(ids[0] ?? "", await person("second"), "member");
    await ownerQuery("update organizations set plan = 'pro' where id = $1", [ids[1]]);
    const key = await send("POST", `/v1/orgs/${ids[0]}/api-keys`, owner.aal2, { name: "counted", scopes: ["records:read"] });
    expect(key.status).toBe(201);
  });

  it("P9: `q` matches a part of the name case-insensitively, newest first, with counts and last activity", async () => {
    const page = await ok<Page<AdminOrg>>(await send("GET", `/v1/admin/orgs?q=${tag.toLowerCase()}`, admin.aal2));
    expect(page.data.map((o) => o.id)).toEqual([...ids].reverse());
    expect(page.next_cursor).toBeNull();
    const first = page.data.find((o) => o.id === ids[0]);
    expect(first).toMatchObject({ name: `${tag} Alpha`, plan: "free", members: 2, api_keys: 1, suspended_at: null, suspension: null });
    expect(first?.owner_ids).toBeUndefined();
    // Creating the org and its key are its security events: its last activity is at or after its creation.
    expect(Date.parse(first?.last_activity_at ?? "")).toBeGreaterThanOrEqual(Date.parse(first?.created_at ?? ""));
  });

  it("P9: `q` is matched literally (% and _ are not wildcards) and an org id finds exactly that org", async () => {
    const literal = await ok<Page<AdminOrg>>(await send("GET", `/v1/admin/orgs?q=${encodeURIComponent(`${tag} Gamma_%`)}`, admin.aal2));
    expect(literal.data.map((o) => o.id)).toEqual([ids[2]]);
    const wildcard = await ok<Page<AdminOrg>>(await send("GET", `/v1/admin/orgs?q=${encodeURIComponent(`${tag}%a`)}`, admin.aal2));
    expect(wildcard.data).toEqual([]);
    const byId = await ok<Page<AdminOrg>>(await send("GET", `/v1/admin/orgs?q=${ids[1]?.toUpperCase() ?? ""}`, admin.aal2));
    expect(byId.data.map((o) => o.id)).toEqual([ids[1]]);
  });

  it("P9: `plan` and `suspended` filter; `limit` and `next_cursor` page without gaps or repeats", async () => {
    const pro = await ok<Page<AdminOrg>>(await send("GET", `/v1/admin/orgs?q=${tag}&plan=pro`, admin.aal2));
    expect(pro.data.map((o) => o.id)).toEqual([ids[1]]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<AdminOrg> = await ok(
        await send("GET", `/v1/admin/orgs?q=${tag}&limit=2${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`, admin.aal2),
      );
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((o) => o.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
    await ok(await send("POST", `/v1/admin/orgs/${ids[2]}/suspend`, admin.aal2, { reason: "filter check" }));
    const suspended = await ok<Page<AdminOrg>>(await send("GET", `/v1/admin/orgs?q=${tag}&suspended=true`, admin.aal2));
    expect(suspended.data.map((o) => o.id)).toEqual([ids[2]]);
    expect(suspended.data[0]?.suspension).toMatchObject({ reason: "filter check", suspended_by: admin.id });
    const active = await ok<Page<AdminOrg>>(await send("GET", `/v1/admin/orgs?q=${tag}&suspended=false`, admin.aal2));
    expect(active.data.map((o) => o.id)).toEqual([ids[1], ids[0]]);
    await ok(await send("POST", `/v1/admin/orgs/${ids[2]}/reinstate`, admin.aal2));
  });

  it("P9 (refuses): bad input is 422 and a cursor of another list or a forged one is 400 invalid_cursor", async () => {
    await expectProblem(await send("GET", "/v1/admin/orgs?limit=201", admin.aal2), 422, "validation_failed");
    await expectProblem(await send("GET", "/v1/admin/orgs?plan=platinum", admin.aal2), 422, "validation_failed");
    await expectProblem(await send("GET", "/v1/admin/orgs?suspended=yes", admin.aal2), 422, "validation_failed");
    await expectProblem(await send("GET", `/v1/admin/orgs?q=${"x".repeat(201)}`, admin.aal2), 422, "validation_failed");
    await expectProblem(await send("GET", "/v1/admin/orgs?cursor=not-a-cursor", admin.aal2), 400, "invalid_cursor");
    const events = await ok<Page<AdminEvent>>(await send("GET", "/v1/admin/security-events?limit=1", admin.aal2));
    expect(events.next_cursor).not.toBeNull();
    await expectProblem(await send("GET", `/v1/admin/orgs?cursor=${events.next_cursor ?? ""}`, admin.aal2), 400, "invalid_cursor");
    await expectProblem(await send("GET", `/v1/admin/orgs/not-a-uuid`, admin.aal2), 422, "validation_failed");
  });

  it("P9: one organization with its owners; an unknown id is 404", async () => {
    const org = await ok<AdminOrg>(await send("GET", `/v1/admin/orgs/${ids[0]}`, admin.aal2));
    expect(org).toMatchObject({ id: ids[0], members: 2, owner_ids: [owner.id] });
    await expectProblem(await send("GET", `/v1/admin/orgs/${crypto.randomUUID()}`, admin.aal2), 404, "not_found");
  });
});

describe("P9 suspending and reinstating", () => {
  let admin: Awaited<ReturnType<typeof superAdmin>>;

  beforeAll(async () => {
    admin = await superAdmin();
  });

  const suspensions = (orgId: string): Promise<Record<string, unknown>[]> =>
    ownerQuery("select reason, suspended_by, reinstated_by, reinstated_at from org_suspensions where org_id = $1 order by suspended_at", [
      orgId,
    ]);
  const orgEvents = (orgId: string, type: string): Promise<number> =>
    ownerCount("select count(*)::int as n from security_events where org_id = $1 and type = $2", [orgId, type]);

  it("P9: suspending stores the reason and the administrator; a retry answers 200 changed:false and keeps the first; reinstating closes it", async () => {
    const { orgId } = await orgWithRoles();
    const first = await ok<{ changed: boolean; organization: AdminOrg }>(
      await send("POST", `/v1/admin/orgs/${orgId}/suspend`, admin.aal2, { reason: "  Chargeback fraud, OPS-1  " }),
    );
    expect(first.changed).toBe(true);
    expect(first.organization.suspension).toMatchObject({ reason: "Chargeback fraud, OPS-1", suspended_by: admin.id });
    const other = await superAdmin();
    const retry = await ok<{ changed: boolean; organization: AdminOrg }>(
      await send("POST", `/v1/admin/orgs/${orgId}/suspend`, other.aal2, { reason: "another reason" }),
    );
    expect(retry.changed).toBe(false);
    expect(retry.organization.suspension).toEqual(first.organization.suspension);
    expect(await orgEvents(orgId, "org_suspended")).toBe(1);
    const back = await ok<{ changed: boolean; organization: AdminOrg }>(
      await send("POST", `/v1/admin/orgs/${orgId}/reinstate`, other.aal2),
    );
    expect(back).toMatchObject({ changed: true, organization: { suspended_at: null, suspension: null } });
    const again = await ok<{ changed: boolean }>(await send("POST", `/v1/admin/orgs/${orgId}/reinstate`, other.aal2));
    expect(again.changed).toBe(false);
    expect(await orgEvents(orgId, "org_reinstated")).toBe(1);
    expect(await suspensions(orgId)).toEqual([
      expect.objectContaining({ reason: "Chargeback fraud, OPS-1", suspended_by: admin.id, reinstated_by: other.id }),
    ]);
  });

  it("P16: the organization's auditors see org_suspended and org_reinstated with the administrator's id, not the reason", async () => {
    const { orgId, people } = await orgWithRoles();
    await ok(await send("POST", `/v1/admin/orgs/${orgId}/suspend`, admin.aal2, { reason: "secret-ish internal note" }));
    await ok(await send("POST", `/v1/admin/orgs/${orgId}/reinstate`, admin.aal2));
    const listed = await ok<Page<AdminEvent>>(await send("GET", `/v1/orgs/${orgId}/security-events?limit=200`, people.auditor.token));
    const mine = listed.data.filter((e) => e.type === "org_suspended" || e.type === "org_reinstated");
    expect(mine.map((e) => [e.type, e.actor_user_id])).toEqual([
      ["org_reinstated", admin.id],
      ["org_suspended", admin.id],
    ]);
    expect(JSON.stringify(mine)).not.toContain("secret-ish");
  });

  it("P9 (refuses): a reason that is missing, blank, over 500 characters or with extra fields is 422, and an unknown org 404: nothing written", async () => {
    const { orgId } = await orgWithRoles();
    for (const body of [{}, { reason: "   " }, { reason: "x".repeat(501) }, { reason: "ok", until: "tomorrow" }, { reason: 42 }]) {
      await expectProblem(await send("POST", `/v1/admin/orgs/${orgId}/suspend`, admin.aal2, body), 422, "validation_failed");
    }
    await expectProblem(
      await send("POST", `/v1/admin/orgs/${crypto.randomUUID()}/suspend`, admin.aal2, { reason: "ghost" }),
      404,
      "not_found",
    );
    await expectProblem(await send("POST", `/v1/admin/orgs/${crypto.randomUUID()}/reinstate`, admin.aal2), 404, "not_found");
    expect(await suspensions(orgId)).toEqual([]);
    expect(await ownerCount("select count(*)::int as n from organizations where id = $1 and suspended_at is not null", [orgId])).toBe(0);
    expect(await orgEvents(orgId, "org_suspended")).toBe(0);
    const longest = await send("POST", `/v1/admin/orgs/${orgId}/suspend`, admin.aal2, { reason: "x".repeat(500) });
    expect(longest.status).toBe(200);
    await ok(await send("POST", `/v1/admin/orgs/${orgId}/reinstate`, admin.aal2));
  });
});

describe("P16 security events across organizations, and the alert log", () => {
  let admin: Awaited<ReturnType<typeof superAdmin>>;
  let a: string;
  let b: string;
  let actor: Person;

  beforeAll(async () => {
    admin = await superAdmin();
    actor = await person("actor");
    a = (await orgWithRoles()).orgId;
    b = (await orgWithRoles()).orgId;
    await ownerQuery(
      `insert into security_events (org_id, type, severity, actor_user_id, ip_hash, details, created_at) values
         ($1, 'request_refused', 'warning', $3, 'hash-one', '{"code":"forbidden"}', now() - interval '3 minutes'),
         ($2, 'request_refused', 'warning', $3, 'hash-one', '{"code":"forbidden"}', now() - interval '2 minutes'),
         ($1, 'alert_raised', 'warning', null, null, '{"kind":"failed_logins"}', now() - interval '1 minute'),
         (null, 'alert_raised', 'warning', null, null, '{"kind":"usage_spike"}', now())`,
      [a, b, actor.id],
    );
  });

  it("P16: every organization's events, filtered by org, type, severity, actor and time; one source pseudonym across orgs, never the stored hash", async () => {
    const byActor = await ok<Page<AdminEvent>>(await send("GET", `/v1/admin/security-events?actor=${actor.id}`, admin.aal2));
    expect(byActor.data.map((e) => e.org_id)).toEqual([b, a]);
    expect(byActor.data[0]?.source).toBe(byActor.data[1]?.source);
    expect(byActor.data[0]?.source).toMatch(/^[0-9a-f]{24}$/);
    expect(JSON.stringify(byActor)).not.toContain("hash-one");
    const inA = await ok<Page<AdminEvent>>(await send("GET", `/v1/admin/security-events?org=${a}&type=request_refused`, admin.aal2));
    expect(inA.data.map((e) => e.actor_user_id)).toEqual([actor.id]);
    const info = await ok<Page<AdminEvent>>(await send("GET", `/v1/admin/security-events?actor=${actor.id}&severity=info`, admin.aal2));
    expect(info.data).toEqual([]);
    const from = new Date(Date.now() - 150_000).toISOString();
    const recent = await ok<Page<AdminEvent>>(await send("GET", `/v1/admin/security-events?actor=${actor.id}&from=${from}`, admin.aal2));
    expect(recent.data.map((e) => e.org_id)).toEqual([b]);
    const older = await ok<Page<AdminEvent>>(await send("GET", `/v1/admin/security-events?actor=${actor.id}&to=${from}`, admin.aal2));
    expect(older.data.map((e) => e.org_id)).toEqual([a]);
    const paged = await ok<Page<AdminEvent>>(await send("GET", `/v1/admin/security-events?actor=${actor.id}&limit=1`, admin.aal2));
    const rest = await ok<Page<AdminEvent>>(
      await send(
        "GET",
        `/v1/admin/security-events?actor=${actor.id}&limit=1&cursor=${encodeURIComponent(paged.next_cursor ?? "")}`,
        admin.aal2,
      ),
    );
    expect([...paged.data, ...rest.data].map((e) => e.id)).toEqual(byActor.data.map((e) => e.id));
    expect(rest.next_cursor).toBeNull();
    await expectProblem(await send("GET", "/v1/admin/security-events?type=no_such_event", admin.aal2), 422, "validation_failed");
  });

  it("P16: the alert log lists alert_raised only, across organizations and without one; its cursors are its own", async () => {
    const inA = await ok<Page<AdminEvent>>(await send("GET", `/v1/admin/alerts?org=${a}`, admin.aal2));
    expect(inA.data.map((e) => [e.type, e.details.kind])).toEqual([["alert_raised", "failed_logins"]]);
    const all = await ok<Page<AdminEvent>>(await send("GET", "/v1/admin/alerts?limit=200", admin.aal2));
    expect(all.data.every((e) => e.type === "alert_raised")).toBe(true);
    expect(all.data.some((e) => e.org_id === null && e.details.kind === "usage_spike")).toBe(true);
    const one = await ok<Page<AdminEvent>>(await send("GET", "/v1/admin/alerts?limit=1", admin.aal2));
    await expectProblem(
      await send("GET", `/v1/admin/security-events?cursor=${encodeURIComponent(one.next_cursor ?? "")}`, admin.aal2),
      400,
      "invalid_cursor",
    );
  });
});
