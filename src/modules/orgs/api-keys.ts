/**
 * An organization's API keys (`/v1/orgs/{org}/api-keys`, P9, P10, P16): create (the
 * key is shown once; only its HMAC digest is stored), list, revoke. Owners and admins
 * only (`manage`), and only people: a key never manages keys. Each is one transaction,
 * its security event in it. How a key is then accepted: src/pipeline/authenticate/api-key.ts.
 */
import type { OpenAPIHono, RouteHandler } from "@hono/zod-openapi";
import { desc, eq, sql } from "drizzle-orm";
import type { AppEnv } from "../../context";
import { apiKeyDigest, apiKeyDisplayPrefix, apiKeyIdOf, newApiKey } from "../../crypto/api-keys";
import { schema } from "../../db";
import { AppError } from "../../http/errors";
import { json, jsonBody } from "../../http/schemas";
import { inOrg } from "../../pipeline/authorize";
import { defineRoute } from "../../pipeline/route";
import { ApiKey, ApiKeyList, ApiKeyParams, CreateApiKeyBody, CreatedApiKey } from "./api-keys.schemas";
import { prepareOrgEvent } from "./orgs.events";
import { OrgParams } from "./orgs.schemas";

const tags = ["api keys"];
const k = schema.apiKeys;
/** Every column but the digest, which rampart_app cannot read anyway (0001's column grants). */
const COLUMNS = {
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdBy: k.createdBy,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
};

type Time = string | Date;
interface KeyRow {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly createdBy: string | null;
  readonly createdAt: Time;
  readonly lastUsedAt: Time | null;
  readonly expiresAt: Time | null;
  readonly revokedAt: Time | null;
}

/** The row `insert … returning` answers (raw SQL: column names as in the table). */
type InsertedRow = {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  created_by: string | null;
  created_at: Time;
  last_used_at: Time | null;
  expires_at: Time | null;
  revoked_at: Time | null;
};

/** A Postgres array literal of validated scopes (plain words and colons: nothing to quote). */
const textArray = (values: readonly string[]): string => `{${values.join(",")}}`;

const iso = (value: Time | null): string | null => (value === null ? null : new Date(value).toISOString());

function present(row: KeyRow) {
  return ApiKey.parse({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    created_by: row.createdBy,
    created_at: iso(row.createdAt),
    last_used_at: iso(row.lastUsedAt),
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
  });
}

/** Keys are managed by people (owners, admins) only: a key never creates, lists or revokes keys. */
const MANAGE = { auth: { principals: ["user"] }, permission: "manage" } as const;

export const createApiKeyRoute = defineRoute(
  {
    method: "post",
    path: "/{org}/api-keys",
    operationId: "createApiKey",
    tags,
    summary: "Create an API key",
    description:
      "Owners and admins. The answer carries the key (`rk_live_…`) this once, with `Cache-Control: no-store`; Rampart keeps only a digest. " +
      "Machine clients send it as `Authorization: Bearer rk_live_…` to the routes that accept API keys, in this organization only.",
    request: { params: OrgParams, ...jsonBody(CreateApiKeyBody) },
    responses: { 201: json("Created: the key, shown once, and its metadata", CreatedApiKey) },
  },
  MANAGE,
);

export const listApiKeysRoute = defineRoute(
  {
    method: "get",
    path: "/{org}/api-keys",
    operationId: "listApiKeys",
    tags,
    summary: "The organization's API keys",
    description: "Owners and admins; newest first, revoked and expired keys included. Never a key or its digest.",
    request: { params: OrgParams },
    responses: { 200: json("API keys", ApiKeyList) },
  },
  MANAGE,
);

export const revokeApiKeyRoute = defineRoute(
  {
    method: "delete",
    path: "/{org}/api-keys/{id}",
    operationId: "revokeApiKey",
    tags,
    summary: "Revoke an API key",
    description:
      "Owners and admins. The key fails from its next request on (401 `invalid_token`); revoking a revoked key changes nothing. " +
      "A key of another organization is 404.",
    request: { params: ApiKeyParams },
    responses: { 204: { description: "Revoked" } },
  },
  { ...MANAGE, errors: ["not_found"] },
);

const createApiKey: RouteHandler<typeof createApiKeyRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const body = c.req.valid("json");
  const secret = c.env.edge.config.secrets.apiKeyHashSecret;
  const key = newApiKey();
  const digest = await apiKeyDigest(secret, key);
  const id = await apiKeyIdOf(secret, digest);
  const prefix = apiKeyDisplayPrefix(key);
  const expiresAt = body.expires_at === undefined ? null : new Date(body.expires_at);
  const event = await prepareOrgEvent(c, "api_key_created", {
    orgId: org,
    details: { key_id: id, prefix, scopes: body.scopes, ...(expiresAt === null ? {} : { expires_at: expiresAt.toISOString() }) },
  });
  // Raw SQL: drizzle's insert names every column (`default` for the rest), and rampart_app may
  // insert only these (0001's column grants). The creator is the transaction's own user.
  const {
    results: [inserted],
  } = await inOrg(c, (tx) => [
    tx.execute<InsertedRow>(sql`
      insert into public.api_keys (id, org_id, name, prefix, key_digest, scopes, created_by, expires_at)
      values (${id}, ${org}, ${body.name}, ${prefix}, ${digest}, ${textArray(body.scopes)}::text[], app.current_user_id(),
              ${expiresAt?.toISOString() ?? null}::timestamptz)
      returning id, name, prefix, scopes, created_by, created_at, last_used_at, expires_at, revoked_at`),
    event.insert(tx),
  ]);
  const row = inserted.rows[0];
  if (row === undefined) throw new Error("inserting an API key returned no row");
  event.log();
  const created: KeyRow = {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
  return c.json({ ...present(created), key }, 201, { "Cache-Control": "no-store" });
};

const listApiKeys: RouteHandler<typeof listApiKeysRoute, AppEnv> = async (c) => {
  const { org } = c.req.valid("param");
  const {
    results: [rows],
  } = await inOrg(c, (tx) => [tx.select(COLUMNS).from(k).where(eq(k.orgId, org)).orderBy(desc(k.createdAt), desc(k.id))]);
  return c.json({ data: rows.map(present) }, 200);
};

const revokeApiKey: RouteHandler<typeof revokeApiKeyRoute, AppEnv> = async (c) => {
  const { org, id } = c.req.valid("param");
  const event = await prepareOrgEvent(c, "api_key_revoked", { orgId: org, details: { key_id: id } });
  const v = event.values;
  // One statement: the event is written only by a revocation that happened; `found` reads the
  // snapshot before it, so a key revoked earlier is found (204) and another org's is not (404).
  const {
    results: [outcome],
  } = await inOrg(c, (tx) => [
    tx.execute<{ found: boolean; revoked: boolean }>(sql`
      with found as (select id from public.api_keys where id = ${id} and org_id = ${org}),
      revoked as (
        update public.api_keys set revoked_at = now()
        where id = ${id} and org_id = ${org} and revoked_at is null
        returning id
      ),
      logged as (
        insert into public.security_events (org_id, type, severity, actor_user_id, request_id, ip_hash, details)
        select ${org}, ${v.type}, ${v.severity}, ${v.actorUserId}, ${v.requestId}, ${v.ipHash}, ${JSON.stringify(v.details)}::jsonb
        from revoked
      )
      select exists (select from found) as found, exists (select from revoked) as revoked`),
  ]);
  const answer = outcome.rows[0];
  if (answer?.found !== true) throw new AppError("not_found");
  if (answer.revoked) event.log();
  return c.body(null, 204);
};

/** Registers the API key routes. */
export function registerApiKeys(router: OpenAPIHono<AppEnv>): void {
  router.openapi(createApiKeyRoute, createApiKey);
  router.openapi(listApiKeysRoute, listApiKeys);
  router.openapi(revokeApiKeyRoute, revokeApiKey);
}
