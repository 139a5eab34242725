/**
 * The embedded backend: an in-memory Redis (embedded/keyspace.ts + the command
 * table) with a Lua VM for scripts. Every command, pipeline entry and whole
 * transaction runs synchronously, so transactions and scripts are atomic.
 */
import type { Backend } from "../backend.ts";
import type { Command } from "../encoding.ts";
import type { Reply } from "../reply.ts";
import { execute, resolve, type Caller } from "./dispatch.ts";
import { Keyspace } from "./keyspace.ts";
import { LuaScripting } from "./scripting.ts";
import { isErr, type Context } from "./spec.ts";

/** How often expired keys are swept; lazy expiry covers reads in between. */
const SWEEP_INTERVAL_MS = 5_000;

/** Test hooks of the embedded store. */
export interface EmbeddedOptions {
  /** Epoch-ms clock for expiries and TIME; defaults to a monotonic clock. */
  readonly now?: () => number;
}

/** Runs synchronous `work` for a promise-returning Backend method: a throw becomes a rejection, as `async` would make it. */
const settle = <T>(work: () => T): Promise<T> =>
  new Promise((done) => {
    done(work());
  });

/** A fresh, empty embedded store. */
export function createEmbeddedBackend(options: EmbeddedOptions = {}): Backend {
  const keyspace = new Keyspace(options.now);
  const run = (command: Command, caller: Caller): Reply => execute(context, command, caller);
  const context: Context = { keyspace, scripting: new LuaScripting(run) };
  const sweeper = setInterval(() => keyspace.sweep(), SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    kind: "embedded",
    command: (command) => settle(() => run(command, "client")),
    pipeline: (commands) => settle(() => commands.map((command) => run(command, "client"))),
    transaction: (commands) =>
      settle(() => {
        // Like MULTI: a command refused while queueing discards the transaction.
        for (const command of commands) {
          const spec = resolve(command, "client");
          if (isErr(spec)) return spec;
        }
        return commands.map((command) => run(command, "client"));
      }),
    close: () => settle(() => clearInterval(sweeper)),
  };
}
