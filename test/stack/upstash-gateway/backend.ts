/** What the HTTP layer needs from a backend, real Redis or the embedded store (both in client-backend.ts). */
import type { Command } from "./encoding.ts";
import type { ErrorReply, Reply } from "./reply.ts";

/** A Redis to run commands on: real (ioredis) or embedded (ioredis-mock). */
export interface Backend {
  readonly kind: "redis" | "embedded";
  /**
   * Runs one command. Redis error replies come back as `ErrorReply` values; a
   * rejected promise means the backend itself failed (connection lost, bug).
   */
  command(command: Command): Promise<Reply>;
  /** Runs the commands in order, not atomically; one reply per command. */
  pipeline(commands: readonly Command[]): Promise<Reply[]>;
  /**
   * MULTI … EXEC: one reply per command, run with nothing interleaved. A command
   * refused while queueing (unknown, wrong arity) discards the whole transaction:
   * then the result is that single error, as Upstash answers `{error}`.
   */
  transaction(commands: readonly Command[]): Promise<Reply[] | ErrorReply>;
  close(): Promise<void>;
}

/** Lower-case command name, as the gateway's command sets are keyed. */
export const commandName = (command: Command): string => (command[0] ?? Buffer.alloc(0)).toString("latin1").toLowerCase();
