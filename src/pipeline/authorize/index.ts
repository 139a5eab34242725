/** Stage 6, authorize (P9): the permission an organization route needs, checked in the handler's one transaction. */
export { authorize, inOrg, AUTHORIZE_ERRORS, ORG_PARAM, type OrgResult } from "./authorize";
export { noteRefusal, refusalOf, REFUSAL_CODES, type RefusalCode } from "./refusals";
export { withRefusalEvents } from "./refusal-hook";
export { REFUSAL_KEY_PREFIX, REFUSAL_WINDOW_SECONDS } from "./refusal-events";
