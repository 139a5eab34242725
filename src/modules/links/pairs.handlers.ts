/**
 * The handlers of one plain link's routes. Each is ONE transaction in ONE round trip
 * (`inOrg`: the authorization check, then the statements); the audit entry is written by
 * the link table's trigger in that transaction, so a refused request leaves nothing.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { AppError } from "../../http/errors";
import { inOrg } from "../../pipeline/authorize";
import { LINK_LIST_CAP, type LinkEnd } from "./ends";
import { pathIds } from "./ids";
import type { PairLink } from "./pairs";
import type { PairOut } from "./pairs.schemas";
import { deletePair, insertPair, listPairs, selectPair, type PairRow } from "./pairs.statements";
import { iso, jsonOf, recordExists } from "./statements";

function present(link: PairLink, row: PairRow): PairOut {
  return {
    [link.from.column]: String(row[link.from.column]),
    [link.to.column]: String(row[link.to.column]),
    created_at: iso(row.created_at),
    created_by: row.created_by,
  };
}

export function pairHandlersOf(link: PairLink) {
  const ids = (c: Context<AppEnv>) => {
    const {
      org,
      ids: [fromId = "", toId = ""],
    } = pathIds(c, ["id", link.to.column]);
    return { org, fromId, toId };
  };
  /** The links of one record of `side`; 404 when it is not the organization's. */
  const listOf = (side: LinkEnd) => async (c: Context<AppEnv>) => {
    const {
      org,
      ids: [id = ""],
    } = pathIds(c, ["id"]);
    const {
      results: [found, links],
    } = await inOrg(c, (tx) => [recordExists(tx, side, org, id), listPairs(tx, link, side, org, id)]);
    if (found.rows.length === 0) throw new AppError("not_found");
    const other = side === link.from ? link.to : link.from;
    const items = links.rows
      .slice(0, LINK_LIST_CAP)
      .map((row) => ({ ...present(link, row), [other.singular]: jsonOf(row.record) as object }));
    return c.json({ items, truncated: links.rows.length > LINK_LIST_CAP }, 200);
  };

  return {
    link: async (c: Context<AppEnv>) => {
      const { org, fromId, toId } = ids(c);
      // The read after the insert, in the same transaction, tells "already linked" (200)
      // from "no such records here" (404).
      const {
        results: [inserted, existing],
      } = await inOrg(c, (tx) => [insertPair(tx, link, org, fromId, toId), selectPair(tx, link, org, fromId, toId)]);
      const created = inserted.rows[0];
      if (created !== undefined) return c.json(present(link, created), 201);
      const row = existing.rows[0];
      if (row === undefined) throw new AppError("not_found");
      return c.json(present(link, row), 200);
    },

    get: async (c: Context<AppEnv>) => {
      const { org, fromId, toId } = ids(c);
      const {
        results: [found],
      } = await inOrg(c, (tx) => [selectPair(tx, link, org, fromId, toId)]);
      const row = found.rows[0];
      if (row === undefined) throw new AppError("not_found");
      return c.json(present(link, row), 200);
    },

    unlink: async (c: Context<AppEnv>) => {
      const { org, fromId, toId } = ids(c);
      const {
        results: [deleted],
      } = await inOrg(c, (tx) => [deletePair(tx, link, org, fromId, toId)]);
      if (deleted.rows.length === 0) throw new AppError("not_found");
      return c.body(null, 204);
    },

    listFrom: listOf(link.from),
    listTo: listOf(link.to),
  };
}
