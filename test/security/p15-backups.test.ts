/**
 * P15: daily per-organization encrypted exports, their restore check, retention and the
 * restore drill, through the worker's real `scheduled` and `queue` handlers (and once
 * through the real miniflare queue), on the embedded PGlite or the real Postgres.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RECORD_RESOURCES, type RecordName } from "../../src/modules/records";
import type { JobMessage } from "../../src/queue";
import {
  backupRows,
  backupsBucket,
  daysAgo,
  linesOf,
  objectBytes,
  runBackup,
  runCheck,
  today,
  type StoredBackup,
} from "../helpers/backups";
import { workerDb } from "../helpers/identity";
import { ownerQuery } from "../helpers/identity-ip";
import { deliver, runSchedule } from "../helpers/jobs";
import { orgEventDetails } from "../helpers/members";
import { addMember, api, orgOf, person, type Person } from "../helpers/orgs";
import { createRecord } from "../helpers/records";
import { asOwner } from "../helpers/tenants";

const CRON = "17 2 * * *";

interface Seeded {
  readonly owner: Person;
  readonly member: Person;
  readonly orgId: string;
  readonly ids: Record<RecordName, string>;
}

/** An organization with a record of every kind, links, an incident report, a completed assignment and an acknowledgement. */
async function seeded(): Promise<Seeded> {
  const [owner, member] = await Promise.all([person("owner"), person("member")]);
  const orgId = await orgOf(owner);
  await addMember(orgId, member, "member");
  const ids = {} as Record<RecordName, string>;
  for (const resource of RECORD_RESOURCES) {
    const overrides: Record<string, unknown> = resource.name === "policies" ? { status: "approved" } : {};
    ids[resource.name] = (await createRecord(orgId, resource.name, owner.token, { ...overrides, owner_id: member.id })).id;
  }
  const q = (v: string): string => `'${v}'`;
  await asOwner(
    workerDb(),
    `select set_config('app.org_id', ${q(orgId)}, true), set_config('app.user_id', ${q(owner.id)}, true)`,
    `insert into control_risks (org_id, control_id, risk_id) values (${q(orgId)}, ${q(ids.controls)}, ${q(ids.risks)})`,
    `insert into control_evidence (org_id, control_id, evidence_id) values (${q(orgId)}, ${q(ids.controls)}, ${q(ids.evidence)})`,
    `insert into assessment_results (org_id, assessment_id, control_id, result, notes) values (${q(orgId)}, ${q(ids.assessments)}, ${q(ids.controls)}, 'partial', 'MFA missing on VPN')`,
    `insert into incident_notifications (org_id, incident_id, kind, submitted_at, reference) values (${q(orgId)}, ${q(ids.incidents)}, 'early_warning', now() - interval '1 hour', 'CSIRT-42')`,
    `insert into training_assignments (org_id, training_id, user_id, due_date) values (${q(orgId)}, ${q(ids.trainings)}, ${q(member.id)}, '2030-01-31')`,
    `update training_assignments set completed_at = now() - interval '1 day', score = 87, notes = 'passed' where training_id = ${q(ids.trainings)}`,
    `insert into policy_acknowledgements (org_id, policy_id) values (${q(orgId)}, ${q(ids.policies)})`,
  );
  return { owner, member, orgId, ids };
}

/** A row's fields that are data: not ids, organization, stamps, versions or times set by the database. */
function dataOf(row: Record<string, unknown>): Record<string, unknown> {
  const skip = new Set(["id", "org_id", "version", "created_at", "created_by", "updated_at", "updated_by"]);
  return Object.fromEntries(Object.entries(row).filter(([k]) => !skip.has(k)));
}

describe("P15 backups: the daily export", () => {
  it("P15, P12: the 02:17 UTC schedule fans out one `backup` message per organization, each naming its organization and the day", async () => {
    const owner = await person("fanout");
    const orgId = await orgOf(owner);
    const at = new Date("2031-03-04T02:17:00Z");
    const messages = await runSchedule(CRON, at);
    const mine = messages.filter((m) => m.org_id === orgId);
    expect(mine).toEqual([{ type: "backup", org_id: orgId, date: "2031-03-04" }]);
    // Every message carries an organization; no organization twice.
    const backups = messages.filter((m): m is JobMessage & { date: string } => m.type === "backup");
    expect(backups.every((m) => /^[0-9a-f-]{36}$/.test(m.org_id) && m.date === "2031-03-04")).toBe(true);
    expect(new Set(backups.map((m) => m.org_id)).size).toBe(backups.length);
  });

  it("P15, P12: a `backup` message writes orgs/<org>/backups/<date>.ndjson.gz.enc, sealed (no plaintext), records it and its restore check passes", async () => {
    const { orgId, owner } = await seeded();
    const row = await runBackup(orgId);
    expect(row.object_key).toBe(`orgs/${orgId}/backups/${today()}.ndjson.gz.enc`);
    expect(row.check_state).toBe("passed");
    const bytes = await objectBytes(row.object_key);
    expect(bytes?.byteLength).toBe(row.size);
    // Sealed: no record text, no email address in the stored bytes.
    const raw = new TextDecoder("latin1").decode(bytes ?? new Uint8Array());
    expect(raw.startsWith("RBK1")).toBe(true);
    expect(raw).not.toContain("MFA missing on VPN");
    expect(raw).not.toContain("@example.org");
    const lines = await linesOf(row);
    expect(lines[0]?.s).toBe("header");
    expect(lines.at(-1)?.s).toBe("trailer");
    const sections = new Set(lines.map((l) => l.s));
    for (const resource of RECORD_RESOURCES) expect(sections).toContain(resource.name);
    expect(lines.find((l) => l.s === "memberships" && l.r.user_id === owner.id)?.r.role).toBe("owner");
    const audit = lines.filter((l) => l.s === "audit_entries");
    expect(audit.length).toBe(row.audit_head_seq);
    expect(audit.at(-1)?.r.hash).toBe(row.audit_head_hash);
  });

  it("P15: the export holds no secrets: no password hash, TOTP secret, API key digest, sealed token or invitation token", async () => {
    const { orgId, owner } = await seeded();
    await ownerQuery("update users set password_hash = $2, totp_secret = $3 where id = $1", [
      owner.id,
      "$bcrypt-sha256$v=2,t=2b,r=10$secret-hash-marker",
      "v1.totp-secret-marker",
    ]);
    await ownerQuery(
      "insert into api_keys (org_id, name, prefix, key_digest, scopes) values ($1, 'ci', 'rk_live_ab12', $2, '{records:read}')",
      [orgId, `key-digest-marker-${crypto.randomUUID()}`],
    );
    await asOwner(
      workerDb(),
      { text: "select set_config('app.org_id', $1, true), set_config('app.user_id', $2, true)", params: [orgId, owner.id] },
      {
        text: "insert into bank_connections (org_id, issuer, access_token_sealed, refresh_token_sealed) values ($1, 'https://bank.example', $2, $3)",
        params: [
          orgId,
          `e1.v1.${"A".repeat(80)}.${"B".repeat(16)}.SealedAccessMarker_0123456789`,
          `e1.v1.${"C".repeat(80)}.${"D".repeat(16)}.SealedRefreshMarker_0123456789`,
        ],
      },
    );
    const row = await runBackup(orgId);
    const text = JSON.stringify(await linesOf(row));
    for (const marker of ["secret-hash-marker", "totp-secret-marker", "key-digest-marker", "SealedAccessMarker", "SealedRefreshMarker"])
      expect(text).not.toContain(marker);
    // Their metadata is there.
    expect(text).toContain("rk_live_ab12");
    expect(text).toContain("https://bank.example");
  });

  it("P15 (refuses): a redelivered message changes nothing: the same object, one row, the same check", async () => {
    const { orgId } = await seeded();
    const first = await runBackup(orgId);
    const etag = (await backupsBucket().head(first.object_key))?.etag;
    await ownerQuery("insert into risks (org_id, title) select $1, 'added after the export'", [orgId]).catch(() => undefined);
    const again = await runBackup(orgId);
    expect(again).toEqual(first);
    expect((await backupsBucket().head(first.object_key))?.etag).toBe(etag);
    expect(await backupRows(orgId)).toHaveLength(1);
  });

  it("P15: retention: objects and rows dated more than 30 days before the run go; 30 days and newer stay", async () => {
    const { orgId } = await seeded();
    const old = await runBackup(orgId, daysAgo(31));
    const kept = await runBackup(orgId, daysAgo(30));
    // Relative to each run's own date: the run of 30 days ago keeps the day before it.
    expect(await objectBytes(old.object_key)).not.toBeNull();
    await runBackup(orgId);
    expect(await objectBytes(old.object_key)).toBeNull();
    expect(await objectBytes(kept.object_key)).not.toBeNull();
    expect((await backupRows(orgId)).map((r) => r.date)).toEqual([today(), daysAgo(30)]);
    expect((await backupsBucket().list({ prefix: `orgs/${orgId}/backups/` })).objects.map((o) => o.key).sort()).toEqual(
      [kept.object_key, `orgs/${orgId}/backups/${today()}.ndjson.gz.enc`].sort(),
    );
  });

  it("P15: GET …/backups lists size, checksum and restore-check state; POST …/check queues a `backup_check` that records a new check", async () => {
    const { orgId, owner } = await seeded();
    const row = await runBackup(orgId);
    const listed = await api("GET", `/v1/orgs/${orgId}/backups`, owner.token);
    expect(listed.status).toBe(200);
    const body = await listed.json<{ items: { id: string; size: number; sha256: string; check: { state: string } }[] }>();
    expect(body.items.map((i) => [i.id, i.size, i.sha256, i.check.state])).toEqual([[row.id, row.size, row.sha256, "passed"]]);
    const queued = await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/check`, owner.token);
    expect(queued.status).toBe(202);
    const before = (await ownerQuery("select checked_at from backups where id = $1", [row.id]))[0]?.checked_at;
    expect((await runCheck(row)).check_state).toBe("passed");
    const after = (await ownerQuery("select checked_at from backups where id = $1", [row.id]))[0]?.checked_at;
    expect(String(after)).not.toBe(String(before));
  });

  it("P15: through the real queue: a `backup` message sent on env.JOBS is consumed by the worker and its export recorded", async () => {
    const owner = await person("queue");
    const orgId = await orgOf(owner);
    await createRecord(orgId, "risks", owner.token);
    const date = "2031-05-06";
    await (env as unknown as { JOBS: Queue<JobMessage> }).JOBS.send({ type: "backup", org_id: orgId, date } as JobMessage);
    let rows: StoredBackup[] = [];
    for (let i = 0; i < 100 && rows[0]?.check_state !== "passed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rows = await backupRows(orgId);
    }
    expect(rows).toEqual([
      expect.objectContaining({ date, check_state: "passed", object_key: `orgs/${orgId}/backups/${date}.ndjson.gz.enc` }),
    ]);
  });
});

describe("P15 backups: the restore drill", () => {
  it("P15: an owner restores a backup into a new organization; every record, link, report and duty round-trips with new ids", async () => {
    const { orgId, owner, member, ids } = await seeded();
    const row = await runBackup(orgId);
    const response = await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/restore`, owner.token);
    expect(response.status).toBe(201);
    const result = await response.json<{ org: { id: string; name: string }; restored: Record<string, number> }>();
    const copy = result.org.id;
    expect(copy).not.toBe(orgId);
    expect(result.org.name).toMatch(new RegExp(`\\(restore drill ${today()}\\)$`));
    expect(result.restored).toMatchObject({ risks: 1, controls: 1, control_risks: 1, assessment_results: 1, training_assignments: 1 });
    // The caller owns it; the source's current members are in it with their roles.
    const roles = await ownerQuery("select user_id, role from memberships where org_id = $1 order by role", [copy]);
    expect(roles).toEqual(
      expect.arrayContaining([
        { user_id: owner.id, role: "owner" },
        { user_id: member.id, role: "member" },
      ]),
    );
    // Record by record: every data field equal, ids new.
    for (const resource of RECORD_RESOURCES) {
      const [source] = await ownerQuery(`select * from ${resource.name} where id = $1`, [ids[resource.name]]);
      const restored = await ownerQuery(`select * from ${resource.name} where org_id = $1`, [copy]);
      expect(restored).toHaveLength(1);
      expect(restored[0]?.id).not.toBe(source?.id);
      expect(dataOf(restored[0] ?? {})).toEqual(dataOf(source ?? {}));
    }
    // Links point at the new rows, with the same data.
    const label = (table: string, column: string) =>
      `(select ${table === "vendors" ? "name" : "title"} from ${table} r where r.id = x.${column})`;
    const linked = (org: string) =>
      ownerQuery(
        `select ${label("controls", "control_id")} as control, ${label("risks", "risk_id")} as risk from control_risks x where org_id = $1`,
        [org],
      );
    expect(await linked(copy)).toEqual(await linked(orgId));
    const results = (org: string) =>
      ownerQuery(
        `select ${label("assessments", "assessment_id")} as a, ${label("controls", "control_id")} as c, result, notes from assessment_results x where org_id = $1`,
        [org],
      );
    expect(await results(copy)).toEqual(await results(orgId));
    const evidenceLinks = (org: string) =>
      ownerQuery(`select ${label("evidence", "evidence_id")} as e from control_evidence x where org_id = $1`, [org]);
    expect(await evidenceLinks(copy)).toEqual(await evidenceLinks(orgId));
    const reports = (org: string) =>
      ownerQuery(`select kind, submitted_at, reference, notes from incident_notifications where org_id = $1`, [org]);
    expect(await reports(copy)).toEqual(await reports(orgId));
    const assignments = (org: string) =>
      ownerQuery(`select user_id, due_date, completed_at, score, notes from training_assignments where org_id = $1`, [org]);
    expect(await assignments(copy)).toEqual(await assignments(orgId));
    const acks = (org: string) => ownerQuery(`select user_id, document_version from policy_acknowledgements where org_id = $1`, [org]);
    expect(await acks(copy)).toEqual(await acks(orgId));
    // The new organization's audit log starts with the restore; the source is unchanged and both hold the event.
    expect(Number((await ownerQuery("select count(*) as n from audit.entries where org_id = $1", [copy]))[0]?.n)).toBeGreaterThan(8);
    expect(await orgEventDetails(orgId, "backup_restored")).toEqual([
      expect.objectContaining({ backup_id: row.id, restored_org_id: copy }),
    ]);
    expect(await orgEventDetails(copy, "backup_restored")).toHaveLength(1);
  });

  it("P15 (refuses): a backup whose check failed is not restored: 409 backup_not_verified, no organization created", async () => {
    const { orgId, owner } = await seeded();
    const row = await runBackup(orgId);
    await ownerQuery("update backups set check_state = 'failed', check_reason = 'checksum_mismatch', checked_at = now() where id = $1", [
      row.id,
    ]);
    const before = Number((await ownerQuery("select count(*) as n from memberships where user_id = $1", [owner.id]))[0]?.n);
    const response = await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/restore`, owner.token);
    expect(response.status).toBe(409);
    expect((await response.json<{ code: string }>()).code).toBe("backup_not_verified");
    expect(Number((await ownerQuery("select count(*) as n from memberships where user_id = $1", [owner.id]))[0]?.n)).toBe(before);
  });

  it("P15 (refuses): an object altered after its check passed fails while restored: 409 backup_invalid, recorded failed, nothing created", async () => {
    const { orgId, owner } = await seeded();
    const row = await runBackup(orgId);
    const bytes = (await objectBytes(row.object_key)) ?? new Uint8Array();
    bytes[bytes.byteLength - 5] = (bytes[bytes.byteLength - 5] ?? 0) ^ 0xff;
    await backupsBucket().put(row.object_key, bytes);
    const before = Number((await ownerQuery("select count(*) as n from memberships where user_id = $1", [owner.id]))[0]?.n);
    const response = await api("POST", `/v1/orgs/${orgId}/backups/${row.id}/restore`, owner.token);
    expect(response.status).toBe(409);
    expect((await response.json<{ code: string }>()).code).toBe("backup_invalid");
    expect((await backupRows(orgId))[0]).toMatchObject({ check_state: "failed", check_reason: "checksum_mismatch" });
    expect(Number((await ownerQuery("select count(*) as n from memberships where user_id = $1", [owner.id]))[0]?.n)).toBe(before);
  });

  it("P15 (refuses): a message for an organization deleted since the fan-out acks and writes nothing", async () => {
    const orgId = crypto.randomUUID();
    const result = await deliver([{ type: "backup", org_id: orgId, date: today() }]);
    expect(result.explicitAcks).toHaveLength(1);
    expect((await backupsBucket().list({ prefix: `orgs/${orgId}/` })).objects).toEqual([]);
  });
});
