/**
 * P17 (incident reporting deadlines) through the real worker and database: the NIS2
 * Art. 23, GDPR Art. 33 and customer deadlines of an incident, computed in SQL when read,
 * and the reports (notifications) that settle them.
 *
 * Covered: each regime's due time exactly (aware_at + 24 h / 72 h / 48 h; the final report
 * one month after the notification is submitted, and no due date before); the states
 * (pending, overdue, done, done_late) moving with time and submissions; regimes the
 * organization does not apply and incidents without the flag have no deadlines; another
 * organization's incident id, an unknown and a malformed one → 404 with nothing written;
 * a viewer reads but cannot record (403); bad input (unknown kind, future time, oversized
 * reference, unknown field) → 422 with nothing written; the audit log records each report;
 * the database refuses on its own (a future time, another organization's incident, an
 * update) as rampart_app; every request is ONE database round trip; the NIS2 overview.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "../helpers/expect";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { workerDb } from "../helpers/identity";
import { api, orgWithRoles, type Person } from "../helpers/orgs";
import { apiWith, auditOf, createRecord, recordsPath, taggedDatabase } from "../helpers/records";
import { asApp, dbError, roundTrips } from "../helpers/tenants";

interface Deadline {
  kind: string;
  regime: string;
  due_at: string | null;
  state: string;
  submitted_at: string | null;
}
interface Notification {
  id: string;
  incident_id: string;
  kind: string;
  submitted_at: string;
  reference: string | null;
  notes: string | null;
  created_by: string;
}

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const notificationsPath = (orgId: string, id: string) => `${recordsPath(orgId, "incidents", id)}/notifications`;
const deadlinesPath = (orgId: string, id: string) => `${recordsPath(orgId, "incidents", id)}/deadlines`;
const notificationRows = (incidentId: string): Promise<number> =>
  ownerCount("select count(*)::int as n from incident_notifications where incident_id = $1", [incidentId]);

async function deadlinesOf(orgId: string, id: string, token: string): Promise<Deadline[]> {
  const response = await api("GET", deadlinesPath(orgId, id), token);
  expect(response.status).toBe(200);
  return (await response.json<{ deadlines: Deadline[] }>()).deadlines;
}
const byKind = (deadlines: Deadline[]): Record<string, Deadline> => Object.fromEntries(deadlines.map((d) => [d.kind, d]));

async function submit(orgId: string, id: string, token: string, body: Record<string, unknown>) {
  const response = await api("POST", notificationsPath(orgId, id), token, body);
  expect(response.status, await response.clone().text()).toBe(201);
  return response.json<{ notification: Notification; deadlines: Deadline[] }>();
}

let orgId: string;
let people: Awaited<ReturnType<typeof orgWithRoles>>["people"];
let owner: Person;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
  owner = people.owner;
});

describe("P17 incident deadlines", () => {
  it("P17: a significant personal-data breach has every regime's deadline, due exactly aware_at + 24 h / 72 h / 72 h / 48 h", async () => {
    const aware = Math.floor(Date.now() / 1000) * 1000 - HOUR;
    const incident = await createRecord(orgId, "incidents", owner.token, {
      significant: true,
      personal_data_breach: true,
      detected_at: iso(aware - HOUR),
      aware_at: iso(aware),
    });
    const deadlines = await deadlinesOf(orgId, incident.id, people.viewer.token);
    expect(deadlines.map((d) => `${d.regime}:${d.kind}`)).toEqual([
      "nis2:early_warning",
      "nis2:notification",
      "nis2:final",
      "gdpr:gdpr_authority",
      "customer:customer",
    ]);
    const d = byKind(deadlines);
    expect(d.early_warning?.due_at).toBe(iso(aware + 24 * HOUR));
    expect(d.notification?.due_at).toBe(iso(aware + 72 * HOUR));
    expect(d.gdpr_authority?.due_at).toBe(iso(aware + 72 * HOUR));
    expect(d.customer?.due_at).toBe(iso(aware + 48 * HOUR));
    // The final report has no due date until the incident notification is submitted.
    expect(d.final).toEqual({ kind: "final", regime: "nis2", due_at: null, state: "pending", submitted_at: null });
    for (const deadline of deadlines) expect(deadline.state).toBe("pending");
    // An intermediate report is due only on request: never an automatic deadline.
    expect(deadlines.some((x) => x.kind === "intermediate")).toBe(false);
  });

  it("P17: past due without a report is overdue; a report at or before the due time is done, after it done_late", async () => {
    const aware = Math.floor(Date.now() / 1000) * 1000 - 50 * HOUR; // 24 h and 48 h past due, 72 h not yet
    const incident = await createRecord(orgId, "incidents", owner.token, {
      significant: true,
      personal_data_breach: true,
      detected_at: iso(aware - HOUR),
      aware_at: iso(aware),
    });
    let d = byKind(await deadlinesOf(orgId, incident.id, owner.token));
    expect(d.early_warning?.state).toBe("overdue");
    expect(d.customer?.state).toBe("overdue");
    expect(d.notification?.state).toBe("pending");
    expect(d.gdpr_authority?.state).toBe("pending");

    // Early warning 1 h after its due time: done_late. Customer notice exactly at its due time: done.
    await submit(orgId, incident.id, people.member.token, { kind: "early_warning", submitted_at: iso(aware + 25 * HOUR) });
    await submit(orgId, incident.id, people.member.token, { kind: "customer", submitted_at: iso(aware + 48 * HOUR) });
    const answered = await submit(orgId, incident.id, people.member.token, { kind: "gdpr_authority", reference: "DPA-7" });
    expect(answered.notification.kind).toBe("gdpr_authority");
    expect(answered.notification.created_by).toBe(people.member.id);
    expect(Math.abs(Date.parse(answered.notification.submitted_at) - Date.now())).toBeLessThan(60_000); // defaults to now
    d = byKind(answered.deadlines);
    expect(d.early_warning).toMatchObject({ state: "done_late", submitted_at: iso(aware + 25 * HOUR) });
    expect(d.customer).toMatchObject({ state: "done", submitted_at: iso(aware + 48 * HOUR) });
    expect(d.gdpr_authority?.state).toBe("done");
    expect(d.notification?.state).toBe("pending");
  });

  it("P17: the final report is due one month after the incident notification is SUBMITTED, and only then", async () => {
    const aware = Date.parse("2026-01-28T09:30:00.000Z");
    const incident = await createRecord(orgId, "incidents", owner.token, {
      significant: true,
      detected_at: iso(aware - HOUR),
      aware_at: iso(aware),
    });
    let d = byKind(await deadlinesOf(orgId, incident.id, owner.token));
    expect(d.final?.due_at).toBeNull();
    expect(d.notification?.state).toBe("overdue");
    // Submitted on 31 January, 30 minutes before it was due: a calendar month later is 28 February (UTC), not 3 March.
    const { deadlines } = await submit(orgId, incident.id, owner.token, { kind: "notification", submitted_at: "2026-01-31T09:00:00Z" });
    d = byKind(deadlines);
    expect(d.notification).toMatchObject({ state: "done", submitted_at: "2026-01-31T09:00:00.000Z" });
    expect(d.final).toMatchObject({ due_at: "2026-02-28T09:00:00.000Z", state: "overdue", submitted_at: null });
    // A final report on time settles it; it is listed with the others, oldest first.
    await submit(orgId, incident.id, owner.token, { kind: "final", submitted_at: "2026-02-20T10:00:00+01:00" });
    const list = await api("GET", notificationsPath(orgId, incident.id), people.auditor.token);
    expect(list.status).toBe(200);
    const body = await list.json<{ items: Notification[]; deadlines: Deadline[] }>();
    expect(body.items.map((n) => [n.kind, n.submitted_at])).toEqual([
      ["notification", "2026-01-31T09:00:00.000Z"],
      ["final", "2026-02-20T09:00:00.000Z"],
    ]);
    expect(byKind(body.deadlines).final).toMatchObject({ due_at: "2026-02-28T09:00:00.000Z", state: "done" });
  });

  it("P17: only the regimes the organization applies; a non-significant incident has no NIS2 deadline", async () => {
    const { orgId: other, people: them } = await orgWithRoles();
    const patched = await api("PATCH", `/v1/orgs/${other}`, them.owner.token, { deadline_regimes: ["gdpr"] });
    expect(patched.status).toBe(200);
    const aware = Date.now() - HOUR;
    const both = await createRecord(other, "incidents", them.owner.token, {
      significant: true,
      personal_data_breach: true,
      detected_at: iso(aware),
      aware_at: iso(aware),
    });
    expect((await deadlinesOf(other, both.id, them.owner.token)).map((d) => d.kind)).toEqual(["gdpr_authority"]);

    const breachOnly = await createRecord(orgId, "incidents", owner.token, {
      significant: false,
      personal_data_breach: true,
      detected_at: iso(aware),
      aware_at: iso(aware),
    });
    expect((await deadlinesOf(orgId, breachOnly.id, owner.token)).map((d) => `${d.regime}:${d.kind}`)).toEqual([
      "gdpr:gdpr_authority",
      "customer:customer",
    ]);
    const neither = await createRecord(orgId, "incidents", owner.token, {
      significant: false,
      personal_data_breach: false,
      detected_at: iso(aware),
      aware_at: iso(aware),
    });
    expect(await deadlinesOf(orgId, neither.id, owner.token)).toEqual([]);
  });

  it("P17 (refuses): another organization's incident id, an unknown one and a malformed one answer 404, nothing written", async () => {
    const { orgId: other, people: them } = await orgWithRoles();
    const theirs = await createRecord(other, "incidents", them.owner.token, { significant: true });
    for (const id of [theirs.id, crypto.randomUUID(), "not-a-uuid"]) {
      await expectProblem(await api("POST", notificationsPath(orgId, id), owner.token, { kind: "early_warning" }), 404, "not_found");
      await expectProblem(await api("GET", notificationsPath(orgId, id), owner.token), 404, "not_found");
      await expectProblem(await api("GET", deadlinesPath(orgId, id), owner.token), 404, "not_found");
    }
    expect(await notificationRows(theirs.id)).toBe(0);
    // Their own organization's route, with our token: 404 (not a member).
    await expectProblem(await api("GET", deadlinesPath(other, theirs.id), owner.token), 404, "not_found");
  });

  it("P17 (refuses): a viewer reads deadlines and reports but cannot record one (403, nothing written)", async () => {
    const incident = await createRecord(orgId, "incidents", owner.token, { significant: true });
    await expectProblem(
      await api("POST", notificationsPath(orgId, incident.id), people.viewer.token, { kind: "early_warning" }),
      403,
      "forbidden",
    );
    expect(await notificationRows(incident.id)).toBe(0);
    expect((await api("GET", notificationsPath(orgId, incident.id), people.viewer.token)).status).toBe(200);
    expect((await api("GET", `/v1/orgs/${orgId}/nis2/overview`, people.viewer.token)).status).toBe(200);
    await expectProblem(
      await api("POST", notificationsPath(orgId, incident.id), undefined, { kind: "early_warning" }),
      401,
      "authentication_required",
    );
  });

  it("P17 (refuses): bad input (unknown kind, a future time, an oversized reference, an unknown field) is 422 and writes nothing", async () => {
    const incident = await createRecord(orgId, "incidents", owner.token, { significant: true });
    const audits = await ownerCount("select count(*)::int as n from audit.entries where org_id = $1", [orgId]);
    const bad: Record<string, unknown>[] = [
      { kind: "warning" },
      {},
      { kind: "early_warning", submitted_at: iso(Date.now() + 5 * 60_000) },
      { kind: "early_warning", submitted_at: "yesterday" },
      { kind: "early_warning", reference: "x".repeat(201) },
      { kind: "early_warning", reference: "   " },
      { kind: "early_warning", notes: "x".repeat(5_001) },
      { kind: "early_warning", created_by: people.viewer.id },
    ];
    for (const body of bad) {
      await expectProblem(await api("POST", notificationsPath(orgId, incident.id), owner.token, body), 422, "validation_failed");
    }
    expect(await notificationRows(incident.id)).toBe(0);
    expect(await ownerCount("select count(*)::int as n from audit.entries where org_id = $1", [orgId])).toBe(audits);
  });

  it("P17: the audit log records each report, by whom, in the same transaction", async () => {
    const incident = await createRecord(orgId, "incidents", owner.token, { significant: true });
    const { notification } = await submit(orgId, incident.id, people.admin.token, { kind: "early_warning", reference: "CSIRT-1" });
    const entries = await auditOf(orgId, notification.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "insert", table_name: "incident_notifications", actor_user_id: people.admin.id });
    expect(entries[0]?.after).toMatchObject({ kind: "early_warning", reference: "CSIRT-1", incident_id: incident.id });
  });

  it("P17 (refuses): the database refuses on its own: a future time, another organization's incident, a change or deletion of a report", async () => {
    const target = workerDb();
    const incident = await createRecord(orgId, "incidents", owner.token, { significant: true });
    const { orgId: other, people: them } = await orgWithRoles();
    const theirs = await createRecord(other, "incidents", them.owner.token, { significant: true });
    const as = { orgId, userId: owner.id };
    const future = await dbError(
      asApp(
        target,
        as,
        `insert into incident_notifications (org_id, incident_id, kind, submitted_at) values ('${orgId}', '${incident.id}', 'final', now() + interval '5 minutes')`,
      ),
    );
    expect(future.code).toBe("23514");
    const foreign = await dbError(
      asApp(target, as, `insert into incident_notifications (org_id, incident_id, kind) values ('${orgId}', '${theirs.id}', 'final')`),
    );
    expect(foreign.code).toBe("23503");
    const forged = await dbError(
      asApp(
        target,
        as,
        `insert into incident_notifications (org_id, incident_id, kind, created_by) values ('${orgId}', '${incident.id}', 'final', '${people.viewer.id}')`,
      ),
    );
    expect(forged.code).toBe("42501");
    const { notification } = await submit(orgId, incident.id, owner.token, { kind: "early_warning" });
    expect(
      (await dbError(asApp(target, as, `update incident_notifications set kind = 'final' where id = '${notification.id}'`))).code,
    ).toBe("42501");
    expect((await dbError(asApp(target, as, `delete from incident_notifications where id = '${notification.id}'`))).code).toBe("42501");
    const [row] = await ownerQuery("select kind from incident_notifications where id = $1", [notification.id]);
    expect(row?.kind).toBe("early_warning");
    // A viewer's context reads, but cannot insert (row policy).
    const viewer = { orgId, userId: people.viewer.id };
    expect(await asApp(target, viewer, `select id from incident_notifications where id = '${notification.id}'`)).toHaveLength(1);
    expect(
      (
        await dbError(
          asApp(
            target,
            viewer,
            `insert into incident_notifications (org_id, incident_id, kind) values ('${orgId}', '${incident.id}', 'final')`,
          ),
        )
      ).code,
    ).toBe("42501");
  });

  it("P17: deleting an incident takes its reports with it, and the audit log keeps them", async () => {
    const incident = await createRecord(orgId, "incidents", owner.token, { significant: true });
    const { notification } = await submit(orgId, incident.id, owner.token, { kind: "early_warning" });
    expect((await api("DELETE", recordsPath(orgId, "incidents", incident.id), people.member.token)).status).toBe(204);
    expect(await notificationRows(incident.id)).toBe(0);
    const entries = await auditOf(orgId, notification.id);
    expect(entries.map((e) => [e.action, e.actor_user_id])).toEqual([
      ["insert", owner.id],
      ["delete", people.member.id],
    ]);
  });

  it("P17: every incident answered carries its nis2 block, computed from the values just written (create, change, get, list)", async () => {
    type WithBlock = { id: string; nis2: { deadlines: Deadline[]; open: number; overdue: number } };
    const aware = Math.floor(Date.now() / 1000) * 1000 - 30 * HOUR; // early warning overdue, the rest pending
    const created = (await createRecord(orgId, "incidents", owner.token, {
      significant: true,
      personal_data_breach: false,
      detected_at: iso(aware - HOUR),
      aware_at: iso(aware),
    })) as unknown as WithBlock;
    expect(created.nis2.deadlines).toEqual(await deadlinesOf(orgId, created.id, owner.token));
    expect(created.nis2).toMatchObject({ open: 4, overdue: 1 }); // NIS2 ×3 and the customer notice; only the 24 h one is past
    expect(byKind(created.nis2.deadlines).early_warning).toMatchObject({ due_at: iso(aware + 24 * HOUR), state: "overdue" });

    // The answer to a change reflects the NEW facts (RETURNING passes them; it cannot re-read the row).
    const later = aware + 20 * HOUR;
    const changed = await api("PATCH", recordsPath(orgId, "incidents", created.id), people.member.token, {
      aware_at: iso(later),
      significant: false,
      personal_data_breach: true,
    });
    expect(changed.status).toBe(200);
    const block = (await changed.json<WithBlock>()).nis2;
    expect(block.deadlines.map((d) => d.kind)).toEqual(["gdpr_authority", "customer"]);
    expect(byKind(block.deadlines).gdpr_authority?.due_at).toBe(iso(later + 72 * HOUR));
    expect(block).toMatchObject({ open: 2, overdue: 0 });

    await submit(orgId, created.id, owner.token, { kind: "customer" });
    const read = await api("GET", recordsPath(orgId, "incidents", created.id), people.viewer.token);
    expect(byKind((await read.json<WithBlock>()).nis2.deadlines).customer?.state).toBe("done");
    const listed = await api("GET", `${recordsPath(orgId, "incidents")}?limit=200`, people.viewer.token);
    const item = (await listed.json<{ items: WithBlock[] }>()).items.find((i) => i.id === created.id);
    expect(item?.nis2).toMatchObject({ open: 1, overdue: 0 });

    // An incident that is neither significant nor a breach has no deadline at all.
    const minor = (await createRecord(orgId, "incidents", owner.token, {
      significant: false,
      personal_data_breach: false,
    })) as unknown as WithBlock;
    expect(minor.nis2).toEqual({ deadlines: [], open: 0, overdue: 0 });
  });

  it("P17: every request is ONE database round trip", async () => {
    const target = workerDb();
    const incident = await createRecord(orgId, "incidents", owner.token, { significant: true });
    const tag = (what: string) => `p17-rt-${what}-${crypto.randomUUID()}`;
    const requests: [string, string, string, unknown, number][] = [
      ["post", "POST", notificationsPath(orgId, incident.id), { kind: "early_warning" }, 201],
      ["list", "GET", notificationsPath(orgId, incident.id), undefined, 200],
      ["deadlines", "GET", deadlinesPath(orgId, incident.id), undefined, 200],
      ["overview", "GET", `/v1/orgs/${orgId}/nis2/overview`, undefined, 200],
      ["incident", "GET", recordsPath(orgId, "incidents", incident.id), undefined, 200],
      ["incidents", "GET", recordsPath(orgId, "incidents"), undefined, 200],
      ["change", "PATCH", recordsPath(orgId, "incidents", incident.id), { personal_data_breach: true }, 200],
    ];
    for (const [what, method, path, body, status] of requests) {
      const t = tag(what);
      const response = await apiWith(taggedDatabase(t), method, path, owner.token, body);
      expect(response.status, what).toBe(status);
      expect(await roundTrips(target, t), what).toBe(1);
    }
  });

  it("P17: the NIS2 overview lists open deadlines soonest first and the controls serving each Art. 21(2) measure", async () => {
    const { orgId: fresh, people: them } = await orgWithRoles();
    const now = Math.floor(Date.now() / 1000) * 1000;
    const late = await createRecord(fresh, "incidents", them.owner.token, {
      significant: true,
      personal_data_breach: false,
      detected_at: iso(now - 30 * HOUR),
      aware_at: iso(now - 30 * HOUR),
    });
    const recent = await createRecord(fresh, "incidents", them.owner.token, {
      significant: false,
      personal_data_breach: true,
      detected_at: iso(now - HOUR),
      aware_at: iso(now - HOUR),
    });
    await submit(fresh, late.id, them.owner.token, { kind: "notification" }); // done: not open
    await createRecord(fresh, "controls", them.owner.token, { reference: "AC-01", nis2_measures: ["a", "j"], status: "implemented" });
    await createRecord(fresh, "controls", them.owner.token, { reference: "BC-01", nis2_measures: ["c"], status: "planned" });
    await createRecord(fresh, "controls", them.owner.token, { reference: "AC-02", nis2_measures: ["j"], status: "partial" });
    const response = await api("GET", `/v1/orgs/${fresh}/nis2/overview`, them.viewer.token);
    expect(response.status).toBe(200);
    const body = await response.json<{
      open_deadlines: (Deadline & { incident_id: string; incident_title: string })[];
      measures: { measure: string; controls: { reference: string; status: string }[]; status_counts: Record<string, number> }[];
    }>();
    expect(body.open_deadlines.map((d) => [d.incident_id, d.kind, d.state])).toEqual([
      [late.id, "early_warning", "overdue"],
      [late.id, "customer", "pending"],
      [recent.id, "customer", "pending"],
      [recent.id, "gdpr_authority", "pending"],
      [late.id, "final", "pending"], // due a month after the notification submitted just now
    ]);
    expect(body.open_deadlines[0]?.incident_title).toBe(late.title);
    expect(body.measures.map((m) => m.measure)).toEqual(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]);
    const j = body.measures.find((m) => m.measure === "j");
    expect(j?.controls.map((c) => c.reference)).toEqual(["AC-01", "AC-02"]);
    expect(j?.status_counts).toEqual({ planned: 0, partial: 1, implemented: 1, not_applicable: 0 });
    expect(body.measures.find((m) => m.measure === "b")?.controls).toEqual([]);
  });
});
