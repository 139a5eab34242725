/**
 * Upstash's REST protocol over node:http, as `@upstash/redis` speaks it:
 * `POST /` (one command), `POST /pipeline`, `POST /multi-exec`, bearer token,
 * `Upstash-Encoding: base64`. Status codes follow Upstash: 200 with `{result}`,
 * 400 with `{error}` for a failed command or bad request, 401 for a bad token;
 * pipelines answer 200 with per-command `{result}|{error}`, a transaction that
 * was discarded as a whole answers 400 with one `{error}`.
 *
 * Control routes under /__rampart are not counted and need no token.
 *
 * Counting is per HTTP request. A base URL of `<url>/tag/<tag>` (the SDK appends
 * `/pipeline` and `/multi-exec` to it) also counts the request under `<tag>`, so a
 * test can measure its own round trips while other test files share the gateway:
 * `GET /__rampart/stats?tag=<tag>`, `POST /__rampart/stats/reset?tag=<tag>`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CONTROL_PREFIX } from "../types.ts";
import type { Backend } from "./backend.ts";
import { envelope, errorEnvelope, parseCommand, parseCommandList, parseJson } from "./encoding.ts";
import { ErrorReply } from "./reply.ts";

/** The simulated outage: none, requests held, or immediate 503. */
export type DownMode = false | "hang" | "error";

/** Mutable gateway state shared by the server and the control methods. */
export interface GatewayState {
  readonly backend: Backend;
  readonly token: string;
  down: DownMode;
  httpRequests: number;
  /** Counts of requests that came through `/tag/<tag>`. */
  readonly tagged: Map<string, number>;
  /** Wake-up calls of requests held while the backend "hangs". */
  readonly parked: Set<() => void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const WORK_ROUTES = new Set(["/", "/pipeline", "/multi-exec"]);
const TAGGED_PATH = /^\/tag\/([^/]+)(\/.*)?$/;

function send(res: ServerResponse, status: number, body: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json" });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function authorized(req: IncomingMessage, url: URL, token: string): boolean {
  const header = req.headers.authorization ?? "";
  // Upstash also accepts the token as `?_token=`.
  return header === `Bearer ${token}` || url.searchParams.get("_token") === token;
}

/** Holds a request while the backend "hangs"; false if the client went away meanwhile. */
async function waitWhileHanging(state: GatewayState, res: ServerResponse): Promise<boolean> {
  while (state.down === "hang") {
    if (res.destroyed) return false;
    await new Promise<void>((resolve) => {
      state.parked.add(resolve);
      res.once("close", resolve);
    });
  }
  return !res.destroyed;
}

async function control(state: GatewayState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const route = `${req.method ?? "GET"} ${path.slice(CONTROL_PREFIX.length)}`;
  const tag = new URL(req.url ?? "/", "http://gateway").searchParams.get("tag");
  if (route === "GET /stats") {
    const httpRequests = tag === null ? state.httpRequests : (state.tagged.get(tag) ?? 0);
    send(res, 200, JSON.stringify({ httpRequests, wsConnections: 0 }));
    return;
  }
  if (route === "POST /stats/reset") {
    if (tag === null) state.httpRequests = 0;
    else state.tagged.delete(tag);
    send(res, 200, JSON.stringify({ ok: true }));
    return;
  }
  if (route === "POST /backend") {
    const body = parseJson((await readBody(req)) ?? "");
    const down = body.ok ? (body.value as { down?: unknown } | null)?.down : undefined;
    if (down !== false && down !== "hang" && down !== "error") {
      send(res, 400, errorEnvelope('expected {"down": false | "hang" | "error"}'));
      return;
    }
    setDown(state, down);
    send(res, 200, JSON.stringify({ down }));
    return;
  }
  send(res, 404, errorEnvelope(`unknown control route: ${route}`));
}

/** Switches the simulated outage; held requests re-check the new mode. */
export function setDown(state: GatewayState, down: DownMode): void {
  state.down = down;
  if (down === "hang") return;
  for (const wake of state.parked) wake();
  state.parked.clear();
}

async function work(state: GatewayState, req: IncomingMessage, res: ServerResponse, path: string, tag: string | null): Promise<void> {
  const base64 = (req.headers["upstash-encoding"] ?? "").toString().toLowerCase() === "base64";
  const text = await readBody(req);
  state.httpRequests++;
  if (tag !== null) state.tagged.set(tag, (state.tagged.get(tag) ?? 0) + 1);
  if (text === null) {
    send(res, 413, errorEnvelope("ERR request body too large"));
    return;
  }
  if (!(await waitWhileHanging(state, res))) return;
  if (state.down === "error") {
    send(res, 503, errorEnvelope("ERR backend unavailable (simulated outage of the Rampart Upstash gateway)"));
    return;
  }
  const json = parseJson(text);
  if (!json.ok) {
    send(res, 400, errorEnvelope(json.error));
    return;
  }
  if (path === "/") {
    const command = parseCommand(json.value);
    if (!command.ok) {
      send(res, 400, errorEnvelope(command.error));
      return;
    }
    const reply = await state.backend.command(command.value);
    send(res, reply instanceof ErrorReply ? 400 : 200, envelope(reply, base64));
    return;
  }
  const commands = parseCommandList(json.value);
  if (!commands.ok) {
    send(res, 400, errorEnvelope(commands.error));
    return;
  }
  const replies = path === "/pipeline" ? await state.backend.pipeline(commands.value) : await state.backend.transaction(commands.value);
  if (replies instanceof ErrorReply) {
    send(res, 400, errorEnvelope(replies.message));
    return;
  }
  send(res, 200, `[${replies.map((reply) => envelope(reply, base64)).join(",")}]`);
}

/** The request listener of the gateway's node:http server. */
export function createListener(state: GatewayState): (req: IncomingMessage, res: ServerResponse) => void {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://gateway");
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) return control(state, req, res, url.pathname);
    const tagged = TAGGED_PATH.exec(url.pathname);
    // Tags are plain ids (letters, digits, '-', '_'); taken verbatim, so nothing here can fail to decode.
    const tag = tagged?.[1] ?? null;
    const path = tagged ? (tagged[2] ?? "/") : url.pathname;
    if (!authorized(req, url, state.token)) {
      send(res, 401, errorEnvelope("WRONGPASS invalid or missing auth token"));
      return;
    }
    if (!WORK_ROUTES.has(path)) {
      send(res, 404, errorEnvelope(`ERR unsupported path ${path}: only POST /, /pipeline and /multi-exec are emulated`));
      return;
    }
    if (req.method !== "POST") {
      send(res, 405, errorEnvelope(`ERR method ${req.method ?? ""} not allowed, use POST`));
      return;
    }
    return work(state, req, res, path, tag);
  }
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A backend failure (lost Redis connection, bug) answers 500 and is logged; the gateway stays up.
      console.error(`[upstash-gateway] ${req.method ?? ""} ${req.url ?? ""} failed`, err);
      send(res, 500, errorEnvelope(`ERR gateway failure: ${err instanceof Error ? err.message : String(err)}`));
    });
  };
}
