/**
 * The one client shape both backends run on: the part of ioredis' API the gateway
 * uses (`callBuffer`, `pipeline`, `multi`, `quit`). A real Redis gets a real ioredis
 * client; the embedded store is ioredis-mock behind an adapter (mock/client.ts)
 * offering the same calls. client-backend.ts turns either into the gateway's Backend.
 */
import { createRequire } from "node:module";
import type * as IORedis from "ioredis";
import { rewriteForRedis, stripShebang } from "./scripts.ts";

/**
 * ioredis is CommonJS with `module.exports` replaced by the client class; vitest's
 * module runner (global setup) does not see its named exports, so it is required.
 */
const { Redis } = createRequire(import.meta.url)("ioredis") as typeof IORedis;

/** Commands queued by `pipeline()` / `multi()`, sent by `exec()` (ioredis' ChainableCommander). */
export interface CommandBatch {
  readonly length: number;
  callBuffer(command: string, ...args: Buffer[]): unknown;
  /**
   * One `[error, result]` per command. For `multi()`, a command refused while queueing
   * rejects with an `EXECABORT …` error whose `previousErrors` holds the refusal.
   */
  exec(): Promise<[Error | null, unknown][] | null>;
}

/**
 * A client as ioredis is one: bulk strings come back as Buffers, integers as digit
 * strings or numbers, Redis error replies reject with errors named "ReplyError".
 */
export interface CommandClient {
  callBuffer(command: string, ...args: Buffer[]): Promise<unknown>;
  pipeline(): CommandBatch;
  multi(): CommandBatch;
  quit(): Promise<unknown>;
}

/** A connected client, which backend it is, and how scripts must be rewritten for it (see scripts.ts). */
export interface OpenedClient {
  readonly kind: "redis" | "embedded";
  readonly client: CommandClient;
  readonly rewriteScript: (script: Buffer) => Buffer;
}

/** Real ioredis for `redisUrl` (resolves once Redis answers PING), else ioredis-mock. */
export async function openClient(redisUrl: string | undefined): Promise<OpenedClient> {
  if (redisUrl) return { kind: "redis", client: await connectRedis(redisUrl), rewriteScript: rewriteForRedis };
  // Imported on demand: the mock configures and hooks its Lua VM, which a Redis-backed gateway never needs.
  const { createMockClient } = await import("./mock/client.ts");
  return { kind: "embedded", client: createMockClient(), rewriteScript: stripShebang };
}

async function connectRedis(url: string): Promise<CommandClient> {
  const client = new Redis(url, {
    // ioredis 5 speaks RESP2 only, the shape Upstash answers in (RESP3 maps and doubles would need flattening).
    stringNumbers: true,
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let lastError = "";
  client.on("error", (err: Error) => {
    // ioredis reconnects by itself; log each distinct failure once instead of every retry.
    if (err.message !== lastError) console.warn(`[upstash-gateway] redis ${url}: ${err.message}`);
    lastError = err.message;
  });
  await client.connect();
  await client.ping();
  return client;
}
