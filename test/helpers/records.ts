/**
 * Compliance records through the real worker: their paths, a valid body per resource
 * (its declaration's example, made unique), records created through the API, and what
 * the owner sees behind the row policies (the row, its audit entries). Every resource
 * comes from the registry, so a new resource is tested without touching this file.
 */
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/env";
import { RECORD_RESOURCES, resourceNamed, type RecordName } from "../../src/modules/records";
import { ownerCount, ownerQuery } from "./identity-ip";
import { api, someIp } from "./orgs";
import { callApp, envWith, testEnv } from "./worker";

export { RECORD_RESOURCES, resourceNamed, type RecordName };

/** `/v1/orgs/{org}/<name>[/<id>]`. */
export const recordsPath = (orgId: string, name: RecordName, id?: string): string =>
  `/v1/orgs/${orgId}/${name}${id === undefined ? "" : `/${id}`}`;

/** The declaration's example with a unique label, so rows of one test are found by it. */
export function validBody(name: RecordName, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const resource = resourceNamed(name);
  const unique = crypto.randomUUID();
  // A field unique in the organization (a control's reference) gets a value of its own too.
  const reference = "reference" in resource.spec.example ? { reference: `R-${unique.slice(0, 8)}` } : {};
  return { ...resource.spec.example, [resource.spec.label]: `${name} ${unique}`, ...reference, ...overrides };
}

/** A record as the API answers it. */
export interface RecordBody {
  readonly id: string;
  readonly version: number;
  readonly status: string;
  readonly owner_id: string | null;
  readonly [field: string]: unknown;
}

/** Creates a record through the API (201 expected); returns its body. */
export async function createRecord(
  orgId: string,
  name: RecordName,
  token: string,
  overrides: Readonly<Record<string, unknown>> = {},
): Promise<RecordBody> {
  const response = await api("POST", recordsPath(orgId, name), token, validBody(name, overrides));
  if (response.status !== 201) throw new Error(`creating ${name} answered ${response.status}: ${await response.text()}`);
  return response.json<RecordBody>();
}

/** The row as the owner sees it (undefined when there is none). */
export async function rowOf(name: RecordName, id: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await ownerQuery(`select * from ${name} where id = $1`, [id]);
  return row;
}

/** How many rows of `name` the org has, as the owner counts them. */
export const rowsIn = (orgId: string, name: RecordName): Promise<number> =>
  ownerCount(`select count(*)::int as n from ${name} where org_id = $1`, [orgId]);

/** How many audit entries the org has. */
export const auditCount = (orgId: string): Promise<number> =>
  ownerCount("select count(*)::int as n from audit.entries where org_id = $1", [orgId]);

/** One audit entry, as stored. */
export interface AuditEntry {
  readonly seq: number;
  readonly action: string;
  readonly table_name: string;
  readonly row_id: string;
  readonly actor_user_id: string | null;
  readonly actor_api_key_id: string | null;
  readonly before: Record<string, unknown> | null;
  readonly after: Record<string, unknown> | null;
}

/** A row's audit entries, in order. */
export async function auditOf(orgId: string, rowId: string): Promise<AuditEntry[]> {
  const rows = await ownerQuery(
    "select seq::int, action, table_name, row_id, actor_user_id, actor_api_key_id, before, after from audit.entries where org_id = $1 and row_id = $2 order by seq",
    [orgId, rowId],
  );
  return rows as unknown as AuditEntry[];
}

/**
 * The worker's bindings with its database round trips counted under `tag` at the Neon
 * stand-in. The tagged config gets a host of its own: the driver keeps its endpoint per
 * connection-string host, so untagged requests later in this isolate stay untagged.
 */
export function taggedDatabase(tag: string): Bindings {
  const url = new URL((testEnv.DATABASE_URL ?? "").replace(/^postgres(?:ql)?:/, "http:"));
  url.hostname = `${tag}.neon.invalid`;
  return envWith({
    DATABASE_URL: url.toString().replace(/^http:/, "postgresql:"),
    NEON_HTTP_ENDPOINT: `${testEnv.NEON_HTTP_ENDPOINT ?? ""}?tag=${tag}`,
    NEON_WS_PROXY: `${testEnv.NEON_WS_PROXY ?? ""}?tag=${tag}`,
  });
}

let app: ReturnType<typeof createApp> | undefined;

/** A request through an app built here, with other bindings (a tagged database). */
export function apiWith(
  bindings: Bindings,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  app ??= createApp();
  const all: Record<string, string> = { "cf-connecting-ip": someIp(), authorization: `Bearer ${token}`, ...headers };
  if (body !== undefined) all["content-type"] = "application/json";
  return callApp(app, path, { method, headers: all, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, bindings);
}

/** A request to the worker with extra headers (If-Match). */
export function apiHeaders(
  method: string,
  path: string,
  token: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Response> {
  return apiWith(testEnv, method, path, token, body, headers);
}
