/**
 * The SQL of the plain links (pairs.ts). A link is written by an INSERT … SELECT that
 * finds both records in this organization in the same statement, so an unknown or
 * foreign id inserts nothing (404); the composite foreign keys refuse it again whoever
 * writes. Linking twice changes nothing (ON CONFLICT DO NOTHING: no second row, no
 * second audit entry).
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";
import { LINK_LIST_CAP, type LinkEnd } from "./ends";
import type { PairLink } from "./pairs";
import { ident, orderOf, summaryOf } from "./statements";

/** A link as the database answers it. */
export interface PairRow {
  readonly created_at: string | Date;
  readonly created_by: string;
  readonly [column: string]: unknown;
}

const linkColumns = (link: PairLink) => sql`${ident(link.from.column)}, ${ident(link.to.column)}, created_at, created_by`;
const wherePair = (link: PairLink, orgId: string, fromId: string, toId: string) =>
  sql`org_id = ${orgId}::uuid and ${ident(link.from.column)} = ${fromId}::uuid and ${ident(link.to.column)} = ${toId}::uuid`;

/** Links the two records if both are this organization's and not linked yet; the new link, or no row. */
export function insertPair(tx: Database, link: PairLink, orgId: string, fromId: string, toId: string) {
  return tx.execute<PairRow>(sql`
    insert into ${ident(link.table)} (org_id, ${ident(link.from.column)}, ${ident(link.to.column)})
    select f.org_id, f.id, t.id
    from ${ident(link.from.records)} f join ${ident(link.to.records)} t on t.org_id = f.org_id
    where f.org_id = ${orgId}::uuid and f.id = ${fromId}::uuid and t.id = ${toId}::uuid
    on conflict (org_id, ${ident(link.from.column)}, ${ident(link.to.column)}) do nothing
    returning ${linkColumns(link)}`);
}

/** The link between the two records, if any. */
export const selectPair = (tx: Database, link: PairLink, orgId: string, fromId: string, toId: string) =>
  tx.execute<PairRow>(sql`select ${linkColumns(link)} from ${ident(link.table)} where ${wherePair(link, orgId, fromId, toId)}`);

/** Unlinks them; the removed link's id, or no row. */
export const deletePair = (tx: Database, link: PairLink, orgId: string, fromId: string, toId: string) =>
  tx.execute<{ id: string }>(sql`delete from ${ident(link.table)} where ${wherePair(link, orgId, fromId, toId)} returning id`);

/**
 * The links of one record (`side`), each with a summary of the record on the other side
 * (`record`), in the other side's order; one more than the cap, to tell a truncated list.
 */
export function listPairs(tx: Database, link: PairLink, side: LinkEnd, orgId: string, id: string) {
  const other = side === link.from ? link.to : link.from;
  return tx.execute<PairRow & { record: unknown }>(sql`
    select ${sql.join(
      [ident(link.from.column), ident(link.to.column), ident("created_at"), ident("created_by")].map((c) => sql`l.${c}`),
      sql`, `,
    )}, ${summaryOf(other, "r")} as record
    from ${ident(link.table)} l
    join ${ident(other.records)} r on r.org_id = l.org_id and r.id = l.${ident(other.column)}
    where l.org_id = ${orgId}::uuid and l.${ident(side.column)} = ${id}::uuid
    order by ${orderOf(other, "r")}
    limit ${LINK_LIST_CAP + 1}`);
}
