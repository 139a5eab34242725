/**
 * The SQL of the bank connection. Every statement names the organization on top of the
 * row policies (owners and admins: `manage`); sealed tokens are written and read as the
 * opaque text the worker sealed (src/crypto/envelope.ts) and never leave the module's
 * handlers. A write of the tokens lands only on the `token_version` it read (the
 * trigger bumps it), so a refresh racing another refresh, or the re-encryption job,
 * cannot overwrite a newer token with an older one. Security events ride in the same
 * statement as the change they describe (a CTE), so they exist exactly when it happened.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../db";

/** What the status route shows (never a token). */
const STATUS_COLUMNS = sql`status, scopes, connected_by, connected_at, access_token_expires_at, refreshed_at, broken_at, broken_reason`;

export interface StatusRow {
  readonly status: string;
  readonly scopes: string[] | string;
  readonly connected_by: string | null;
  readonly connected_at: string | Date | null;
  readonly access_token_expires_at: string | Date | null;
  readonly refreshed_at: string | Date | null;
  readonly broken_at: string | Date | null;
  readonly broken_reason: string | null;
  readonly [column: string]: unknown;
}

export interface TokenRow extends StatusRow {
  readonly access_token_sealed: string;
  readonly refresh_token_sealed: string | null;
  readonly token_version: number;
}

/** A security event's columns, as the handler prepared them. */
export interface EventValues {
  readonly type: string;
  readonly severity: string;
  readonly actorUserId: string | null;
  readonly requestId: string;
  readonly ipHash: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Sealed tokens and what goes with them. */
export interface SealedTokens {
  readonly accessTokenSealed: string;
  readonly refreshTokenSealed: string | null;
  readonly expiresAt: Date | null;
  readonly scopes: readonly string[];
}

const eventColumns = (orgId: string, e: EventValues) =>
  sql`${orgId}::uuid, ${e.type}, ${e.severity}, ${e.actorUserId}::uuid, ${e.requestId}, ${e.ipHash}, ${JSON.stringify(e.details)}::jsonb`;

/** Scopes as a text[] built in SQL from a JSON array (every value a bound parameter). */
const scopesArray = (scopes: readonly string[]) => sql`array(select jsonb_array_elements_text(${JSON.stringify(scopes)}::jsonb))`;

/** The status of the organization's connection (no row: not connected). */
export const connectionStatus = (tx: Database, orgId: string) =>
  tx.execute<StatusRow>(sql`select ${STATUS_COLUMNS} from public.bank_connections where org_id = ${orgId}::uuid`);

/** The connection with its sealed tokens and version. */
export const connectionTokens = (tx: Database, orgId: string) =>
  tx.execute<TokenRow>(
    sql`select ${STATUS_COLUMNS}, access_token_sealed, refresh_token_sealed, token_version from public.bank_connections where org_id = ${orgId}::uuid`,
  );

/**
 * A new connection replaces any previous one: two statements of the callback's one
 * transaction (the delete's row is gone before the insert's unique check).
 */
export function replaceConnection(tx: Database, orgId: string, issuer: string, tokens: SealedTokens, event: EventValues) {
  return [
    tx.execute(sql`delete from public.bank_connections where org_id = ${orgId}::uuid`),
    tx.execute<StatusRow>(sql`
      with made as (
        insert into public.bank_connections (org_id, status, issuer, scopes, access_token_sealed, refresh_token_sealed, access_token_expires_at)
        values (${orgId}::uuid, 'connected', ${issuer}, ${scopesArray(tokens.scopes)},
                ${tokens.accessTokenSealed}, ${tokens.refreshTokenSealed}, ${tokens.expiresAt?.toISOString() ?? null}::timestamptz)
        returning ${STATUS_COLUMNS}
      ), logged as (
        insert into public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
        select ${eventColumns(orgId, event)} from made
      )
      select * from made`),
  ] as const;
}

/** Stores refreshed tokens if nothing changed them since `version` was read; returns the row then. */
export const storeRefreshed = (tx: Database, orgId: string, version: number, tokens: SealedTokens) =>
  tx.execute<StatusRow>(sql`
    update public.bank_connections
    set access_token_sealed = ${tokens.accessTokenSealed},
        refresh_token_sealed = coalesce(${tokens.refreshTokenSealed}, refresh_token_sealed),
        access_token_expires_at = ${tokens.expiresAt?.toISOString() ?? null}::timestamptz,
        scopes = ${scopesArray(tokens.scopes)},
        refreshed_at = now()
    where org_id = ${orgId}::uuid and token_version = ${version} and status = 'connected'
    returning ${STATUS_COLUMNS}`);

/** Marks the connection broken if nothing changed it since `version` was read, with its event. */
export const markBroken = (tx: Database, orgId: string, version: number, reason: string, event: EventValues) =>
  tx.execute<StatusRow>(sql`
    with broke as (
      update public.bank_connections set status = 'broken', broken_at = now(), broken_reason = ${reason}
      where org_id = ${orgId}::uuid and token_version = ${version} and status = 'connected'
      returning ${STATUS_COLUMNS}
    ), logged as (
      insert into public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
      select ${eventColumns(orgId, event)} from broke
    )
    select * from broke`);

/** Deletes the connection, handing back its sealed tokens (for revocation at the bank), with its event. */
export const deleteConnection = (tx: Database, orgId: string, event: EventValues) =>
  tx.execute<{ access_token_sealed: string; refresh_token_sealed: string | null; [column: string]: unknown }>(sql`
    with gone as (
      delete from public.bank_connections where org_id = ${orgId}::uuid
      returning access_token_sealed, refresh_token_sealed
    ), logged as (
      insert into public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
      select ${eventColumns(orgId, event)} from gone
    )
    select * from gone`);
