/** Route definitions of the admin organization routes (super administrators, aal2: P7, P9). */
import { defineRoute } from "../../pipeline/route";
import { json, jsonBody } from "../../http/schemas";
import { AdminOrgDetail, AdminOrgParams, AdminOrgsPage, AdminOrgsQuery, SuspendBody, SuspensionResult } from "./admin.schemas";

const tags = ["admin"];
/** Platform super administrators only, with a second factor; every call is an `admin_action` event. */
export const ADMIN_AUTH = { principals: ["user"], superAdmin: true } as const;
const ADMIN_NOTE = "Platform super administrators, aal2. Every call is recorded as an `admin_action` security event with the caller's id.";

export const listOrgsRoute = defineRoute(
  {
    method: "get",
    path: "/orgs",
    operationId: "adminListOrganizations",
    tags,
    summary: "List and search organizations",
    description: `${ADMIN_NOTE} Newest first, pages of \`limit\` (at most 200) by \`next_cursor\`. \`q\` is an exact organization id or a part of its name.`,
    request: { query: AdminOrgsQuery },
    responses: { 200: json("A page of organizations", AdminOrgsPage) },
  },
  { auth: ADMIN_AUTH, errors: ["invalid_cursor"] },
);

export const getOrgRoute = defineRoute(
  {
    method: "get",
    path: "/orgs/{org}",
    operationId: "adminGetOrganization",
    tags,
    summary: "One organization, with its owners",
    description: ADMIN_NOTE,
    request: { params: AdminOrgParams },
    responses: { 200: json("The organization", AdminOrgDetail) },
  },
  { auth: ADMIN_AUTH, errors: ["not_found"] },
);

export const suspendOrgRoute = defineRoute(
  {
    method: "post",
    path: "/orgs/{org}/suspend",
    operationId: "adminSuspendOrganization",
    tags,
    summary: "Suspend an organization",
    description:
      `${ADMIN_NOTE} From the next request on, every route of the organization answers its members and API keys 403 \`organization_suspended\`, and the database's row policies give them nothing. ` +
      "The organization's `org_suspended` event (with the administrator's id, without the reason) is stored in it. " +
      "Idempotent: suspending a suspended organization answers 200 with `changed: false` and the suspension in force unchanged (its first reason, administrator and time stay; no event is written), so a retry after a lost answer is safe. Unknown organization: 404.",
    request: { params: AdminOrgParams, ...jsonBody(SuspendBody) },
    responses: { 200: json("The organization, suspended", SuspensionResult) },
  },
  { auth: ADMIN_AUTH, bodyLimit: 4096, errors: ["not_found"] },
);

export const reinstateOrgRoute = defineRoute(
  {
    method: "post",
    path: "/orgs/{org}/reinstate",
    operationId: "adminReinstateOrganization",
    tags,
    summary: "Reinstate a suspended organization",
    description:
      `${ADMIN_NOTE} Its members and keys work again from the next request on; the \`org_reinstated\` event is stored in it. ` +
      "Idempotent: reinstating an organization that is not suspended answers 200 with `changed: false` and writes no event. Unknown organization: 404.",
    request: { params: AdminOrgParams },
    responses: { 200: json("The organization, active", SuspensionResult) },
  },
  { auth: ADMIN_AUTH, bodyLimit: 1024, errors: ["not_found"] },
);
