/**
 * The bank connection's routes (P10, P12, P18): OAuth2 authorization code + PKCE with a
 * single-use, 10-minute state bound to the session, the browser and the organization;
 * tokens stored sealed; status, use (refreshing on expiry) and removal. Owners and
 * admins only (`manage`), people only (the flow needs a browser). The callback is
 * public: the browser arrives from the bank without the app's bearer token, and the
 * state and its binding cookie are its credentials.
 */
import { z } from "@hono/zod-openapi";
import { defineRoute } from "../../pipeline/route";
import { json } from "../../http/schemas";
import { OrgParams } from "../orgs/orgs.schemas";
import { FREE_TEXT_WAF_GROUPS } from "../records/declaration";
import { CALLBACK_PATH } from "./bank.paths";
import { BankConnection, CallbackQuery, ConnectStarted } from "./bank.schemas";

const tags = ["integrations"];
const auth = { principals: ["user"] } as const;

/** Where the callback sends the browser: the web app's page, `?result=connected` or `?result=error&reason=…`. */
export const APP_RETURN_PATH = "/settings/integrations/bank";

const redirect = (description: string) => ({
  description,
  headers: z.object({ Location: z.string().openapi({ description: "Where the browser goes next." }) }),
});

export const connectRoute = defineRoute(
  {
    method: "get",
    path: "/v1/orgs/{org}/integrations/bank/connect",
    operationId: "connectBank",
    tags,
    summary: "Start connecting the bank (OAuth2 code + PKCE)",
    description:
      "Owners and admins. Answers 302 to the bank's authorization endpoint with `code_challenge` (S256) and `state`, and sets the `__Host-rampart-bank-oauth` cookie that binds the state to this browser and session. A browser app that calls it with its bearer token (fetch cannot read a cross-origin redirect) sends `Accept: application/json` and gets 200 `{authorization_url}` and the same cookie (credentials included; the app and the API on the same site), then navigates there. The state is single-use and expires in 10 minutes; the bank sends the browser back to `/oauth/bank/callback`. 503 `bank_not_configured` without a bank; 502 `bank_unavailable` when its metadata cannot be read.",
    request: { params: OrgParams },
    responses: {
      200: json("Where to send the browser (with `Accept: application/json`)", ConnectStarted),
      302: redirect("To the bank's authorization endpoint"),
    },
  },
  { auth, permission: "manage", errors: ["bank_not_configured", "bank_unavailable"] },
);

export const callbackRoute = defineRoute(
  {
    method: "get",
    path: CALLBACK_PATH,
    operationId: "bankCallback",
    tags,
    summary: "The bank's redirect back",
    description: `Checks the state (unknown, expired, replayed, started in another browser or session, or tampered: 400 \`invalid_oauth_state\`, nothing exchanged), then exchanges the code with the PKCE verifier (\`oauth4webapi\`; the response's \`iss\` must be the bank's), stores the tokens sealed and answers 302 to the web app's \`${APP_RETURN_PATH}?result=connected\`. An error from the bank, a mismatched issuer, a refused exchange, or a caller who may no longer manage the organization: 302 to \`${APP_RETURN_PATH}?result=error&reason=<code>\`, nothing stored.`,
    request: { query: CallbackQuery },
    responses: { 302: redirect("Back to the web app, with the result") },
  },
  {
    auth: "public",
    errors: ["invalid_oauth_state", "bank_not_configured", "auth_unavailable", "database_unavailable"],
    waf: {
      exclude: [
        // The issuer and error URI are URLs by definition (a loopback one locally).
        { in: "query", fields: ["iss", "error_uri"], groups: ["ssrf", "rfi"] },
        { in: "query", fields: ["error_description"], groups: FREE_TEXT_WAF_GROUPS },
      ],
    },
  },
);

export const statusRoute = defineRoute(
  {
    method: "get",
    path: "/v1/orgs/{org}/integrations/bank",
    operationId: "getBankConnection",
    tags,
    summary: "The bank connection's status",
    description: "Owners and admins: status, scopes, who connected and when, the access token's expiry. Never a token.",
    request: { params: OrgParams },
    responses: { 200: json("The connection", BankConnection) },
  },
  { auth, permission: "manage" },
);

export const checkRoute = defineRoute(
  {
    method: "post",
    path: "/v1/orgs/{org}/integrations/bank/check",
    operationId: "checkBankConnection",
    tags,
    summary: "Use the connection once",
    description:
      "Owners and admins. Calls the bank with the access token (its userinfo endpoint), refreshing the token first when it has expired (or when the bank refuses it). A refresh the bank refuses marks the connection `broken` (409 `bank_connection_broken`: connect again); a bank that does not answer is 502 `bank_unavailable` and changes nothing.",
    request: { params: OrgParams },
    responses: { 200: json("The connection works", BankConnection) },
  },
  { auth, permission: "manage", errors: ["bank_not_configured", "bank_not_connected", "bank_connection_broken", "bank_unavailable"] },
);

export const disconnectRoute = defineRoute(
  {
    method: "delete",
    path: "/v1/orgs/{org}/integrations/bank",
    operationId: "disconnectBank",
    tags,
    summary: "Remove the bank connection",
    description:
      "Owners and admins. Deletes the connection and its tokens now, then revokes the refresh token at the bank (RFC 7009) where it offers revocation. 204, again 204.",
    request: { params: OrgParams },
    responses: { 204: { description: "Removed" } },
  },
  { auth, permission: "manage" },
);
