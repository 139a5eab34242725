/**
 * Stand-in for Have I Been Pwned's Pwned Passwords range API (k-anonymity):
 * `GET /range/{first 5 hex of SHA-1}` answers `SUFFIX:COUNT` lines joined by CRLF,
 * padded with count-0 lines when asked with `Add-Padding: true`, as
 * api.pwnedpasswords.com does. Its data is a common-password list plus fixed test
 * passwords (./data.ts). A down switch makes range requests hang unanswered, so the
 * worker's timeout and bundled-list fallback can be tested without the network.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomInt } from "node:crypto";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, type ListenOptions, type RoundTripStats, type StandIn } from "../types.ts";
import { loadBreachTable, padEntries, rangeEntries } from "./data.ts";

export { breachCount, countForRank, isBreached, sha1Hex } from "./data.ts";
export { BREACHED_TEST_PASSWORD_COUNT, BREACHED_TEST_PASSWORDS } from "./test-passwords.ts";

/** What the down switch holds: every range request, or only those for some prefixes. */
export interface HibpDownState {
  readonly all: boolean;
  /** Prefixes (uppercase) held even when `all` is false. */
  readonly prefixes: readonly string[];
  /** Range requests waiting for the switch to be released. */
  readonly held: number;
}

export interface HibpRange extends StandIn {
  /**
   * Down (`true`): range requests hang without an answer; up (`false`): held requests
   * are answered and new ones are served. With `prefixes`, only those prefixes change;
   * `setDown(false)` without prefixes releases everything. Also POST /__rampart/down.
   */
  setDown(down: boolean, prefixes?: readonly string[]): void;
  downState(): HibpDownState;
}

/** The real API's answer to a prefix that is not 5 hex digits (status 400). */
export const BAD_PREFIX_MESSAGE = "The hash prefix was not in a valid format";
/** A padded answer has between these many lines (inclusive), real ones included. */
export const PADDED_LINES = { min: 800, max: 1000 } as const;

const PREFIX = /^[0-9A-Fa-f]{5}$/;
const RANGE = "/range/";
const MAX_CONTROL_BODY = 64 * 1024;

function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "text/plain", ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_CONTROL_BODY) throw new Error("body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** `{ down: boolean, prefixes?: string[] }` from a control request, or a reason it is not one. */
function parseDown(text: string): { down: boolean; prefixes?: string[] } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return "body must be JSON"; // the caller answers 400 with this reason
  }
  if (typeof body !== "object" || body === null) return "body must be an object";
  const { down, prefixes } = body as { down?: unknown; prefixes?: unknown };
  if (typeof down !== "boolean") return "`down` must be true or false";
  if (prefixes === undefined) return { down };
  if (!Array.isArray(prefixes) || !prefixes.every((p): p is string => typeof p === "string" && PREFIX.test(p))) {
    return "`prefixes` must be a list of 5-hex-digit prefixes";
  }
  return { down, prefixes: prefixes.map((p) => p.toUpperCase()) };
}

/** Starts the range API stand-in; its data is built before it listens. */
export async function startHibpRange(options: ListenOptions = {}): Promise<HibpRange> {
  loadBreachTable();
  let httpRequests = 0;
  let downAll = false;
  const downPrefixes = new Set<string>();
  const held = new Set<{ readonly prefix: string; readonly answer: () => void }>();

  const isDown = (prefix: string): boolean => downAll || downPrefixes.has(prefix);

  function setDown(down: boolean, prefixes?: readonly string[]): void {
    const list = prefixes?.map((p) => p.toUpperCase());
    if (down) {
      if (list) for (const p of list) downPrefixes.add(p);
      else downAll = true;
    } else if (list) {
      for (const p of list) downPrefixes.delete(p);
    } else {
      downAll = false;
      downPrefixes.clear();
    }
    for (const entry of [...held]) {
      if (isDown(entry.prefix)) continue;
      held.delete(entry);
      entry.answer();
    }
  }

  const downState = (): HibpDownState => ({ all: downAll, prefixes: [...downPrefixes], held: held.size });

  function answerRange(req: IncomingMessage, res: ServerResponse, prefix: string): void {
    if (res.destroyed) return;
    const real = rangeEntries(prefix);
    const header = req.headers["add-padding"];
    const padding = (Array.isArray(header) ? header.join(",") : header)?.trim().toLowerCase() === "true";
    const lines = padding ? padEntries(real, randomInt(PADDED_LINES.min, PADDED_LINES.max + 1)) : real;
    sendText(res, 200, lines.map((e) => `${e.suffix}:${e.count}`).join("\r\n"), {
      "cache-control": "public, max-age=2678400",
    });
  }

  /** A control route's answer: status and JSON body. */
  async function control(req: IncomingMessage, path: string): Promise<[number, unknown]> {
    if (path === `${CONTROL_PREFIX}/stats`) return [200, { httpRequests, wsConnections: 0 }];
    if (path === `${CONTROL_PREFIX}/stats/reset` && req.method === "POST") {
      httpRequests = 0;
      return [200, { ok: true }];
    }
    if (path === `${CONTROL_PREFIX}/down` && req.method === "GET") return [200, downState()];
    if (path === `${CONTROL_PREFIX}/down` && req.method === "POST") {
      const parsed = parseDown(await readBody(req));
      if (typeof parsed === "string") return [400, { error: parsed }];
      setDown(parsed.down, parsed.prefixes);
      return [200, downState()];
    }
    return [404, { error: "no such control route" }];
  }

  /** Serves the range API, or holds the request while its prefix is down. */
  function serveRange(req: IncomingMessage, res: ServerResponse, path: string): void {
    httpRequests++;
    const segment = path.startsWith(RANGE) ? path.slice(RANGE.length) : undefined;
    if (segment === undefined || segment.includes("/")) {
      sendText(res, 404, "Not found");
    } else if (req.method !== "GET" && req.method !== "HEAD") {
      sendText(res, 405, "Method not allowed", { allow: "GET" });
    } else if (!PREFIX.test(segment)) {
      sendText(res, 400, BAD_PREFIX_MESSAGE);
    } else {
      const prefix = segment.toUpperCase();
      if (!isDown(prefix)) return answerRange(req, res, prefix);
      const entry = { prefix, answer: () => answerRange(req, res, prefix) };
      held.add(entry);
      res.on("close", () => held.delete(entry));
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (!path.startsWith(`${CONTROL_PREFIX}/`)) return serveRange(req, res, path);
    control(req, path).then(
      ([status, body]) => sendJson(res, status, body),
      (err: unknown) => sendJson(res, 400, { error: err instanceof Error ? err.message : "bad request" }),
    );
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: (): RoundTripStats => ({ httpRequests, wsConnections: 0 }),
    resetStats: () => {
      httpRequests = 0;
    },
    setDown,
    downState,
    close: () =>
      new Promise<void>((resolve) => {
        // Held requests are dropped with their connections, not answered.
        held.clear();
        downAll = false;
        downPrefixes.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
