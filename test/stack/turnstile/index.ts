/**
 * Stand-in for Cloudflare Turnstile's siteverify API (`POST /turnstile/v0/siteverify`).
 * It reads the body as the real API does (form-urlencoded, JSON or multipart form),
 * honours the documented test secret keys, answers with the real JSON shapes (always
 * HTTP 200, except 400 for a body it cannot read) and keeps every request, secret
 * redacted, at GET /__rampart/requests so tests can check what the worker sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, type ListenOptions, type RoundTripStats, type StandIn } from "../types.ts";
import { MAX_RESPONSE_LENGTH, SITEVERIFY_PATH, TURNSTILE_TEST_SECRETS } from "./keys.ts";

export { MAX_RESPONSE_LENGTH, SITEVERIFY_PATH, TURNSTILE_DUMMY_TOKEN, TURNSTILE_TEST_SECRETS, TURNSTILE_TEST_SITEKEYS } from "./keys.ts";

/** One siteverify request as the stand-in received it, and what it answered. */
export interface SiteverifyRequest {
  readonly receivedAt: string;
  readonly contentType: string;
  /** The secret's first 2 characters only ("1x", "2x", …); absent when none was sent. */
  readonly secret?: string;
  readonly response?: string;
  readonly remoteip?: string;
  readonly idempotency_key?: string;
  /** HTTP status of the answer (200, or 400 for a body it could not read). */
  readonly status: number;
  readonly success: boolean;
  readonly errorCodes: readonly string[];
}

export interface TurnstileSiteverify extends StandIn {
  /** Every siteverify request since the last clear; also GET {url}/__rampart/requests. */
  requests(): readonly SiteverifyRequest[];
  /** Forgets the kept requests; also DELETE {url}/__rampart/requests. */
  clearRequests(): void;
}

type Fields = Partial<Record<(typeof FIELDS)[number], string>>;

const FIELDS = ["secret", "response", "remoteip", "idempotency_key"] as const;
const MAX_BODY = 64 * 1024;

/** Outcome of each test secret once the token itself is acceptable; [] means success. */
const TEST_SECRET_ERRORS: ReadonlyMap<string, readonly string[]> = new Map([
  [TURNSTILE_TEST_SECRETS.pass, []],
  [TURNSTILE_TEST_SECRETS.fail, ["invalid-input-response"]],
  [TURNSTILE_TEST_SECRETS.spent, ["timeout-or-duplicate"]],
]);

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The fields of a siteverify body, or undefined when it is not a body the real API reads. */
async function parseFields(contentType: string, body: Buffer): Promise<Fields | undefined> {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase();
  const fields: Fields = {};
  if (mediaType === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return undefined; // malformed JSON is the caller's 400 bad-request
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    const record = parsed as Record<string, unknown>;
    for (const name of FIELDS) {
      const value = record[name];
      if (typeof value === "string") fields[name] = value;
      else if (value !== undefined && value !== null) return undefined;
    }
    return fields;
  }
  if (mediaType === "application/x-www-form-urlencoded") {
    const params = new URLSearchParams(body.toString("utf8"));
    for (const name of FIELDS) {
      const value = params.get(name);
      if (value !== null) fields[name] = value;
    }
    return fields;
  }
  if (mediaType === "multipart/form-data") {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), { headers: { "content-type": contentType } }).formData();
    } catch {
      return undefined; // an unreadable multipart body is the caller's 400 bad-request
    }
    for (const name of FIELDS) {
      const value = form.get(name);
      if (typeof value === "string") fields[name] = value;
      else if (value !== null) return undefined;
    }
    return fields;
  }
  return undefined;
}

/** The error codes siteverify answers for these fields; [] means the token is valid. */
function verdict(fields: Fields): readonly string[] {
  if (!fields.secret) return ["missing-input-secret"];
  const outcome = TEST_SECRET_ERRORS.get(fields.secret);
  if (!outcome) return ["invalid-input-secret"];
  if (!fields.response) return ["missing-input-response"];
  if (fields.response.length > MAX_RESPONSE_LENGTH) return ["invalid-input-response"];
  return outcome;
}

/** Starts the siteverify stand-in. */
export async function startTurnstile(options: ListenOptions = {}): Promise<TurnstileSiteverify> {
  const requests: SiteverifyRequest[] = [];
  let httpRequests = 0;

  function keep(contentType: string, fields: Fields, status: number, errorCodes: readonly string[]): void {
    requests.push({
      receivedAt: new Date().toISOString(),
      contentType,
      ...(fields.secret !== undefined ? { secret: fields.secret.slice(0, 2) } : {}),
      ...(fields.response !== undefined ? { response: fields.response } : {}),
      ...(fields.remoteip !== undefined ? { remoteip: fields.remoteip } : {}),
      ...(fields.idempotency_key !== undefined ? { idempotency_key: fields.idempotency_key } : {}),
      status,
      success: errorCodes.length === 0,
      errorCodes,
    });
  }

  /** Status and JSON body of siteverify's answer to a request. */
  async function siteverify(req: IncomingMessage): Promise<[number, unknown]> {
    const contentType = req.headers["content-type"] ?? "";
    const body = await readBody(req);
    const fields = body && (await parseFields(contentType, body));
    if (!fields) {
      keep(contentType, {}, 400, ["bad-request"]);
      return [400, { success: false, "error-codes": ["bad-request"] }];
    }
    const errorCodes = verdict(fields);
    keep(contentType, fields, 200, errorCodes);
    if (errorCodes.length > 0) return [200, { success: false, "error-codes": errorCodes, messages: [] }];
    const success = {
      success: true,
      "error-codes": [],
      challenge_ts: new Date().toISOString(),
      hostname: "localhost",
      action: "",
      cdata: "",
      metadata: { interactive: false },
    };
    return [200, success];
  }

  /** Status and JSON body of the answer to any request. */
  async function handle(req: IncomingMessage): Promise<[number, unknown]> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === `${CONTROL_PREFIX}/requests`) {
      if (req.method === "DELETE") requests.length = 0;
      return [200, requests];
    }
    if (path === `${CONTROL_PREFIX}/stats`) return [200, { httpRequests, wsConnections: 0 }];
    if (path === `${CONTROL_PREFIX}/stats/reset` && req.method === "POST") {
      httpRequests = 0;
      return [200, { ok: true }];
    }
    httpRequests++;
    if (path !== SITEVERIFY_PATH) return [404, { success: false, "error-codes": ["not-found"] }];
    if (req.method !== "POST") return [405, { success: false, "error-codes": ["method-not-allowed"] }];
    return siteverify(req);
  }

  const server = createServer((req, res) => {
    handle(req).then(
      ([status, body]) => sendJson(res, status, body),
      // Only a broken connection gets here (reading the body failed); answer if still possible.
      () => (res.headersSent ? res.destroy() : sendJson(res, 400, { success: false, "error-codes": ["bad-request"] })),
    );
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    clearRequests: () => {
      requests.length = 0;
    },
    stats: (): RoundTripStats => ({ httpRequests, wsConnections: 0 }),
    resetStats: () => {
      httpRequests = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
