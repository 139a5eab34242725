/**
 * POST /sql: reads the body, validates the request, runs it on the backend and
 * answers as Neon does: 200 with a result (or `{results}` for a batch), 400 with the
 * Postgres error fields, 400 with a clear message for a malformed request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Backend } from "./backend.ts";
import { asGatewayError, GatewayError } from "./errors.ts";
import { parseSqlRequest } from "./request.ts";

/** Neon's own limit on a request body is about 10 MB. */
const MAX_BODY = 10 * 1024 * 1024;

/** Sends a JSON answer (also used for control routes and errors). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so the client gets the 413 instead of a reset connection.
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > MAX_BODY)
        reject(new GatewayError(413, { message: `Neon gateway: request body of ${size} bytes is larger than ${MAX_BODY}` }));
      else resolve(Buffer.concat(chunks).toString("utf8"));
    });
    req.on("error", reject);
  });
}

/** Handles one POST /sql; never throws (every failure becomes an answer). */
export async function handleSql(req: IncomingMessage, res: ServerResponse, backend: Backend): Promise<void> {
  try {
    const request = parseSqlRequest(req.headers, await readBody(req));
    const result = await backend.runSql(request);
    sendJson(res, 200, request.batch ? { results: result } : result);
  } catch (err) {
    const answer = asGatewayError(err);
    if (!answer) console.error("[neon-gateway] unexpected failure in POST /sql:", err);
    if (res.headersSent || res.destroyed) return;
    if (answer) sendJson(res, answer.status, answer.body);
    else sendJson(res, 500, { message: `Neon gateway internal error: ${err instanceof Error ? err.message : String(err)}` });
  }
}
