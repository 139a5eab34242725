/**
 * Errors the gateway answers with. Neon's HTTP endpoint answers a failed query with
 * HTTP 400 and a JSON body carrying the Postgres error fields; the driver turns that
 * into a `NeonDbError` with the same fields (`code`, `constraint`, …).
 */

/** The Postgres error fields the driver copies onto `NeonDbError` (besides `message`). */
export const PG_ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

export type PgErrorField = (typeof PG_ERROR_FIELDS)[number];

/** JSON body of a 400 answer: `message` plus whichever Postgres fields are known. */
export type PgErrorBody = { message: string } & { [K in PgErrorField]?: string };

/** An error with an HTTP status and a body ready to send. */
export class GatewayError extends Error {
  readonly status: number;
  readonly body: PgErrorBody;

  constructor(status: number, body: PgErrorBody) {
    super(body.message);
    this.name = "GatewayError";
    this.status = status;
    this.body = body;
  }
}

/** A request the gateway cannot understand (bad JSON, missing header…): 400, SQLSTATE 08P01. */
export function badRequest(message: string): GatewayError {
  return new GatewayError(400, { message: `Neon gateway: ${message}`, severity: "ERROR", code: "08P01" });
}

/** A broken frontend byte stream on the WebSocket (bad lengths, unknown protocol version). */
export function protocolViolation(message: string, code = "08P01"): GatewayError {
  return new GatewayError(400, { message, severity: "FATAL", code });
}

/** A refused login, worded like a real Postgres login failure. */
export function loginError(code: string, message: string): GatewayError {
  return new GatewayError(400, { message, severity: "FATAL", code, routine: "InitializeSessionUserId" });
}

/** The backend cannot be reached or dropped the connection: 400 with a connection-class SQLSTATE. */
export function connectionError(code: "08001" | "08006", message: string): GatewayError {
  return new GatewayError(400, { message: `Neon gateway: ${message}`, severity: "FATAL", code });
}

/** Something shaped like a Postgres ErrorResponse (pg's and PGlite's DatabaseError both are). */
interface PgLikeError {
  readonly message: string;
  readonly severity: string;
  readonly code: string;
}

export function isPgError(err: unknown): err is PgLikeError & Record<string, unknown> {
  if (typeof err !== "object" || err === null) return false;
  const e = err as Record<string, unknown>;
  return typeof e.message === "string" && typeof e.severity === "string" && typeof e.code === "string";
}

/** Copies the Postgres fields of a DatabaseError into an answer body. */
export function pgErrorBody(err: { readonly message: string }): PgErrorBody {
  const body: PgErrorBody = { message: err.message };
  const fields = err as unknown as Record<string, unknown>;
  for (const field of PG_ERROR_FIELDS) {
    const value = fields[field];
    if (typeof value === "string" && value !== "") body[field] = value;
    else if (typeof value === "number") body[field] = String(value);
  }
  return body;
}

/** A Postgres error becomes a 400 answer; anything else is returned as undefined (a bug: 500). */
export function asGatewayError(err: unknown): GatewayError | undefined {
  if (err instanceof GatewayError) return err;
  if (isPgError(err)) return new GatewayError(400, pgErrorBody(err));
  return undefined;
}
