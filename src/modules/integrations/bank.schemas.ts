/** Request and response schemas of the bank connection routes (P18). */
import { z } from "@hono/zod-openapi";
import { BANK_CONNECTION_STATUSES } from "../../db/schema";

/** The bank's redirect back (RFC 6749 §4.1.2, RFC 9207): every value bounded. */
export const CallbackQuery = z.object({
  state: z.string().max(200).openapi({ description: "The state the connection started with." }),
  code: z.string().max(2000).optional(),
  iss: z.string().max(500).optional().openapi({ description: "The issuer (RFC 9207); must be the configured bank's when sent." }),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
  error_uri: z.string().max(2000).optional(),
  session_state: z.string().max(500).optional(),
});

export const ConnectStarted = z
  .object({
    authorization_url: z
      .url()
      .openapi({ description: "The bank's authorization endpoint with this connection's PKCE challenge and state." }),
  })
  .openapi("BankConnectStarted");

export const BankConnection = z
  .object({
    status: z.enum(["not_connected", ...BANK_CONNECTION_STATUSES]).openapi({
      description: "`connected`; `broken` when the bank refused to renew access (connect again); `not_connected`.",
    }),
    scopes: z.array(z.string()),
    connected_by: z.uuid().nullable(),
    connected_at: z.iso.datetime().nullable(),
    access_token_expires_at: z.iso.datetime().nullable(),
    refreshed_at: z.iso.datetime().nullable(),
    broken_at: z.iso.datetime().nullable(),
    broken_reason: z.string().nullable().openapi({ description: "The bank's error code (`invalid_grant`, …) or `undecryptable`." }),
  })
  .openapi("BankConnection", {
    description: "The connection as the organization sees it: never a token.",
  });
export type BankConnectionOut = z.infer<typeof BankConnection>;
