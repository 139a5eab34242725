/**
 * Local stand-in for Upstash Redis' REST API, in front of a real Redis
 * (`redisUrl`, via ioredis) or of an embedded in-memory store (ioredis-mock).
 * The worker and the SDKs cannot tell it from Upstash: same routes, token,
 * base64 encoding, error texts and status codes (see http.ts).
 *
 * @example
 * const gateway = await startUpstashGateway({ token: "t", redisUrl: process.env.REDIS_URL });
 * // UPSTASH_REDIS_REST_URL = gateway.url, UPSTASH_REDIS_REST_TOKEN = "t"
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ListenOptions, RoundTripStats, StandIn } from "../types.ts";
import type { Backend } from "./backend.ts";
import { openClient } from "./client.ts";
import { createClientBackend } from "./client-backend.ts";
import { createListener, setDown, type DownMode, type GatewayState } from "./http.ts";

/** Where to listen, which backend to front and the token clients must present. */
export interface UpstashGatewayOptions extends ListenOptions {
  /** A real Redis (redis://…); unset → the embedded store. */
  readonly redisUrl?: string;
  /** The bearer token clients must send (UPSTASH_REDIS_REST_TOKEN). */
  readonly token: string;
}

/** A running gateway: its URL, counters and outage switch. */
export interface UpstashGateway extends StandIn {
  readonly backend: "redis" | "embedded";
  /** Counts since the last reset; with `tag`, only requests sent to `<url>/tag/<tag>` (see http.ts). */
  stats(tag?: string): RoundTripStats;
  /** Zeroes the overall counts, or only those of `tag`. */
  resetStats(tag?: string): void;
  /** Simulates the backend being unreachable (later used for fail-open/fail-closed rate-limit tests): while down, commands get no answer until the client times out, or, with mode "error", an immediate 5xx. */
  setBackendDown(down: false | "hang" | "error"): void;
}

/** One backend code path over either client: real ioredis for `redisUrl`, else ioredis-mock (client.ts). */
async function openBackend(redisUrl: string | undefined): Promise<Backend> {
  return createClientBackend(await openClient(redisUrl));
}

/** Starts the gateway; resolves once it listens and its backend answers. */
export async function startUpstashGateway(options: UpstashGatewayOptions): Promise<UpstashGateway> {
  if (!options.token) throw new Error("startUpstashGateway: a non-empty token is required");
  const backend = await openBackend(options.redisUrl);
  const state: GatewayState = { backend, token: options.token, down: false, httpRequests: 0, tagged: new Map(), parked: new Set() };
  const server = createServer(createListener(state));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve);
    });
  } catch (err) {
    await backend.close();
    throw err;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address === "0.0.0.0" || address === "::" ? "127.0.0.1" : address.includes(":") ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    backend: backend.kind,
    stats: (tag?: string): RoundTripStats => ({
      httpRequests: tag === undefined ? state.httpRequests : (state.tagged.get(tag) ?? 0),
      wsConnections: 0,
    }),
    resetStats: (tag?: string) => {
      if (tag === undefined) state.httpRequests = 0;
      else state.tagged.delete(tag);
    },
    setBackendDown: (down: DownMode) => setDown(state, down),
    close: async () => {
      // Held requests are released first so nothing waits on a closed server.
      setDown(state, "error");
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.close();
    },
  };
}
