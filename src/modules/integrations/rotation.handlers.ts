/**
 * The re-encryption job's batch (P10): two round trips by design (it must read the
 * sealed values, open them in the worker, where the keys are, and write them back):
 * `app.bank_secrets_to_reseal` and `app.reseal_bank_secrets` (SECURITY DEFINER, super
 * administrators only, drizzle/0021_integrations_security.sql). A row is written back
 * only at the token version it was read at.
 */
import type { RouteHandler } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { newestKeyVersion, reseal } from "../../crypto/envelope";
import { createDatabase, inContext, schema } from "../../db";
import { SECURITY_EVENTS, securityEvent } from "../../lib/security-events";
import { CLIENT_IP_HEADER, clientAddress, identifierHash } from "../../pipeline/rate-limit";
import { currentUser } from "../auth/auth.principal";
import type { reencryptRoute } from "./rotation.routes";

interface PendingRow {
  readonly org_id: string;
  readonly token_version: number;
  readonly access_token_sealed: string;
  readonly refresh_token_sealed: string | null;
  readonly remaining: string | number;
  readonly [column: string]: unknown;
}

const contextOf = (orgId: string, column: string) => ({ orgId, integration: "bank", column });

export const reencryptSecrets: RouteHandler<typeof reencryptRoute, AppEnv> = async (c) => {
  const config = c.env.edge.config;
  const user = currentUser(c);
  const { batch_size: size, after } = c.req.valid("json");
  const keys = config.secrets.dataEncryptionKeys;
  const keep = newestKeyVersion(keys);
  const actor = { kind: "user", userId: user.id } as const;
  const db = await createDatabase(config.database);
  const [pending] = await inContext(db, { actor }, (tx) => [
    tx.execute<PendingRow>(sql`select * from app.bank_secrets_to_reseal(${keep}, ${after ?? null}::uuid, ${size})`),
  ]);
  const rows = pending.rows;
  const resealed: { org_id: string; token_version: number; access_token_sealed: string; refresh_token_sealed: string | null }[] = [];
  const unreadable: string[] = [];
  for (const row of rows) {
    const access = await reseal(keys, row.access_token_sealed, contextOf(row.org_id, "access_token"));
    const refresh =
      row.refresh_token_sealed === null ? null : await reseal(keys, row.refresh_token_sealed, contextOf(row.org_id, "refresh_token"));
    if (access === undefined || refresh === undefined) unreadable.push(row.org_id);
    else
      resealed.push({ org_id: row.org_id, token_version: row.token_version, access_token_sealed: access, refresh_token_sealed: refresh });
  }
  const ipHash = await identifierHash(config.secrets.identifierHashSecret, "ip", clientAddress(c.req.header(CLIENT_IP_HEADER)));
  const [written] = await inContext(db, { actor }, (tx) => [
    tx.execute<{ resealed: string | number; remaining: string | number; [column: string]: unknown }>(
      sql`select resealed, remaining from app.reseal_bank_secrets(${keep}, ${JSON.stringify(resealed)}::jsonb)`,
    ),
    tx.insert(schema.securityEvents).values({
      type: "data_keys_reencrypted",
      severity: SECURITY_EVENTS.data_keys_reencrypted.severity,
      actorUserId: user.id,
      requestId: c.env.edge.requestId,
      ipHash,
      details: { key_version: keep, resealed: resealed.length, unreadable: unreadable.length },
    }),
  ]);
  const result = written.rows[0];
  const body = {
    key_version: keep,
    resealed: Number(result?.resealed ?? 0),
    unreadable,
    remaining: Number(result?.remaining ?? 0),
    next_after: rows.length === size ? (rows.at(-1)?.org_id ?? null) : null,
  };
  securityEvent("data_keys_reencrypted", {
    request_id: c.env.edge.requestId,
    user_id: user.id,
    key_version: keep,
    resealed: body.resealed,
    unreadable: unreadable.length,
    remaining: body.remaining,
  });
  return c.json(body, 200);
};
