/**
 * P13 (audit log) on policy acknowledgements and training assignments: every change
 * made through the duty routes is one entry of the organization's hash-chained log,
 * written by the table's trigger in the request's own transaction, with its actor and
 * the row before and after; a refused request writes none; rows that go with a member
 * who leaves stay in the log; and the chain verifies over HTTP afterwards.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { OrgRole } from "../../src/db/schema";
import {
  ackPath,
  assignmentsPath,
  assignVia,
  completionPath,
  keyOf,
  policyIn,
  trainingIn,
  type Ack,
  type Assignment,
} from "../helpers/duties";
import { expectProblem } from "../helpers/expect";
import { api, orgWithRoles, type Person } from "../helpers/orgs";
import { auditCount, auditOf } from "../helpers/records";
import { ownerCount } from "../helpers/identity-ip";

let orgId: string;
let people: Record<OrgRole, Person>;

beforeAll(async () => {
  ({ orgId, people } = await orgWithRoles());
});

async function verified(org: string, token: string): Promise<{ valid: boolean; checked: number; first_broken_seq: number | null }> {
  const response = await api("GET", `/v1/orgs/${org}/audit-log/verify`, token);
  expect(response.status).toBe(200);
  return response.json();
}

describe("P13 duties: the audit log", () => {
  it("P13: an acknowledgement, an assignment, a due-date change, a completion and a removal are one entry each, with their actor; the chain verifies", async () => {
    const policy = await policyIn(orgId, people.owner);
    const training = await trainingIn(orgId, people.owner);
    const key = await keyOf(orgId, people.owner, ["records:write"]);

    const ack = await (await api("POST", ackPath(orgId, policy.id), people.viewer.token)).json<Ack>();
    expect((await api("POST", ackPath(orgId, policy.id), people.viewer.token)).status).toBe(200); // again: no entry
    let entries = await auditOf(orgId, ack.id);
    expect(entries.map((e) => [e.action, e.table_name, e.actor_user_id])).toEqual([
      ["insert", "policy_acknowledgements", people.viewer.id],
    ]);
    expect(entries[0]?.after).toMatchObject({
      policy_id: policy.id,
      user_id: people.viewer.id,
      document_version: "1.0",
      policy_version: 1,
    });

    const assigned = await assignVia(orgId, training.id, key.key, { user_id: people.auditor.id });
    await assignVia(orgId, training.id, people.admin.token, { user_id: people.auditor.id }); // again, no date: no entry
    await assignVia(orgId, training.id, people.admin.token, { user_id: people.auditor.id, due_date: "2027-03-31" });
    const done = await api("POST", completionPath(orgId, training.id, people.auditor.id), people.auditor.token, { score: 80 });
    expect((await done.json<Assignment>()).score).toBe(80);
    expect((await api("DELETE", assignmentsPath(orgId, training.id, people.auditor.id), people.member.token)).status).toBe(204);

    entries = await auditOf(orgId, assigned.id);
    expect(entries.map((e) => [e.action, e.table_name, e.actor_user_id ?? e.actor_api_key_id])).toEqual([
      ["insert", "training_assignments", key.id],
      ["update", "training_assignments", people.admin.id],
      ["update", "training_assignments", people.auditor.id],
      ["delete", "training_assignments", people.member.id],
    ]);
    expect(entries[0]?.after).toMatchObject({ user_id: people.auditor.id, assigned_by: key.id, due_date: null });
    expect(entries[1]?.after).toMatchObject({ due_date: "2027-03-31" });
    expect(entries[2]?.after).toMatchObject({ score: 80, completed_by: people.auditor.id });
    expect(entries[3]?.before).toMatchObject({ score: 80, completed_by: people.auditor.id });
    expect(entries[3]?.after).toBeNull();

    expect(await verified(orgId, people.auditor.token)).toMatchObject({ valid: true, first_broken_seq: null });
  });

  it("P13 (refuses): a refused request writes no entry (draft policy, API key acknowledging, viewer assigning, someone else's completion, bad input)", async () => {
    const draft = await policyIn(orgId, people.owner, { status: "draft" });
    const policy = await policyIn(orgId, people.owner);
    const training = await trainingIn(orgId, people.owner);
    await assignVia(orgId, training.id, people.owner.token, { user_id: people.member.id });
    const key = await keyOf(orgId, people.owner, ["records:write"]);
    const before = await auditCount(orgId);
    await expectProblem(await api("POST", ackPath(orgId, draft.id), people.member.token), 409, "policy_not_approved");
    await expectProblem(await api("POST", ackPath(orgId, policy.id), key.key), 403, "forbidden");
    await expectProblem(
      await api("POST", assignmentsPath(orgId, training.id), people.viewer.token, { user_id: people.viewer.id }),
      403,
      "forbidden",
    );
    await expectProblem(await api("POST", completionPath(orgId, training.id, people.member.id), people.viewer.token, {}), 403, "forbidden");
    await expectProblem(
      await api("POST", completionPath(orgId, training.id, people.member.id), people.member.token, { score: 101 }),
      422,
      "validation_failed",
    );
    expect(await auditCount(orgId)).toBe(before);
  });

  it("P13: a member who is removed takes their acknowledgements and assignments with them; the audit log keeps both", async () => {
    const { orgId: org, people: them } = await orgWithRoles();
    const policy = await policyIn(org, them.owner);
    const training = await trainingIn(org, them.owner);
    const ack = await (await api("POST", ackPath(org, policy.id), them.member.token)).json<Ack>();
    const assigned = await assignVia(org, training.id, them.owner.token, { user_id: them.member.id });
    expect((await api("DELETE", `/v1/orgs/${org}/members/${them.member.id}`, them.owner.token)).status).toBe(204);
    expect(await ownerCount("select count(*)::int as n from policy_acknowledgements where id = $1", [ack.id])).toBe(0);
    expect(await ownerCount("select count(*)::int as n from training_assignments where id = $1", [assigned.id])).toBe(0);
    for (const id of [ack.id, assigned.id]) {
      const entries = await auditOf(org, id);
      expect(entries.map((e) => [e.action, e.actor_user_id])).toEqual([
        ["insert", entries[0]?.actor_user_id],
        ["delete", them.owner.id],
      ]);
    }
    expect(await verified(org, them.owner.token)).toMatchObject({ valid: true, first_broken_seq: null });
  });
});
