/** What the HTTP and WebSocket endpoints need from a database behind the gateway. */
import type { WebSocket } from "ws";
import type { SqlRequest } from "./request.ts";
import type { QueryResult } from "./result.ts";

export interface Backend {
  readonly kind: "postgres" | "pglite";
  /** The DATABASE_URL the worker uses by default (owner/superuser). */
  readonly connectionString: string;
  /**
   * Runs one POST /sql request: a single query, or a batch in ONE transaction.
   * Rejects with a GatewayError (answered as 400) for Postgres errors and refused logins.
   */
  runSql(request: SqlRequest): Promise<QueryResult | QueryResult[]>;
  /** Takes over an accepted /v2 WebSocket that carries the Postgres wire protocol. */
  attachWebSocket(ws: WebSocket): void;
  close(): Promise<void>;
}

/** A ws message as a Buffer whatever `binaryType` delivered. */
export function messageBytes(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
