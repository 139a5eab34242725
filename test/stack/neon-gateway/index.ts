/**
 * The local Neon stand-in: one HTTP server that speaks Neon's two protocols, in front
 * of a real Postgres (`databaseUrl`) or embedded PGlite (persisted in `dataDir`, else
 * in memory from a cached snapshot).
 * - POST /sql: Neon's HTTP query protocol (`neon()`, `sql.transaction`, drizzle neon-http)
 * - WebSocket /v2: the Postgres wire protocol (`Pool`/`Client`, drizzle neon-serverless)
 * - GET /__rampart/stats, POST /__rampart/stats/reset: exact round-trip counts
 * - POST /__rampart/backend?tag=<tag> `{"down": false | "hang" | "error"}`: a simulated
 *   outage for the HTTP requests carrying that tag only ("hang": held unanswered, then
 *   dropped with the connection, never run; "error": 503 at once), so a test can cut
 *   its own app's database while other test files keep using the same gateway
 * See README.md next to this file for what is and is not emulated.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { PGlite } from "@electric-sql/pglite";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, type ListenOptions, type RoundTripStats, type StandIn } from "../types.ts";
import type { Backend } from "./backend.ts";
import { handleSql, sendJson } from "./http-endpoint.ts";
import { startPgliteBackend } from "./pglite-backend.ts";
import { startPostgresBackend } from "./postgres-backend.ts";
import { Counters } from "./stats.ts";

// Loaded through Node's require: when vitest's global setup imports this file, vite
// resolves bare "ws" with the "browser" condition (workerd project) and gets the stub
// that only throws. Node's own resolution picks the real server.
const { WebSocketServer } = createRequire(import.meta.url)("ws") as typeof import("ws");

export interface NeonGatewayOptions extends ListenOptions {
  /** A real Postgres (owner/superuser URL); its host:port is where logins go. Unset → PGlite. */
  readonly databaseUrl?: string;
  /** Where embedded PGlite keeps its data; unset → in memory. */
  readonly dataDir?: string;
  /** Runs once before the gateway serves (migrations): with the owner URL, or the open PGlite. */
  readonly prepare?: (target: PrepareTarget) => Promise<void>;
}

/** The database `prepare` gets: a real Postgres by its owner URL, or embedded PGlite itself. */
export type PrepareTarget = { readonly ownerUrl: string } | { readonly pglite: PGlite };

export interface NeonGateway extends StandIn {
  readonly backend: "postgres" | "pglite";
  /** http://127.0.0.1:P/sql — the app sets neonConfig.fetchEndpoint to this */
  readonly httpEndpoint: string;
  /** ws://127.0.0.1:P/v2 — the app derives neonConfig.wsProxy ("127.0.0.1:P/v2?address=host:port") and useSecureWebSocket=false from this URL */
  readonly wsProxy: string;
  /** the owner's (superuser's) connection string; the launcher derives the app role's from it */
  readonly connectionString: string;
  /**
   * Counts since the last reset. With `tag`, only the requests whose URL carried
   * `?tag=<tag>` (fetchEndpoint `…/sql?tag=x`, wsProxy `…/v2?address=…&tag=x`), so a
   * test can count its own round trips while other test files use the same gateway.
   */
  stats(tag?: string): RoundTripStats;
}

/** Starts the gateway; resolves once it listens. */
export async function startNeonGateway(options: NeonGatewayOptions): Promise<NeonGateway> {
  const { databaseUrl, prepare } = options;
  if (databaseUrl && prepare) await prepare({ ownerUrl: databaseUrl });
  const backend: Backend = databaseUrl
    ? startPostgresBackend(databaseUrl)
    : await startPgliteBackend(options.dataDir, prepare && ((pglite) => prepare({ pglite })));
  const counters = new Counters();
  const outages = new Map<string, "hang" | "error">();
  const held = new Map<string, Set<() => void>>();
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      console.error("[neon-gateway] request failed:", err);
      if (!res.headersSent) sendJson(res, 500, { message: "Neon gateway internal error" });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://gateway");
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      control(req.method ?? "GET", url, res);
      return;
    }
    const tag = url.searchParams.get("tag");
    counters.countHttp(tag);
    const outage = tag === null ? undefined : outages.get(tag);
    if (outage === "error") {
      sendJson(res, 503, { message: "Neon gateway: simulated outage" });
      return;
    }
    if (outage === "hang") {
      // Held like a database that stopped answering, until the client gives up or the outage
      // ends; either way the request is lost with the dead backend, never run late.
      const waiting = held.get(tag ?? "") ?? new Set<() => void>();
      held.set(tag ?? "", waiting);
      await new Promise<void>((resolve) => {
        const release = (): void => {
          waiting.delete(release);
          resolve();
        };
        waiting.add(release);
        res.once("close", release);
      });
      res.destroy();
      return;
    }
    if (url.pathname !== "/sql") sendJson(res, 404, { message: `Neon gateway: no route ${url.pathname} (POST /sql, WebSocket /v2)` });
    else if (req.method !== "POST") sendJson(res, 405, { message: "Neon gateway: /sql takes POST" });
    else await handleSql(req, res, backend);
  }

  function control(method: string, url: URL, res: ServerResponse): void {
    const path = url.pathname.slice(CONTROL_PREFIX.length);
    if (path === "/stats" && method === "GET") {
      sendJson(res, 200, counters.get(url.searchParams.get("tag")));
    } else if (path === "/stats/reset" && method === "POST") {
      counters.reset(url.searchParams.get("tag"));
      res.writeHead(204).end();
    } else if (path === "/backend" && method === "POST") {
      setOutage(url.searchParams.get("tag"), url.searchParams.get("down"), res);
    } else {
      sendJson(res, 404, { message: `Neon gateway: no control route ${method} ${url.pathname}` });
    }
  }

  /** Starts or ends a tag's simulated outage (`?down=hang|error|false`); requests held by it are released when it ends. */
  function setOutage(tag: string | null, down: string | null, res: ServerResponse): void {
    if (tag === null || (down !== "hang" && down !== "error" && down !== "false")) {
      sendJson(res, 400, { message: "Neon gateway: expected ?tag=<tag>&down=hang|error|false" });
      return;
    }
    if (down === "false") {
      outages.delete(tag);
      for (const release of [...(held.get(tag) ?? [])]) release();
    } else {
      outages.set(tag, down);
    }
    sendJson(res, 200, { tag, down });
  }

  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://gateway");
    if (url.pathname !== "/v2") {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    // The `address` parameter names the database host; it is ignored, so the gateway cannot be used as an open proxy.
    wss.handleUpgrade(req, socket, head, (ws) => {
      counters.countWs(url.searchParams.get("tag"));
      backend.attachWebSocket(ws);
    });
  });
  server.on("clientError", (err, socket) => {
    console.warn(`[neon-gateway] bad HTTP from a client: ${err.message}`);
    socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    await backend.close();
    throw err;
  }

  const { address, port } = server.address() as AddressInfo;
  const host = address === "0.0.0.0" || address === "::" ? "127.0.0.1" : address.includes(":") ? `[${address}]` : address;
  let closing: Promise<void> | undefined;

  return {
    backend: backend.kind,
    url: `http://${host}:${port}`,
    httpEndpoint: `http://${host}:${port}/sql`,
    wsProxy: `ws://${host}:${port}/v2`,
    connectionString: backend.connectionString,
    stats: (tag?: string) => counters.get(tag ?? null),
    resetStats: () => {
      counters.reset(null);
    },
    close: () => {
      closing ??= (async () => {
        outages.clear();
        for (const release of [...held.values()].flatMap((waiting) => [...waiting])) release();
        for (const ws of wss.clients) ws.terminate();
        server.closeAllConnections();
        await new Promise<void>((resolve, reject) => {
          server.close((err) => {
            if (err) reject(err);
            else resolve();
          });
        });
        await backend.close();
      })();
      return closing;
    },
  };
}
