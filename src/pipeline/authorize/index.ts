/** Stage 6, authorize (P9): the permission an organization route needs, checked in the handler's one transaction. */
export { authorize, inOrg, AUTHORIZE_ERRORS, ORG_PARAM, type OrgResult } from "./authorize";
