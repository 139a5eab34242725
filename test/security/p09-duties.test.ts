/**
 * P9 (roles) on policy acknowledgements and training assignments, through the real
 * worker and database.
 *
 * Covered:
 * - every role acknowledges an approved policy for themself (201), again answers the
 *   existing acknowledgement (200), and reads who did and who has not;
 * - an API key cannot acknowledge (403: a key is not a person) but reads;
 * - a draft or retired policy: 409 `policy_not_approved`, nothing written;
 * - a new document version needs new acknowledgements (the old one stays, not current);
 *   a change that keeps the label does not; If-Match: only at the version read (412);
 * - assignments: writers (and `records:write` keys) assign and remove, auditors, viewers
 *   and `records:read` keys get 403 with nothing written; every reader lists;
 * - completion: the assignee themself (any role) or a writer; nobody else (403); once;
 * - assigning again (200), a due date replaced, states computed when read, filters;
 * - my duties; bad input (422) and malformed ids (404) with nothing written;
 * - every request is ONE database round trip.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { OrgRole } from "../../src/db/schema";
import {
  ackPath,
  ackRows,
  assignmentRow,
  assignmentRows,
  assignmentsPath,
  assignVia,
  completionPath,
  keyOf,
  myDutiesPath,
  policyIn,
  trainingIn,
  type Ack,
  type AckList,
  type Assignment,
  type AssignmentList,
} from "../helpers/duties";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { api, orgWithRoles, person, type Person } from "../helpers/orgs";
import { apiHeaders, apiWith, recordsPath, taggedDatabase } from "../helpers/records";
import { roundTrips } from "../helpers/tenants";

const ROLES: readonly OrgRole[] = ["owner", "admin", "member", "auditor", "viewer"];
const WRITERS: ReadonlySet<OrgRole> = new Set(["owner", "admin", "member"]);

let orgId: string;
let people: Record<OrgRole, Person>;
let owner: Person;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
  owner = people.owner;
});

async function acknowledge(org: string, policyId: string, token: string, status = 201): Promise<Ack> {
  const response = await api("POST", ackPath(org, policyId), token);
  expect(response.status, await response.clone().text()).toBe(status);
  return response.json<Ack>();
}

async function acknowledgementsOf(org: string, policyId: string, token: string): Promise<AckList> {
  const response = await api("GET", ackPath(org, policyId), token);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<AckList>();
}

async function assignmentsOf(org: string, trainingId: string, token: string, query = ""): Promise<AssignmentList> {
  const response = await api("GET", `${assignmentsPath(org, trainingId)}${query}`, token);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json<AssignmentList>();
}

const isoDay = (offsetDays: number): string => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe("P9 policy acknowledgements", () => {
  it("P9: every role acknowledges an approved policy for themself (201); again answers the same one (200); readers see who did", async () => {
    const policy = await policyIn(orgId, owner);
    for (const role of ROLES) {
      const ack = await acknowledge(orgId, policy.id, people[role].token);
      expect(ack).toMatchObject({ policy_id: policy.id, user_id: people[role].id, name: role, document_version: "1.0", current: true });
      expect(ack.policy_version).toBe(policy.version);
      expect(Math.abs(Date.parse(ack.acknowledged_at) - Date.now())).toBeLessThan(60_000);
      const again = await acknowledge(orgId, policy.id, people[role].token, 200);
      expect(again).toEqual(ack);
    }
    expect(await ackRows(policy.id)).toBe(5);
    for (const role of ROLES) {
      const list = await acknowledgementsOf(orgId, policy.id, people[role].token);
      expect(list.policy).toMatchObject({ id: policy.id, status: "approved", document_version: "1.0" });
      expect(list.counts).toEqual({ members: 5, acknowledged: 5, pending: 0 });
      expect(list.items.map((a) => a.user_id).sort()).toEqual(ROLES.map((r) => people[r].id).sort());
      expect(list.pending).toEqual([]);
      expect(list.truncated).toBe(false);
    }
  });

  it("P9: who has not acknowledged yet is listed, by role, and counted", async () => {
    const policy = await policyIn(orgId, owner);
    await acknowledge(orgId, policy.id, people.member.token);
    const list = await acknowledgementsOf(orgId, policy.id, people.viewer.token);
    expect(list.counts).toEqual({ members: 5, acknowledged: 1, pending: 4 });
    expect(list.pending.map((p) => p.role)).toEqual(["owner", "admin", "auditor", "viewer"]);
    expect(list.pending.map((p) => p.user_id)).toEqual(["owner", "admin", "auditor", "viewer"].map((r) => people[r as OrgRole].id));
  });

  it("P9 (refuses): an API key cannot acknowledge (403: a key is not a person), whatever its scope; a records:read key reads", async () => {
    const policy = await policyIn(orgId, owner);
    const reader = await keyOf(orgId, owner, ["records:read"]);
    const writer = await keyOf(orgId, owner, ["records:write"]);
    for (const key of [reader.key, writer.key]) {
      await expectProblem(await api("POST", ackPath(orgId, policy.id), key), 403, "forbidden");
    }
    expect(await ackRows(policy.id)).toBe(0);
    const list = await acknowledgementsOf(orgId, policy.id, reader.key);
    expect(list.counts).toEqual({ members: 5, acknowledged: 0, pending: 5 });
  });

  it("P9 (refuses): a draft or retired policy cannot be acknowledged: 409 policy_not_approved, nothing written; nobody is pending", async () => {
    for (const status of ["draft", "retired"]) {
      const policy = await policyIn(orgId, owner, { status });
      await expectProblem(await api("POST", ackPath(orgId, policy.id), people.member.token), 409, "policy_not_approved");
      expect(await ackRows(policy.id)).toBe(0);
      const list = await acknowledgementsOf(orgId, policy.id, people.member.token);
      expect(list.counts).toEqual({ members: 5, acknowledged: 0, pending: 0 });
      expect(list.pending).toEqual([]);
    }
    // Acknowledged while approved, then retired: the acknowledgement stays on record; no new one.
    const policy = await policyIn(orgId, owner);
    const ack = await acknowledge(orgId, policy.id, people.viewer.token);
    expect((await api("PATCH", recordsPath(orgId, "policies", policy.id), owner.token, { status: "retired" })).status).toBe(200);
    await expectProblem(await api("POST", ackPath(orgId, policy.id), people.admin.token), 409, "policy_not_approved");
    expect((await acknowledgementsOf(orgId, policy.id, owner.token)).items.map((a) => a.id)).toEqual([ack.id]);
  });

  it("P9: a new document version needs everyone's acknowledgement again; the old one stays on record but is not current", async () => {
    const policy = await policyIn(orgId, owner);
    const old = await acknowledge(orgId, policy.id, people.member.token);
    // A change that keeps the label (the review date) keeps the acknowledgement current.
    expect((await api("PATCH", recordsPath(orgId, "policies", policy.id), owner.token, { review_due: "2028-01-31" })).status).toBe(200);
    let list = await acknowledgementsOf(orgId, policy.id, owner.token);
    expect(list.items).toEqual([{ ...old, current: true }]);
    expect(list.counts.acknowledged).toBe(1);
    await acknowledge(orgId, policy.id, people.member.token, 200);

    expect((await api("PATCH", recordsPath(orgId, "policies", policy.id), owner.token, { document_version: "2.0" })).status).toBe(200);
    list = await acknowledgementsOf(orgId, policy.id, owner.token);
    expect(list.policy.document_version).toBe("2.0");
    expect(list.items).toEqual([{ ...old, current: false }]);
    expect(list.counts).toEqual({ members: 5, acknowledged: 0, pending: 5 });
    expect(list.pending.map((p) => p.user_id)).toContain(people.member.id);

    const renewed = await acknowledge(orgId, policy.id, people.member.token);
    expect(renewed).toMatchObject({ document_version: "2.0", policy_version: 3, current: true });
    expect(renewed.id).not.toBe(old.id);
    list = await acknowledgementsOf(orgId, policy.id, owner.token);
    expect(list.items.map((a) => [a.document_version, a.current])).toEqual([
      ["2.0", true],
      ["1.0", false],
    ]);
    expect(list.counts).toEqual({ members: 5, acknowledged: 1, pending: 4 });
  });

  it("P9 (refuses): with If-Match, the acknowledgement is recorded only at the version the person read (412 otherwise, nothing written)", async () => {
    const policy = await policyIn(orgId, owner);
    expect(
      (await api("PATCH", recordsPath(orgId, "policies", policy.id), owner.token, { title: `${String(policy.title)} (fixed)` })).status,
    ).toBe(200);
    for (const tag of ['"1"', 'W/"2"', '"9", "7"']) {
      await expectProblem(
        await apiHeaders("POST", ackPath(orgId, policy.id), people.viewer.token, { "if-match": tag }),
        412,
        "precondition_failed",
      );
    }
    expect(await ackRows(policy.id)).toBe(0);
    await expectProblem(
      await apiHeaders("POST", ackPath(orgId, policy.id), people.viewer.token, { "if-match": "2" }),
      422,
      "validation_failed",
    );
    const ack = await apiHeaders("POST", ackPath(orgId, policy.id), people.viewer.token, { "if-match": '"1", "2"' });
    expect(ack.status).toBe(201);
    expect((await ack.json<Ack>()).policy_version).toBe(2);
    expect((await apiHeaders("POST", ackPath(orgId, policy.id), people.viewer.token, { "if-match": "*" })).status).toBe(200);
  });
});

describe("P9 training assignments", () => {
  it("P9: owners, admins and members assign and remove; auditors and viewers get 403 and nothing is written; every role lists", async () => {
    const training = await trainingIn(orgId, owner, { due_date: isoDay(30) });
    for (const role of ROLES) {
      const token = people[role].token;
      const target = people.viewer.id;
      const assigned = await api("POST", assignmentsPath(orgId, training.id), token, { user_id: target });
      const list = await assignmentsOf(orgId, training.id, token);
      if (WRITERS.has(role)) {
        expect(assigned.status, role).toBe(201);
        const body = await assigned.json<Assignment>();
        expect(body).toMatchObject({
          training_id: training.id,
          user_id: target,
          name: "viewer",
          status: "pending",
          assigned_by: people[role].id,
        });
        expect(body).toMatchObject({ due_date: isoDay(30), due_date_override: null, completed_at: null, completed_by: null });
        expect(list.items.map((a) => a.user_id)).toEqual([target]);
        expect((await api("DELETE", assignmentsPath(orgId, training.id, target), token)).status, role).toBe(204);
        expect(await assignmentRows(training.id)).toBe(0);
        await expectProblem(await api("DELETE", assignmentsPath(orgId, training.id, target), token), 404, "not_found");
      } else {
        await expectProblem(assigned, 403, "forbidden");
        expect(await assignmentRows(training.id)).toBe(0);
        await assignVia(orgId, training.id, owner.token, { user_id: target });
        await expectProblem(await api("DELETE", assignmentsPath(orgId, training.id, target), token), 403, "forbidden");
        expect(await assignmentRows(training.id)).toBe(1);
        expect((await assignmentsOf(orgId, training.id, token)).items).toHaveLength(1);
        expect((await api("DELETE", assignmentsPath(orgId, training.id, target), owner.token)).status).toBe(204);
      }
    }
  });

  it("P9: a records:write key assigns and removes (a learning platform); a records:read key lists but gets 403 on writes", async () => {
    const training = await trainingIn(orgId, owner);
    const reader = await keyOf(orgId, owner, ["records:read"]);
    const writer = await keyOf(orgId, owner, ["records:write"]);
    await expectProblem(
      await api("POST", assignmentsPath(orgId, training.id), reader.key, { user_id: people.member.id }),
      403,
      "forbidden",
    );
    const assigned = await assignVia(orgId, training.id, writer.key, { user_id: people.member.id });
    expect(assigned.assigned_by).toBe(writer.id);
    expect((await assignmentsOf(orgId, training.id, reader.key)).counts.assigned).toBe(1);
    await expectProblem(await api("DELETE", assignmentsPath(orgId, training.id, people.member.id), reader.key), 403, "forbidden");
    expect((await api("DELETE", assignmentsPath(orgId, training.id, people.member.id), writer.key)).status).toBe(204);
  });

  it("P9: the assignee records their own completion (any role), a writer anyone's; nobody else (403, nothing written); once", async () => {
    const training = await trainingIn(orgId, owner);
    for (const role of ["viewer", "auditor"] as const) await assignVia(orgId, training.id, owner.token, { user_id: people[role].id });
    // An auditor cannot record the viewer's completion, nor a records:read key.
    await expectProblem(
      await api("POST", completionPath(orgId, training.id, people.viewer.id), people.auditor.token, {}),
      403,
      "forbidden",
    );
    const reader = await keyOf(orgId, owner, ["records:read"]);
    await expectProblem(await api("POST", completionPath(orgId, training.id, people.viewer.id), reader.key, {}), 403, "forbidden");
    expect((await assignmentRow(training.id, people.viewer.id))?.completed_at).toBeNull();

    // The viewer records their own.
    const own = await api("POST", completionPath(orgId, training.id, people.viewer.id), people.viewer.token, {
      score: 88,
      notes: "Quiz passed.",
    });
    expect(own.status).toBe(201);
    const done = await own.json<Assignment>();
    expect(done).toMatchObject({ status: "completed", completed_by: people.viewer.id, score: 88, notes: "Quiz passed." });
    expect(Math.abs(Date.parse(done.completed_at ?? "") - Date.now())).toBeLessThan(60_000);
    // Once: again (by them or a writer) answers the recorded completion, unchanged.
    const again = await api("POST", completionPath(orgId, training.id, people.viewer.id), people.viewer.token, { score: 100 });
    expect(again.status).toBe(200);
    expect(await again.json<Assignment>()).toEqual(done);
    expect((await api("POST", completionPath(orgId, training.id, people.viewer.id), people.admin.token, { score: 1 })).status).toBe(200);
    expect((await assignmentRow(training.id, people.viewer.id))?.score).toBe(88);

    // A member (a writer) records the auditor's, with a past time; a records:write key could too.
    const recorded = await api("POST", completionPath(orgId, training.id, people.auditor.id), people.member.token, {
      completed_at: "2026-01-15T10:00:00+01:00",
    });
    expect(recorded.status).toBe(201);
    expect(await recorded.json<Assignment>()).toMatchObject({ completed_at: "2026-01-15T09:00:00.000Z", completed_by: people.member.id });
    const writer = await keyOf(orgId, owner, ["records:write"]);
    await assignVia(orgId, training.id, owner.token, { user_id: people.member.id });
    const byKey = await api("POST", completionPath(orgId, training.id, people.member.id), writer.key, { score: 70 });
    expect(byKey.status).toBe(201);
    expect((await byKey.json<Assignment>()).completed_by).toBe(writer.id);
    // Someone with no assignment: 404.
    await expectProblem(await api("POST", completionPath(orgId, training.id, people.owner.id), people.owner.token, {}), 404, "not_found");
  });

  it("P9: assigning again answers the existing assignment (200); a due date sent replaces its own; states are computed when read", async () => {
    const training = await trainingIn(orgId, owner, { due_date: isoDay(-2) });
    const first = await assignVia(orgId, training.id, owner.token, { user_id: people.member.id });
    expect(first).toMatchObject({ status: "overdue", due_date: isoDay(-2), due_date_override: null });
    const again = await api("POST", assignmentsPath(orgId, training.id), people.admin.token, { user_id: people.member.id });
    expect(again.status).toBe(200);
    expect(await again.json<Assignment>()).toEqual(first);
    const moved = await api("POST", assignmentsPath(orgId, training.id), people.admin.token, {
      user_id: people.member.id,
      due_date: isoDay(10),
    });
    expect(moved.status).toBe(200);
    expect(await moved.json<Assignment>()).toMatchObject({
      id: first.id,
      status: "pending",
      due_date: isoDay(10),
      due_date_override: isoDay(10),
    });
    // null: follow the training's due date again.
    const back = await assignVia(orgId, training.id, owner.token, { user_id: people.member.id, due_date: null });
    expect(back).toMatchObject({ status: "overdue", due_date: isoDay(-2), due_date_override: null, assigned_by: owner.id });

    // Due today is not overdue yet; moving the training moves who follows it.
    await assignVia(orgId, training.id, owner.token, { user_id: people.viewer.id, due_date: isoDay(0) });
    await assignVia(orgId, training.id, owner.token, { user_id: people.auditor.id });
    await api("POST", completionPath(orgId, training.id, people.auditor.id), people.auditor.token, {});
    let list = await assignmentsOf(orgId, training.id, people.viewer.token);
    expect(list.counts).toEqual({ assigned: 3, pending: 1, overdue: 1, completed: 1 });
    expect(list.items.map((a) => [a.name, a.status])).toEqual([
      ["auditor", "completed"],
      ["member", "overdue"],
      ["viewer", "pending"],
    ]);
    for (const status of ["pending", "overdue", "completed"] as const) {
      const filtered = await assignmentsOf(orgId, training.id, owner.token, `?status=${status}`);
      expect(filtered.items.map((a) => a.status)).toEqual([status]);
      expect(filtered.counts.assigned).toBe(3);
    }
    expect((await api("PATCH", recordsPath(orgId, "trainings", training.id), owner.token, { due_date: isoDay(5) })).status).toBe(200);
    list = await assignmentsOf(orgId, training.id, owner.token, "?status=pending");
    expect(list.items.map((a) => [a.name, a.due_date])).toEqual([
      ["member", isoDay(5)],
      ["viewer", isoDay(0)],
    ]);
    await expectProblem(await api("GET", `${assignmentsPath(orgId, training.id)}?status=late`, owner.token), 422, "validation_failed");
  });
});

describe("P9 my duties", () => {
  it("P9: each person sees what they still have to do; it empties as they do it; an API key has no duties (401)", async () => {
    const { orgId: org, people: them } = await orgWithRoles();
    const approved = await policyIn(org, them.owner, { title: "A policy" });
    await policyIn(org, them.owner, { status: "draft" });
    const training = await trainingIn(org, them.owner, { title: "Phishing", due_date: isoDay(-1) });
    const later = await trainingIn(org, them.owner, { title: "Backups" });
    await assignVia(org, training.id, them.owner.token, { user_id: them.viewer.id });
    await assignVia(org, later.id, them.owner.token, { user_id: them.viewer.id });
    await assignVia(org, later.id, them.owner.token, { user_id: them.member.id });

    let response = await api("GET", myDutiesPath(org), them.viewer.token);
    expect(response.status).toBe(200);
    let duties = await response.json<{
      policies: { policy_id: string; title: string; document_version: string; version: number }[];
      trainings: (Assignment & { training_title: string })[];
      truncated: boolean;
    }>();
    expect(duties.policies).toEqual([{ policy_id: approved.id, title: "A policy", document_version: "1.0", version: 1 }]);
    expect(duties.trainings.map((t) => [t.training_title, t.status, t.user_id])).toEqual([
      ["Phishing", "overdue", them.viewer.id],
      ["Backups", "pending", them.viewer.id],
    ]);
    expect(duties.truncated).toBe(false);

    await acknowledge(org, approved.id, them.viewer.token);
    await api("POST", completionPath(org, training.id, them.viewer.id), them.viewer.token, {});
    response = await api("GET", myDutiesPath(org), them.viewer.token);
    duties = await response.json();
    expect(duties.policies).toEqual([]);
    expect(duties.trainings.map((t) => t.training_title)).toEqual(["Backups"]);

    const key = await keyOf(org, them.owner, ["records:read"]);
    await expectProblem(await api("GET", myDutiesPath(org), key.key), 401, "invalid_token");
    await expectProblem(await api("GET", myDutiesPath(org), (await person("outsider")).token), 404, "not_found");
  });
});

describe("P9 duties: bad input", () => {
  it("P9 (refuses): bad input is 422 and malformed ids 404, with nothing written", async () => {
    const training = await trainingIn(orgId, owner);
    const policy = await policyIn(orgId, owner);
    const badAssignments: Record<string, unknown>[] = [
      {},
      { user_id: "not-a-uuid" },
      { user_id: people.member.id, due_date: "2027-02-30" },
      { user_id: people.member.id, due_date: "0001-01-01" },
      { user_id: people.member.id, role: "admin" },
      { user_id: people.member.id, assigned_by: people.viewer.id },
    ];
    for (const body of badAssignments) {
      await expectProblem(await api("POST", assignmentsPath(orgId, training.id), owner.token, body), 422, "validation_failed");
    }
    expect(await assignmentRows(training.id)).toBe(0);
    // Someone who is not a member (or no one at all): the database refuses the reference.
    for (const user of [(await person("stranger")).id, crypto.randomUUID()]) {
      await expectProblem(await api("POST", assignmentsPath(orgId, training.id), owner.token, { user_id: user }), 422, "invalid_reference");
    }
    expect(await assignmentRows(training.id)).toBe(0);

    await assignVia(orgId, training.id, owner.token, { user_id: people.member.id });
    const badCompletions: Record<string, unknown>[] = [
      { score: 101 },
      { score: -1 },
      { score: 1.5 },
      { score: "90" },
      { completed_at: new Date(Date.now() + 5 * 60_000).toISOString() },
      { completed_at: "yesterday" },
      { notes: "x".repeat(5_001) },
      { completed_by: people.viewer.id },
    ];
    for (const body of badCompletions) {
      await expectProblem(
        await api("POST", completionPath(orgId, training.id, people.member.id), people.member.token, body),
        422,
        "validation_failed",
      );
    }
    // A NUL character: the WAF's protocol rules still run on the notes (403); the API refuses it too (422 under WAF_MODE=log).
    await expectProblem(
      await api("POST", completionPath(orgId, training.id, people.member.id), people.member.token, { notes: "nul \u0000 inside" }),
      403,
      "waf_blocked",
    );
    expect((await assignmentRow(training.id, people.member.id))?.completed_at).toBeNull();

    // Malformed ids name nothing: 404, like unknown ones.
    for (const [method, path] of [
      ["POST", ackPath(orgId, "not-a-uuid")],
      ["GET", ackPath(orgId, crypto.randomUUID())],
      ["GET", assignmentsPath(orgId, "not-a-uuid")],
      ["DELETE", assignmentsPath(orgId, training.id, "not-a-uuid")],
      ["DELETE", assignmentsPath(orgId, "x", people.member.id)],
    ] as const) {
      await expectProblem(await api(method, path, owner.token), 404, "not_found");
    }
    await expectProblem(await api("POST", completionPath(orgId, training.id, "nope"), owner.token, {}), 404, "not_found");
    await expectProblem(
      await api("POST", assignmentsPath(orgId, crypto.randomUUID()), owner.token, { user_id: people.member.id }),
      404,
      "not_found",
    );
    expect(await ackRows(policy.id)).toBe(0);
  });

  it("P9: free-text completion notes may quote an attack (WAF exclusion on that field only)", async () => {
    const training = await trainingIn(orgId, owner);
    await assignVia(orgId, training.id, owner.token, { user_id: people.auditor.id });
    const notes = "Covered the classics: ' OR 1=1 -- and <script>alert(1)</script> in the phishing module.";
    const response = await api("POST", completionPath(orgId, training.id, people.auditor.id), people.auditor.token, { notes });
    expect(response.status).toBe(201);
    expect((await response.json<Assignment>()).notes).toBe(notes);
  });
});

describe("P9 duties: one round trip", () => {
  it("P9: every duty request is ONE database round trip", async () => {
    const target = workerDb();
    const policy = await policyIn(orgId, owner);
    const training = await trainingIn(orgId, owner);
    const user = people.viewer.id;
    const requests: [string, string, string, string, unknown, number][] = [
      ["ack", "POST", ackPath(orgId, policy.id), people.viewer.token, undefined, 201],
      ["ack-again", "POST", ackPath(orgId, policy.id), people.viewer.token, undefined, 200],
      ["acks", "GET", ackPath(orgId, policy.id), owner.token, undefined, 200],
      ["assign", "POST", assignmentsPath(orgId, training.id), owner.token, { user_id: user }, 201],
      ["assignments", "GET", `${assignmentsPath(orgId, training.id)}?status=pending`, owner.token, undefined, 200],
      ["complete", "POST", completionPath(orgId, training.id, user), people.viewer.token, {}, 201],
      ["mine", "GET", myDutiesPath(orgId), people.viewer.token, undefined, 200],
      ["unassign", "DELETE", assignmentsPath(orgId, training.id, user), owner.token, undefined, 204],
    ];
    for (const [what, method, path, token, body, status] of requests) {
      const tag = `p09-duties-rt-${what}-${crypto.randomUUID()}`;
      const response = await apiWith(taggedDatabase(tag), method, path, token, body);
      expect(response.status, what).toBe(status);
      expect(await roundTrips(target, tag), what).toBe(1);
    }
  });
});
