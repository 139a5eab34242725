/**
 * The routes of one plain link (pairs.ts), derived from its declaration:
 *
 *   PUT    /{org}/<from>/{id}/<to>/{<to>_id}   link (201 new, 200 already linked)
 *   GET    /{org}/<from>/{id}/<to>/{<to>_id}   the link (404 when not linked)
 *   DELETE /{org}/<from>/{id}/<to>/{<to>_id}   unlink (204)
 *   GET    /{org}/<from>/{id}/<to>             the record's links, with the other records
 *   GET    /{org}/<to>/{id}/<from>             the same, from the other side
 *
 * Users and API keys (`records:read` reads, `records:write` links), like the records.
 */
import { defineRoute } from "../../pipeline/route";
import { json } from "../../http/schemas";
import { OneRecordParams, twoRecordParams } from "./ids";
import type { PairLink } from "./pairs";
import { pairSchemasOf } from "./pairs.schemas";
import { pascal } from "./schemas";

const auth = { principals: ["user", "api_key"] } as const;
const IDS = "Another organization's id, an unknown id and a malformed one all answer 404; nothing is written.";

export function pairRoutesOf(link: PairLink) {
  const { from, to } = link;
  const { Link, FromList, ToList } = pairSchemasOf(link);
  const Pair = pascal(from.singular) + pascal(to.singular);
  const one = `/{org}/${from.records}/{id}/${to.records}/{${to.column}}`;
  const params = twoRecordParams(to.column);
  const between = `${from.singular} \`{id}\` and ${to.singular} \`{${to.column}}\``;
  return {
    link: defineRoute(
      {
        method: "put",
        path: one,
        operationId: `link${Pair}`,
        tags: [from.records],
        summary: `Link ${from.singular} and ${to.singular}`,
        description: `${link.meaning} Links ${between} (no body). Idempotent: 201 with the new link, 200 with the existing one when they are linked already (nothing written then). Both must be records of the organization. ${IDS} Every link and unlink is an audit entry.`,
        request: { params },
        responses: { 200: json("Already linked", Link), 201: json("Linked", Link) },
      },
      { auth, permission: "write", errors: ["invalid_reference"] },
    ),
    get: defineRoute(
      {
        method: "get",
        path: one,
        operationId: `get${Pair}Link`,
        tags: [from.records],
        summary: `Whether ${from.singular} and ${to.singular} are linked`,
        description: `The link between ${between}; 404 when they are not linked. ${IDS}`,
        request: { params },
        responses: { 200: json("The link", Link) },
      },
      { auth, permission: "read" },
    ),
    unlink: defineRoute(
      {
        method: "delete",
        path: one,
        operationId: `unlink${Pair}`,
        tags: [from.records],
        summary: `Unlink ${from.singular} and ${to.singular}`,
        description: `Removes the link between ${between} (the records stay); 404 when they are not linked. The audit log keeps the link as it was.`,
        request: { params },
        responses: { 204: { description: "Unlinked" } },
      },
      { auth, permission: "write" },
    ),
    listFrom: defineRoute(
      {
        method: "get",
        path: `/{org}/${from.records}/{id}/${to.records}`,
        operationId: `list${pascal(from.singular)}${pascal(to.records)}`,
        tags: [from.records],
        summary: `The ${to.records} linked to ${from.one}`,
        description: `Each link with a summary of the ${to.singular}, ordered by ${to.order.join(", ")}; at most 500 (\`truncated\` says when there are more). ${IDS}`,
        request: { params: OneRecordParams },
        responses: { 200: json("The links", FromList) },
      },
      { auth, permission: "read" },
    ),
    listTo: defineRoute(
      {
        method: "get",
        path: `/{org}/${to.records}/{id}/${from.records}`,
        operationId: `list${pascal(to.singular)}${pascal(from.records)}`,
        tags: [to.records],
        summary: `The ${from.records} linked to ${to.one}`,
        description: `Each link with a summary of the ${from.singular}, ordered by ${from.order.join(", ")}; at most 500 (\`truncated\` says when there are more). ${IDS}`,
        request: { params: OneRecordParams },
        responses: { 200: json("The links", ToList) },
      },
      { auth, permission: "read" },
    ),
  };
}
