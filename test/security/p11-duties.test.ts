/**
 * P11 (tenant isolation) on policy acknowledgements and training assignments, through
 * the real worker and, with the API's checks bypassed, as rampart_app itself.
 *
 * Attacks and mistakes covered:
 * - a member of A naming B's policy or training on A's routes (acknowledge, list, assign,
 *   remove, complete): 404, nothing written; naming B's organization: 404; the same with
 *   A's API key;
 * - assigning a user of another organization (or no one): 422, nothing written;
 * - the database refusing on its own, as rampart_app: an acknowledgement for someone
 *   else, by an API key, of a draft, of a version that is not current, of B's policy, a
 *   change or deletion of one; an assignment of a non-member or of B's training, by a
 *   viewer, a forged `assigned_by`; the assignee moving their due date, undoing or
 *   rewriting a recorded completion, completing someone else's, a completion in the future;
 * - the catalog: forced row-level security, the triggers and only the grants they need.
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
  policyIn,
  trainingIn,
} from "../helpers/duties";
import { expectProblem } from "../helpers/expect";
import { workerDb } from "../helpers/identity";
import { api, orgWithRoles, type Person } from "../helpers/orgs";
import type { RecordBody } from "../helpers/records";
import { asApp, asOwner, dbError } from "../helpers/tenants";

let a: { orgId: string; people: Record<OrgRole, Person> };
let b: { orgId: string; people: Record<OrgRole, Person> };
let theirPolicy: RecordBody;
let theirTraining: RecordBody;

beforeAll(async () => {
  [a, b] = await Promise.all([orgWithRoles(), orgWithRoles()]);
  theirPolicy = await policyIn(b.orgId, b.people.owner);
  theirTraining = await trainingIn(b.orgId, b.people.owner);
  await assignVia(b.orgId, theirTraining.id, b.people.owner.token, { user_id: b.people.member.id });
});

describe("P11 duties: another organization's ids", () => {
  it("P11 (refuses): A's member naming B's policy or training on A's routes gets 404; nothing is written; B's organization is 404 too", async () => {
    const token = a.people.owner.token;
    await expectProblem(await api("POST", ackPath(a.orgId, theirPolicy.id), token), 404, "not_found");
    await expectProblem(await api("GET", ackPath(a.orgId, theirPolicy.id), token), 404, "not_found");
    await expectProblem(
      await api("POST", assignmentsPath(a.orgId, theirTraining.id), token, { user_id: a.people.member.id }),
      404,
      "not_found",
    );
    await expectProblem(await api("GET", assignmentsPath(a.orgId, theirTraining.id), token), 404, "not_found");
    await expectProblem(await api("DELETE", assignmentsPath(a.orgId, theirTraining.id, b.people.member.id), token), 404, "not_found");
    await expectProblem(await api("POST", completionPath(a.orgId, theirTraining.id, b.people.member.id), token, {}), 404, "not_found");
    // B's organization in the path: A's owner is not in it.
    await expectProblem(await api("POST", ackPath(b.orgId, theirPolicy.id), token), 404, "not_found");
    await expectProblem(await api("GET", assignmentsPath(b.orgId, theirTraining.id), token), 404, "not_found");
    await expectProblem(await api("GET", `/v1/orgs/${b.orgId}/me/duties`, token), 404, "not_found");
    expect(await ackRows(theirPolicy.id)).toBe(0);
    expect(await assignmentRows(theirTraining.id)).toBe(1);
    expect((await assignmentRow(theirTraining.id, b.people.member.id))?.completed_at).toBeNull();
  });

  it("P11 (refuses): A's API key naming B's ids, or B's organization, gets 404 and writes nothing", async () => {
    const key = (await keyOf(a.orgId, a.people.owner, ["records:write"])).key;
    await expectProblem(await api("GET", ackPath(a.orgId, theirPolicy.id), key), 404, "not_found");
    await expectProblem(
      await api("POST", assignmentsPath(a.orgId, theirTraining.id), key, { user_id: a.people.member.id }),
      404,
      "not_found",
    );
    await expectProblem(await api("POST", completionPath(a.orgId, theirTraining.id, b.people.member.id), key, {}), 404, "not_found");
    await expectProblem(await api("DELETE", assignmentsPath(a.orgId, theirTraining.id, b.people.member.id), key), 404, "not_found");
    await expectProblem(await api("GET", assignmentsPath(b.orgId, theirTraining.id), key), 404, "not_found");
    await expectProblem(
      await api("POST", assignmentsPath(b.orgId, theirTraining.id), key, { user_id: b.people.viewer.id }),
      404,
      "not_found",
    );
    expect(await assignmentRows(theirTraining.id)).toBe(1);
  });

  it("P11 (refuses): a user of another organization cannot be assigned (422 invalid_reference), nor seen in the lists", async () => {
    const training = await trainingIn(a.orgId, a.people.owner);
    await expectProblem(
      await api("POST", assignmentsPath(a.orgId, training.id), a.people.owner.token, { user_id: b.people.member.id }),
      422,
      "invalid_reference",
    );
    expect(await assignmentRows(training.id)).toBe(0);
    const policy = await policyIn(a.orgId, a.people.owner);
    const list = await api("GET", ackPath(a.orgId, policy.id), a.people.owner.token);
    const body = await list.json<{ pending: { user_id: string }[]; counts: { members: number } }>();
    expect(body.counts.members).toBe(5);
    expect(body.pending.map((p) => p.user_id)).not.toContain(b.people.member.id);
  });
});

describe("P11 duties: the database refuses on its own, as rampart_app", () => {
  it("P11 (refuses): acknowledgements only by the person themself, never a key, only an approved policy's current version, only in their organization; append-only", async () => {
    const target = workerDb();
    const policy = await policyIn(a.orgId, a.people.owner);
    const draft = await policyIn(a.orgId, a.people.owner, { status: "draft" });
    const key = await keyOf(a.orgId, a.people.owner, ["records:write"]);
    const viewer = { orgId: a.orgId, userId: a.people.viewer.id };
    const insert = (policyId: string, extra = "", values = "") =>
      `insert into policy_acknowledgements (org_id, policy_id${extra}) values ('${a.orgId}', '${policyId}'${values}) returning *`;

    // For someone else: no grant on user_id, and the trigger refuses it anyway.
    expect((await dbError(asApp(target, viewer, insert(policy.id, ", user_id", `, '${a.people.member.id}'`)))).code).toBe("42501");
    // As an API key (a key's context has no person).
    expect((await dbError(asApp(target, { orgId: a.orgId, apiKeyId: key.id }, insert(policy.id)))).code).toBe("42501");
    // A draft; a version that is not the current one; another organization's policy.
    expect((await dbError(asApp(target, viewer, insert(draft.id)))).code).toBe("RAPNA");
    expect((await dbError(asApp(target, viewer, insert(policy.id, ", document_version", ", '0.9'")))).code).toBe("RAPVC");
    expect((await dbError(asApp(target, viewer, insert(theirPolicy.id)))).code).toBe("23503");
    // Forged stamps: no grant.
    expect((await dbError(asApp(target, viewer, insert(policy.id, ", policy_version", ", 99")))).code).toBe("42501");
    expect((await dbError(asApp(target, viewer, insert(policy.id, ", acknowledged_at", ", now() - interval '1 year'")))).code).toBe(
      "42501",
    );
    expect(await ackRows(policy.id)).toBe(0);

    // The person themself: stamped by the database (the version it had, the current label).
    const [row] = await asApp(target, viewer, insert(policy.id));
    expect(row).toMatchObject({ user_id: a.people.viewer.id, document_version: "1.0", policy_version: 1 });
    // Append-only: no update or delete, even of your own.
    expect(
      (await dbError(asApp(target, viewer, `update policy_acknowledgements set document_version = '9' where id = '${String(row?.id)}'`)))
        .code,
    ).toBe("42501");
    expect((await dbError(asApp(target, viewer, `delete from policy_acknowledgements where id = '${String(row?.id)}'`))).code).toBe(
      "42501",
    );
    expect(await ackRows(policy.id)).toBe(1);
    // B's context never sees A's acknowledgements.
    expect(
      await asApp(
        target,
        { orgId: b.orgId, userId: b.people.owner.id },
        `select id from policy_acknowledgements where id = '${String(row?.id)}'`,
      ),
    ).toEqual([]);
  });

  it("P11 (refuses): assignments only by writers, only of members and trainings of the organization; stamps from the database", async () => {
    const target = workerDb();
    const training = await trainingIn(a.orgId, a.people.owner);
    const owner = { orgId: a.orgId, userId: a.people.owner.id };
    const insert = (trainingId: string, userId: string, extra = "", values = "") =>
      `insert into training_assignments (org_id, training_id, user_id${extra}) values ('${a.orgId}', '${trainingId}', '${userId}'${values}) returning *`;

    expect((await dbError(asApp(target, owner, insert(training.id, b.people.member.id)))).code).toBe("23503");
    expect((await dbError(asApp(target, owner, insert(training.id, crypto.randomUUID())))).code).toBe("23503");
    expect((await dbError(asApp(target, owner, insert(theirTraining.id, a.people.member.id)))).code).toBe("23503");
    for (const role of ["viewer", "auditor"] as const) {
      expect(
        (await dbError(asApp(target, { orgId: a.orgId, userId: a.people[role].id }, insert(training.id, a.people[role].id)))).code,
      ).toBe("42501");
    }
    expect(
      (await dbError(asApp(target, owner, insert(training.id, a.people.member.id, ", assigned_by", `, '${a.people.viewer.id}'`)))).code,
    ).toBe("42501");
    expect((await dbError(asApp(target, owner, insert(training.id, a.people.member.id, ", completed_at", ", now()")))).code).toBe("42501");
    expect(await assignmentRows(training.id)).toBe(0);
    const [row] = await asApp(target, owner, insert(training.id, a.people.member.id));
    expect(row).toMatchObject({ assigned_by: a.people.owner.id, completed_at: null, completed_by: null });
  });

  it("P11 (refuses): the assignee alone may record their completion once and change nothing else; nobody else may", async () => {
    const target = workerDb();
    const training = await trainingIn(a.orgId, a.people.owner);
    await assignVia(a.orgId, training.id, a.people.owner.token, { user_id: a.people.viewer.id });
    await assignVia(a.orgId, training.id, a.people.owner.token, { user_id: a.people.auditor.id });
    const viewer = { orgId: a.orgId, userId: a.people.viewer.id };
    const where = (userId: string) => `where training_id = '${training.id}' and user_id = '${userId}'`;

    // Someone else's (the auditor's): the row policy skips it, nothing changes.
    expect(
      await asApp(target, viewer, `update training_assignments set completed_at = now() ${where(a.people.auditor.id)} returning id`),
    ).toEqual([]);
    expect((await assignmentRow(training.id, a.people.auditor.id))?.completed_at).toBeNull();
    // Their own due date, their own assignment's person or training: refused.
    expect(
      (await dbError(asApp(target, viewer, `update training_assignments set due_date = '2099-01-01' ${where(a.people.viewer.id)}`))).code,
    ).toBe("42501");
    expect(
      (
        await dbError(
          asApp(target, viewer, `update training_assignments set user_id = '${a.people.member.id}' ${where(a.people.viewer.id)}`),
        )
      ).code,
    ).toBe("42501");
    // A completion in the future: refused (a CHECK-like refusal, 23514).
    expect(
      (
        await dbError(
          asApp(target, viewer, `update training_assignments set completed_at = now() + interval '1 hour' ${where(a.people.viewer.id)}`),
        )
      ).code,
    ).toBe("23514");
    // Their own completion, once: who recorded it comes from the database.
    const [done] = await asApp(
      target,
      viewer,
      `update training_assignments set completed_at = now(), score = 90 ${where(a.people.viewer.id)} returning *`,
    );
    expect(done).toMatchObject({ completed_by: a.people.viewer.id, score: 90 });
    for (const change of ["completed_at = null, score = null", "score = 100", "notes = 'rewritten'"]) {
      expect(
        (await dbError(asApp(target, viewer, `update training_assignments set ${change} ${where(a.people.viewer.id)}`))).code,
        change,
      ).toBe("42501");
    }
    // Removing one is for writers.
    expect(await asApp(target, viewer, `delete from training_assignments ${where(a.people.viewer.id)} returning id`)).toEqual([]);
    expect((await assignmentRow(training.id, a.people.viewer.id))?.score).toBe(90);
    // A writer may correct it; it then says who did.
    const [corrected] = await asApp(
      target,
      { orgId: a.orgId, userId: a.people.admin.id },
      `update training_assignments set score = 95 ${where(a.people.viewer.id)} returning *`,
    );
    expect(corrected).toMatchObject({ score: 95, completed_by: a.people.admin.id });
  });
});

describe("P11 duties: the catalog", () => {
  it("P11: both tables force row-level security, carry their stamp and audit triggers, and grant the app only what it needs", async () => {
    const target = workerDb();
    const rows = await asOwner(
      target,
      `select c.relname as t, c.relrowsecurity and c.relforcerowsecurity as forced,
         array(select tgname::text from pg_trigger where tgrelid = c.oid and not tgisinternal order by 1) as triggers,
         array(select policyname::text from pg_policies where tablename = c.relname and schemaname = 'public' order by 1) as policies
       from pg_class c where c.relname in ('policy_acknowledgements', 'training_assignments') and c.relnamespace = 'public'::regnamespace order by 1`,
    );
    expect(rows).toEqual([
      {
        t: "policy_acknowledgements",
        forced: true,
        triggers: ["audit_duty", "stamp_acknowledgement"],
        policies: ["definer_read", "own_insert", "tenant_read"],
      },
      {
        t: "training_assignments",
        forced: true,
        triggers: ["audit_duty", "stamp_assignment"],
        policies: ["assignee_or_writer_update", "definer_read", "tenant_delete", "tenant_insert", "tenant_read"],
      },
    ]);
    const [grants] = await asOwner(
      target,
      `select
         has_table_privilege('rampart_app', 'policy_acknowledgements', 'UPDATE') as ack_update,
         has_table_privilege('rampart_app', 'policy_acknowledgements', 'DELETE') as ack_delete,
         has_column_privilege('rampart_app', 'policy_acknowledgements', 'user_id', 'INSERT') as ack_user,
         has_column_privilege('rampart_app', 'policy_acknowledgements', 'policy_id', 'INSERT') as ack_policy,
         has_column_privilege('rampart_app', 'training_assignments', 'assigned_by', 'INSERT') as assigned_by,
         has_column_privilege('rampart_app', 'training_assignments', 'completed_by', 'UPDATE') as completed_by,
         has_column_privilege('rampart_app', 'training_assignments', 'user_id', 'UPDATE') as assignee,
         has_column_privilege('rampart_app', 'training_assignments', 'completed_at', 'UPDATE') as completion`,
    );
    expect(grants).toEqual({
      ack_update: false,
      ack_delete: false,
      ack_user: false,
      ack_policy: true,
      assigned_by: false,
      completed_by: false,
      assignee: false,
      completion: true,
    });
  });
});
