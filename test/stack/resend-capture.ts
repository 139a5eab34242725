/**
 * Stand-in for Resend's send API (`POST /emails`). It checks the bearer key,
 * validates the fields Resend requires, answers `{ id }` as Resend does and keeps
 * every message so tests can read them (GET /__rampart/messages) and `npm run dev`
 * can print the links they carry.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, type ListenOptions, type RoundTripStats, type StandIn } from "./types.ts";

export interface CapturedEmail {
  readonly id: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
  readonly receivedAt: string;
}

export interface ResendCapture extends StandIn {
  messages(): readonly CapturedEmail[];
}

export interface ResendCaptureOptions extends ListenOptions {
  readonly apiKey: string;
  readonly onMessage?: (message: CapturedEmail) => void;
}

const MAX_BODY = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Resend's error shape: `{ statusCode, name, message }`. */
function fail(res: ServerResponse, status: number, name: string, message: string): void {
  send(res, status, { statusCode: status, name, message });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const asList = (v: unknown): string[] | undefined =>
  typeof v === "string" ? [v] : Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined;

export async function startResendCapture(options: ResendCaptureOptions): Promise<ResendCapture> {
  const messages: CapturedEmail[] = [];
  let httpRequests = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      fail(res, 400, "validation_error", err instanceof Error ? err.message : "bad request");
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === `${CONTROL_PREFIX}/messages`) {
      if (req.method === "DELETE") messages.length = 0;
      send(res, 200, messages);
      return;
    }
    if (path === `${CONTROL_PREFIX}/stats`) {
      send(res, 200, { httpRequests, wsConnections: 0 });
      return;
    }
    if (path === `${CONTROL_PREFIX}/stats/reset`) {
      httpRequests = 0;
      send(res, 200, { ok: true });
      return;
    }
    httpRequests++;
    if (req.method !== "POST" || path !== "/emails") {
      fail(res, 404, "not_found", "Route not found");
      return;
    }
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      fail(res, 401, req.headers.authorization ? "invalid_api_key" : "missing_api_key", "API key is invalid");
      return;
    }
    const body = (await readJson(req)) as Record<string, unknown>;
    const to = asList(body.to);
    if (typeof body.from !== "string" || !to || to.length === 0 || typeof body.subject !== "string") {
      fail(res, 422, "validation_error", "`from`, `to` and `subject` are required");
      return;
    }
    if (typeof body.html !== "string" && typeof body.text !== "string") {
      fail(res, 422, "validation_error", "`html` or `text` is required");
      return;
    }
    const message: CapturedEmail = {
      id: randomUUID(),
      from: body.from,
      to,
      subject: body.subject,
      ...(typeof body.html === "string" ? { html: body.html } : {}),
      ...(typeof body.text === "string" ? { text: body.text } : {}),
      receivedAt: new Date().toISOString(),
    };
    messages.push(message);
    options.onMessage?.(message);
    send(res, 200, { id: message.id });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages: () => messages,
    stats: (): RoundTripStats => ({ httpRequests, wsConnections: 0 }),
    resetStats: () => void (httpRequests = 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
