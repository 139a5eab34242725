/**
 * The SQL of policy acknowledgements. The person, the versions and the time are stamped
 * by the database (drizzle/0018_duties_security.sql: `app.stamp_policy_acknowledgement`),
 * which also refuses a draft or retired policy, an API key and anyone but the person
 * themself; every value here is a bound parameter, and each statement names the
 * request's organization on top of the row policies that restrict it anyway.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db";
import { DUTY_LIST_CAP } from "./duties.schemas";

/** An acknowledgement as the database answers it (instants as Postgres prints them). */
export interface AcknowledgementRow {
  readonly id: string;
  readonly policy_id: string;
  readonly user_id: string;
  readonly name: string | null;
  readonly document_version: string;
  readonly policy_version: number;
  readonly acknowledged_at: string | Date;
  readonly current: boolean;
  readonly [column: string]: unknown;
}

/** The columns of an acknowledgement `a` of policy `p`, with the person `u`. */
const COLUMNS = sql`a.id, a.policy_id, a.user_id, u.name, a.document_version, a.policy_version, a.acknowledged_at,
  a.document_version = p.document_version as current`;

/** Only at one of `versions` of the policy (If-Match), when given. */
function atVersion(versions: readonly number[] | undefined): SQL {
  if (versions === undefined) return sql``;
  if (versions.length === 0) return sql` and false`;
  return sql` and p.version in (${sql.join(
    versions.map((v) => sql`${v}::integer`),
    sql`, `,
  )})`;
}

/**
 * Acknowledges the policy's current version as the caller, only if the policy is this
 * organization's (and at one of `versions`): an INSERT … SELECT, so an unknown or
 * foreign policy inserts nothing (404) in the same statement. Once per person and
 * version: again, it inserts nothing and {@link policyAndMyAcknowledgement} answers the
 * existing one.
 */
export function acknowledge(tx: Database, orgId: string, policyId: string, versions: readonly number[] | undefined) {
  // The trigger stamped the current version: what was inserted is current.
  return tx.execute<AcknowledgementRow>(sql`
    with inserted as (
      insert into policy_acknowledgements (org_id, policy_id)
      select p.org_id, p.id from policies p
      where p.org_id = ${orgId}::uuid and p.id = ${policyId}::uuid${atVersion(versions)}
      on conflict (org_id, policy_id, document_version, user_id) do nothing
      returning id, policy_id, user_id, document_version, policy_version, acknowledged_at)
    select a.id, a.policy_id, a.user_id, u.name, a.document_version, a.policy_version, a.acknowledged_at, true as current
    from inserted a left join users u on u.id = a.user_id`);
}

/**
 * The policy as it is now and the caller's acknowledgement of its current version (if
 * any): read after {@link acknowledge} in the same transaction, it tells 201 from 200,
 * 412 (the policy moved past If-Match) and 404.
 */
export const policyAndMyAcknowledgement = (tx: Database, orgId: string, policyId: string) =>
  tx.execute<Partial<AcknowledgementRow> & { readonly version: number }>(sql`
    select p.version, ${COLUMNS}
    from policies p
    left join policy_acknowledgements a on a.org_id = p.org_id and a.policy_id = p.id
      and a.document_version = p.document_version and a.user_id = app.current_user_id()
    left join users u on u.id = a.user_id
    where p.org_id = ${orgId}::uuid and p.id = ${policyId}::uuid`);

/** The policy with its member counts: everyone, and who acknowledged its current version. */
export const policyWithCounts = (tx: Database, orgId: string, policyId: string) =>
  tx.execute<{
    id: string;
    title: string;
    status: string;
    document_version: string;
    version: number;
    members: number;
    acknowledged: number;
  }>(sql`
    select p.id, p.title, p.status, p.document_version, p.version,
      (select count(*)::int from memberships m where m.org_id = p.org_id) as members,
      (select count(*)::int from memberships m where m.org_id = p.org_id and exists (
        select from policy_acknowledgements a where a.org_id = p.org_id and a.policy_id = p.id
          and a.document_version = p.document_version and a.user_id = m.user_id)) as acknowledged
    from policies p where p.org_id = ${orgId}::uuid and p.id = ${policyId}::uuid`);

/** Every acknowledgement of the policy, newest first (one more than the cap: truncated?). */
export const acknowledgementsOf = (tx: Database, orgId: string, policyId: string) =>
  tx.execute<AcknowledgementRow>(sql`
    select ${COLUMNS}
    from policy_acknowledgements a
    join policies p on p.org_id = a.org_id and p.id = a.policy_id
    left join users u on u.id = a.user_id
    where a.org_id = ${orgId}::uuid and a.policy_id = ${policyId}::uuid
    order by a.acknowledged_at desc, a.id desc
    limit ${DUTY_LIST_CAP + 1}`);

/** Members who have not acknowledged the approved policy's current version, by role then name. */
export const pendingMembers = (tx: Database, orgId: string, policyId: string) =>
  tx.execute<{ user_id: string; name: string | null; role: string }>(sql`
    select m.user_id, u.name, m.role
    from memberships m
    join policies p on p.org_id = m.org_id and p.id = ${policyId}::uuid and p.status = 'approved'
    left join users u on u.id = m.user_id
    where m.org_id = ${orgId}::uuid and not exists (
      select from policy_acknowledgements a where a.org_id = m.org_id and a.policy_id = p.id
        and a.document_version = p.document_version and a.user_id = m.user_id)
    order by m.role, u.name, m.user_id
    limit ${DUTY_LIST_CAP + 1}`);
