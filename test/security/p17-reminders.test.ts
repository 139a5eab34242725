/**
 * P17 (a scheduled job reminds before and flags after each deadline) through the worker's
 * real `scheduled` and `queue` handlers, the database and the Resend capture server.
 *
 * Covered: the five-minute tick fans out one message per organization with a reminder due
 * (`{type, org_id, at}`), none for an organization with nothing due; delivering it sends
 * one email to the incident's owner and to each verified owner and admin (not a viewer,
 * not an unverified admin) naming the deadline, its due time and a link; a redelivery, two
 * concurrent deliveries and a stale message send nothing more; the 1 h lead sends its own
 * reminder, overdue one more, each once; an incident first seen past its deadline gets only
 * the overdue one; a met deadline, a closed incident and a non-significant one get none;
 * a message for one organization never claims or sends another's (P12); a failed send
 * retries the message with its claims released, and the next delivery sends each once;
 * the per-message bound leaves the rest for the next tick; the functions refuse a request
 * context and the app role cannot read the claims; the lead-time configuration.
 */
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/env";
import { DEADLINE_REMINDERS_CRON } from "../../src/modules/reminders";
import type { JobMessage } from "../../src/queue";
import { emailsTo, workerDb, type CapturedEmail } from "../helpers/identity";
import { ownerCount, ownerQuery } from "../helpers/identity-ip";
import { deliver, runSchedule } from "../helpers/jobs";
import { invitee, type Invitee } from "../helpers/members";
import { addMember, api, orgOf } from "../helpers/orgs";
import { createRecord, recordsPath, type RecordBody } from "../helpers/records";
import { asApp, dbError } from "../helpers/tenants";
import { envWith, testEnv } from "../helpers/worker";

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

interface Team {
  orgId: string;
  owner: Invitee;
  admin: Invitee;
  /** A member: the incident's owner. */
  member: Invitee;
  viewer: Invitee;
  unverifiedAdmin: Invitee;
}

/** An organization with an owner, an admin, a member, a viewer and an admin whose address is unverified. */
async function team(): Promise<Team> {
  const [owner, admin, member, viewer, unverifiedAdmin] = await Promise.all([
    invitee("owner"),
    invitee("admin"),
    invitee("member"),
    invitee("viewer"),
    invitee("unverified", { verified: false }),
  ]);
  const orgId = await orgOf(owner);
  await Promise.all([
    addMember(orgId, admin, "admin"),
    addMember(orgId, member, "member"),
    addMember(orgId, viewer, "viewer"),
    addMember(orgId, unverifiedAdmin, "admin"),
  ]);
  return { orgId, owner, admin, member, viewer, unverifiedAdmin };
}

/** The people who must hear of the team's incidents (owned by its member). */
const recipientsOf = (t: Team): Invitee[] => [t.owner, t.admin, t.member];

/** A significant incident (not a breach) the team became aware of `awareAgoMs` ago, owned by the member. */
function incidentOf(t: Team, awareAgoMs: number, overrides: Record<string, unknown> = {}): Promise<RecordBody> {
  const aware = Date.now() - awareAgoMs;
  return createRecord(t.orgId, "incidents", t.owner.token, {
    significant: true,
    personal_data_breach: false,
    detected_at: iso(aware - HOUR),
    aware_at: iso(aware),
    owner_id: t.member.id,
    ...overrides,
  });
}

/** The reminder emails about `incident` that `who` has received. */
async function remindersTo(who: Invitee, incident: RecordBody): Promise<CapturedEmail[]> {
  return (await emailsTo(who.email)).filter((m) => m.subject.includes(String(incident.title)));
}

/** How many reminders of `who` about `incident` there are, by subject start. */
async function reminderSubjects(who: Invitee, incident: RecordBody): Promise<string[]> {
  return (await remindersTo(who, incident)).map((m) => m.subject.replace(/: .*$/, "")).sort();
}

const claimRows = (column: "org_id" | "incident_id", id: string): Promise<number> =>
  ownerCount(`select count(*)::int as n from deadline_reminders where ${column} = $1`, [id]);

/** The message the tick at `at` sends for `orgId` (undefined: none). */
async function tickFor(orgId: string, at: Date): Promise<JobMessage | undefined> {
  const messages = await runSchedule(DEADLINE_REMINDERS_CRON, at);
  return messages.find((m) => m.org_id === orgId);
}

const messageFor = (orgId: string, at: Date) => ({ type: "deadline_reminders", org_id: orgId, at: at.toISOString() });

/** Delivers and expects the message acked (no retry). */
async function deliverOk(message: unknown, env = testEnv): Promise<void> {
  const result = await deliver([message], { env });
  expect(result.retryMessages).toEqual([]);
  expect(result.explicitAcks).toHaveLength(1);
}

describe("P17 deadline reminders", () => {
  it("P17: a deadline 5 h away: the tick sends the organization's message, and its delivery emails the incident's owner and each verified owner and admin once, naming the deadline, its due time and a link", async () => {
    const t = await team();
    const quiet = await team();
    const incident = await incidentOf(t, 19 * HOUR); // early warning due in 5 h
    await incidentOf(quiet, HOUR); // early warning due in 23 h: beyond every lead time
    const at = new Date();

    const messages = await runSchedule(DEADLINE_REMINDERS_CRON, at);
    const mine = messages.filter((m) => m.org_id === t.orgId);
    expect(mine).toEqual([{ type: "deadline_reminders", org_id: t.orgId, at: at.toISOString() }]);
    expect(messages.some((m) => m.org_id === quiet.orgId)).toBe(false);
    for (const m of messages) {
      expect(m.type).toBe("deadline_reminders");
      expect(m.org_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }

    await deliverOk(mine[0]);
    for (const who of recipientsOf(t)) {
      const [email, ...more] = await remindersTo(who, incident);
      expect(more).toEqual([]);
      expect(email?.subject).toBe(`Due in 6 h: NIS2 early warning (24 h) for "${String(incident.title)}"`);
      const dueAt = new Date(Date.parse(String(incident.aware_at)) + 24 * HOUR).toISOString();
      expect(email?.text).toContain(`is due at ${dueAt.slice(0, 10)} ${dueAt.slice(11, 16)} UTC`);
      expect(email?.text).toContain(`/orgs/${t.orgId}/incidents/${incident.id}`);
      expect(email?.html).toContain(`/orgs/${t.orgId}/incidents/${incident.id}`);
    }
    expect(await remindersTo(t.viewer, incident)).toEqual([]);
    expect(await remindersTo(t.unverifiedAdmin, incident)).toEqual([]);
    expect(await claimRows("incident_id", incident.id)).toBe(3);
    // Sent: the next tick has nothing for the organization.
    expect(await tickFor(t.orgId, at)).toBeUndefined();
  });

  it("P17 (refuses): a reminder is not sent twice: two deliveries at once, a redelivery and the next tick send no second email", async () => {
    const t = await team();
    const incident = await incidentOf(t, 19 * HOUR);
    const at = new Date();
    const message = await tickFor(t.orgId, at);
    expect(message).toBeDefined();

    const results = await Promise.all([deliver([message]), deliver([message])]);
    for (const result of results) expect(result.retryMessages).toEqual([]);
    await deliverOk(message);
    await deliverOk(message);
    for (const who of recipientsOf(t)) expect(await reminderSubjects(who, incident)).toEqual(["Due in 6 h"]);
    expect(await claimRows("incident_id", incident.id)).toBe(3);
    expect(await tickFor(t.orgId, new Date(at.getTime() + 5 * 60_000))).toBeUndefined();
  });

  it("P17: the 1 h lead sends its own reminder, overdue one more, each once; a stale message sends nothing after them", async () => {
    const t = await team();
    const incident = await incidentOf(t, 19 * HOUR); // due in 5 h
    const now = Date.now();

    await deliverOk(messageFor(t.orgId, new Date(now)));
    // 4 h 30 later: within 1 h of the due time.
    const later = new Date(now + 4.5 * HOUR);
    const oneHour = await tickFor(t.orgId, later);
    expect(oneHour).toEqual(messageFor(t.orgId, later));
    await deliverOk(oneHour);
    await deliverOk(oneHour);
    for (const who of recipientsOf(t)) expect(await reminderSubjects(who, incident)).toEqual(["Due in 1 h", "Due in 6 h"]);

    // 10 minutes past the due time: flagged once.
    const past = new Date(now + 5 * HOUR + 10 * 60_000);
    const overdue = await tickFor(t.orgId, past);
    expect(overdue).toBeDefined();
    await deliverOk(overdue);
    await deliverOk(overdue);
    // A message from before (a late retry) finds a more urgent reminder sent: nothing.
    await deliverOk(messageFor(t.orgId, new Date(now)));
    await deliverOk(messageFor(t.orgId, later));
    for (const who of recipientsOf(t)) expect(await reminderSubjects(who, incident)).toEqual(["Due in 1 h", "Due in 6 h", "Overdue"]);
    const [flag] = (await remindersTo(t.owner, incident)).filter((m) => m.subject.startsWith("Overdue"));
    expect(flag?.text).toContain("has not been recorded as submitted");
    expect(await tickFor(t.orgId, new Date(past.getTime() + HOUR))).toBeUndefined();
  });

  it("P17: an incident first seen past its deadline gets the overdue reminder only, not the lead ones", async () => {
    const t = await team();
    const incident = await incidentOf(t, 25 * HOUR); // early warning overdue by 1 h
    const message = await tickFor(t.orgId, new Date());
    await deliverOk(message);
    for (const who of recipientsOf(t)) expect(await reminderSubjects(who, incident)).toEqual(["Overdue"]);
  });

  it("P17 (refuses): a met deadline, a closed incident and an incident neither significant nor a breach get no reminder", async () => {
    const t = await team();
    const met = await incidentOf(t, 19 * HOUR);
    const submitted = await api("POST", `${recordsPath(t.orgId, "incidents", met.id)}/notifications`, t.owner.token, {
      kind: "early_warning",
    });
    expect(submitted.status).toBe(201);
    const closed = await incidentOf(t, 25 * HOUR, { status: "closed" });
    expect(closed.status).toBe("closed");
    const minor = await incidentOf(t, 25 * HOUR, { significant: false });

    const at = new Date();
    expect(await tickFor(t.orgId, at)).toBeUndefined();
    // Even a message for the organization finds nothing to send.
    await deliverOk(messageFor(t.orgId, at));
    await deliverOk(messageFor(t.orgId, new Date(at.getTime() + 5 * HOUR)));
    for (const incident of [met, closed, minor]) {
      for (const who of recipientsOf(t)) expect(await remindersTo(who, incident)).toEqual([]);
    }
    expect(await claimRows("org_id", t.orgId)).toBe(0);
  });

  it("P17 (refuses): a message for one organization never claims or sends another's reminders (P12)", async () => {
    const a = await team();
    const b = await team();
    const incidentA = await incidentOf(a, 19 * HOUR);
    const incidentB = await incidentOf(b, 19 * HOUR);
    const at = new Date();
    const messages = await runSchedule(DEADLINE_REMINDERS_CRON, at);
    const forA = messages.filter((m) => m.org_id === a.orgId);
    const forB = messages.filter((m) => m.org_id === b.orgId);
    expect(forA).toHaveLength(1);
    expect(forB).toHaveLength(1);

    await deliverOk(forA[0]);
    for (const who of recipientsOf(a)) expect(await remindersTo(who, incidentA)).toHaveLength(1);
    for (const who of recipientsOf(b)) expect(await remindersTo(who, incidentB)).toEqual([]);
    expect(await claimRows("org_id", b.orgId)).toBe(0);

    await deliverOk(forB[0]);
    for (const who of recipientsOf(b)) expect(await remindersTo(who, incidentB)).toHaveLength(1);
    for (const who of recipientsOf(a)) expect(await remindersTo(who, incidentA)).toHaveLength(1);
  });

  it("P17: a failed send retries the message with its claims released; the next delivery sends each reminder once", async () => {
    const t = await team();
    const incident = await incidentOf(t, 19 * HOUR);
    const message = messageFor(t.orgId, new Date());
    const broken = envWith({ RESEND_BASE_URL: "http://127.0.0.1:9" }); // nothing listens on port 9

    const failed = await deliver([message], { env: broken });
    expect(failed.retryMessages).toHaveLength(1);
    expect(failed.explicitAcks).toEqual([]);
    expect(await claimRows("incident_id", incident.id)).toBe(0);
    for (const who of recipientsOf(t)) expect(await remindersTo(who, incident)).toEqual([]);
    // Still due: the next tick sends the message again.
    expect(await tickFor(t.orgId, new Date())).toBeDefined();

    await deliverOk(message);
    await deliverOk(message);
    for (const who of recipientsOf(t)) expect(await reminderSubjects(who, incident)).toEqual(["Due in 6 h"]);
    expect(await claimRows("incident_id", incident.id)).toBe(3);
  });

  it("P17: a message sends at most NIS2_REMINDERS_PER_MESSAGE emails; the rest stay due for the next tick", async () => {
    const t = await team();
    const incident = await incidentOf(t, 19 * HOUR);
    const bounded = envWith({ NIS2_REMINDERS_PER_MESSAGE: "2" });
    const at = new Date();

    await deliverOk(messageFor(t.orgId, at), bounded);
    expect(await claimRows("incident_id", incident.id)).toBe(2);
    const next = await tickFor(t.orgId, new Date(at.getTime() + 5 * 60_000));
    expect(next).toBeDefined();
    await deliverOk(next, bounded);
    expect(await claimRows("incident_id", incident.id)).toBe(3);
    for (const who of recipientsOf(t)) expect(await reminderSubjects(who, incident)).toEqual(["Due in 6 h"]);
  });

  it("P17 (refuses): the reminder functions refuse a request context, and the app role cannot read or write the claims", async () => {
    const t = await team();
    await incidentOf(t, 19 * HOUR);
    const target = workerDb();
    const context = { orgId: t.orgId, userId: t.owner.id };
    const claim = `select * from app.claim_deadline_reminders('${t.orgId}', now(), '{6,1}', 10)`;
    expect((await dbError(asApp(target, context, claim))).code).toBe("42501");
    expect((await dbError(asApp(target, context, "select * from app.orgs_with_due_reminders(now(), '{6,1}')"))).code).toBe("42501");
    expect((await dbError(asApp(target, context, `select app.release_deadline_reminders('${t.orgId}', '[]')`))).code).toBe("42501");
    expect((await dbError(asApp(target, context, "select count(*) from deadline_reminders"))).code).toBe("42501");
    expect((await dbError(asApp(target, null, "select count(*) from deadline_reminders"))).code).toBe("42501");
    expect(
      (
        await dbError(
          asApp(
            target,
            null,
            `insert into deadline_reminders (org_id, incident_id, kind, due_at, lead, user_id) values ('${t.orgId}', gen_random_uuid(), 'final', now(), '1h', '${t.owner.id}')`,
          ),
        )
      ).code,
    ).toBe("42501");
    expect(await claimRows("org_id", t.orgId)).toBe(0);
  });

  it("P17 (refuses): lead times are whole hours 1-168, up to 5, kept longest first; anything else refuses the configuration", () => {
    const parsed = (value: string | undefined) => parseConfig(envWith({ NIS2_REMINDER_LEAD_HOURS: value }));
    const ok = parsed(undefined);
    expect(ok.ok && ok.value.reminders).toEqual({ leadHours: [6, 1], perMessage: 50 });
    const custom = parsed("1, 24,6");
    expect(custom.ok && custom.value.reminders.leadHours).toEqual([24, 6, 1]);
    for (const bad of ["0", "6,6", "1.5", "169", "1,2,3,4,5,6", "six", "-1"]) {
      const result = parsed(bad);
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error.map((e) => e.binding)).toContain("NIS2_REMINDER_LEAD_HOURS");
    }
    expect(parseConfig(envWith({ NIS2_REMINDERS_PER_MESSAGE: "0" })).ok).toBe(false);
    expect(parseConfig(envWith({ NIS2_REMINDERS_PER_MESSAGE: "101" })).ok).toBe(false);
  });

  it("P17: the owner sees each reminder sent as a stored fact: the deadline, its due time, the stage and the person", async () => {
    const t = await team();
    const incident = await incidentOf(t, 25 * HOUR);
    await deliverOk(messageFor(t.orgId, new Date()));
    const rows = await ownerQuery(
      "select kind, to_char(due_at at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') as due_at, lead, user_id from deadline_reminders where incident_id = $1 order by user_id",
      [incident.id],
    );
    const dueAt = new Date(Date.parse(String(incident.aware_at)) + 24 * HOUR).toISOString();
    expect(rows).toEqual(
      recipientsOf(t)
        .map((p) => p.id)
        .sort()
        .map((id) => ({ kind: "early_warning", due_at: dueAt, lead: "overdue", user_id: id })),
    );
  });
});
