/**
 * Parses what `@neondatabase/serverless` sends to POST /sql (see this folder's README):
 * headers `Neon-Connection-String`, `Neon-Raw-Text-Output`, `Neon-Array-Mode`, the
 * batch headers, and a body `{query, params}` or `{queries: [...]}`. Anything else
 * is refused with a 400 that says what is wrong.
 */
import type { IncomingHttpHeaders } from "node:http";
import { badRequest } from "./errors.ts";

/** One statement with its text-serialised parameters ($1 … $n). */
export interface SqlQuery {
  readonly query: string;
  readonly params: readonly (string | null)[];
}

/** The login taken from the connection string; the host in it is ignored. */
export interface LoginParams {
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export type IsolationLevel = "READ UNCOMMITTED" | "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

/** Batch transaction options from the Neon-Batch-* headers. */
export interface TxOptions {
  readonly isolationLevel?: IsolationLevel;
  readonly readOnly?: boolean;
  readonly deferrable?: boolean;
}

export interface SqlRequest {
  readonly login: LoginParams;
  readonly queries: readonly SqlQuery[];
  /** true for `{queries: [...]}` (answer `{results}`), false for a single query. */
  readonly batch: boolean;
  readonly tx: TxOptions;
}

const ISOLATION: Readonly<Record<string, IsolationLevel>> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function booleanHeader(headers: IncomingHttpHeaders, name: string): boolean | undefined {
  const value = header(headers, name);
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw badRequest(`header ${name} must be "true" or "false", got ${JSON.stringify(value)}`);
}

/** Parses a postgres:// or postgresql:// URL the way the driver does (user required). */
export function parseConnectionString(value: string): LoginParams {
  const scheme = /^(postgres|postgresql):/i.exec(value);
  let url: URL;
  try {
    // A non-special scheme would not parse the authority the same way everywhere; the driver uses this trick too.
    url = new URL(`http:${value.slice(scheme?.[0].length ?? 0)}`);
  } catch {
    throw badRequest("Neon-Connection-String is not a valid URL");
  }
  if (!scheme) throw badRequest("Neon-Connection-String must start with postgres:// or postgresql://");
  const user = decodeURIComponent(url.username);
  if (!user) throw badRequest("Neon-Connection-String has no user");
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || user;
  return { user, password: decodeURIComponent(url.password), database };
}

function parseParams(raw: unknown, where: string): (string | null)[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw badRequest(`${where}.params must be an array`);
  return raw.map((value: unknown, i) => {
    if (value === null || typeof value === "string") return value;
    // The driver text-serialises everything; accept plain JSON scalars from hand-written requests too.
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    throw badRequest(`${where}.params[${i}] must be a string or null (the driver sends text-serialised values)`);
  });
}

function parseQuery(raw: unknown, where: string): SqlQuery {
  if (typeof raw !== "object" || raw === null) throw badRequest(`${where} must be an object {query, params}`);
  const { query, params } = raw as { query?: unknown; params?: unknown };
  if (typeof query !== "string") throw badRequest(`${where}.query must be a string`);
  return { query, params: parseParams(params, where) };
}

/** Validates one POST /sql request; throws a 400 GatewayError with a clear message. */
export function parseSqlRequest(headers: IncomingHttpHeaders, bodyText: string): SqlRequest {
  const connection = header(headers, "Neon-Connection-String");
  if (!connection) throw badRequest("missing header Neon-Connection-String");
  const login = parseConnectionString(connection);
  // The 1.x driver always asks for raw text cells in arrays; other shapes are not emulated.
  for (const name of ["Neon-Raw-Text-Output", "Neon-Array-Mode"]) {
    if (header(headers, name) !== "true")
      throw badRequest(`header ${name}: true is required (only the raw-text array mode of @neondatabase/serverless 1.x is emulated)`);
  }
  const isolation = header(headers, "Neon-Batch-Isolation-Level");
  const isolationLevel = isolation === undefined ? undefined : ISOLATION[isolation];
  if (isolation !== undefined && !isolationLevel) {
    throw badRequest(`header Neon-Batch-Isolation-Level must be one of ${Object.keys(ISOLATION).join(", ")}`);
  }
  const readOnly = booleanHeader(headers, "Neon-Batch-Read-Only");
  const deferrable = booleanHeader(headers, "Neon-Batch-Deferrable");
  const tx: TxOptions = {
    ...(isolationLevel ? { isolationLevel } : {}),
    ...(readOnly !== undefined ? { readOnly } : {}),
    ...(deferrable !== undefined ? { deferrable } : {}),
  };

  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (err) {
    throw badRequest(`request body is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("request body must be a JSON object {query, params} or {queries: [...]}");
  }
  const { queries } = body as { queries?: unknown };
  if (queries !== undefined) {
    if (!Array.isArray(queries)) throw badRequest("queries must be an array");
    return { login, batch: true, tx, queries: queries.map((q: unknown, i) => parseQuery(q, `queries[${i}]`)) };
  }
  return { login, batch: false, tx, queries: [parseQuery(body, "body")] };
}
