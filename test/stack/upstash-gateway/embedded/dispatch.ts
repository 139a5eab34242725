/**
 * The embedded command table and its dispatcher. Clients and Lua scripts share
 * the table; only the texts of arity / unknown-command errors differ, as in Redis.
 */
import { commandName } from "../backend.ts";
import type { Command } from "../encoding.ts";
import { ErrorReply, Errors, type Reply } from "../reply.ts";
import { hashCommands } from "./commands/hashes.ts";
import { keyCommands } from "./commands/keys.ts";
import { listCommands } from "./commands/lists.ts";
import { serverCommands } from "./commands/server.ts";
import { setCommands } from "./commands/sets.ts";
import { stringCommands } from "./commands/strings.ts";
import { zsetCommands } from "./commands/zsets.ts";
import { zunionCommands } from "./commands/zunion.ts";
import type { CommandSpec, CommandTable, Context } from "./spec.ts";

/** Every command the embedded store knows, keyed by lower-case name. */
export const COMMANDS: CommandTable = {
  ...stringCommands,
  ...keyCommands,
  ...hashCommands,
  ...setCommands,
  ...zsetCommands,
  ...zunionCommands,
  ...listCommands,
  ...serverCommands,
};

/** Who is calling: a client, a script, or a read-only script (EVAL_RO, `no-writes`). */
export type Caller = "client" | "script" | "script-ro";

const arityOk = (spec: CommandSpec, argc: number): boolean => (spec.arity >= 0 ? argc === spec.arity : argc >= -spec.arity);

/**
 * Finds the command and checks what Redis checks before running it (MULTI
 * queues only commands that pass this). Returns the spec or the error reply.
 */
export function resolve(command: Command, caller: Caller): CommandSpec | ErrorReply {
  const name = commandName(command);
  const spec = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const fromScript = caller !== "client";
  if (!spec) {
    // Redis echoes the name as the client spelled it.
    const spelled = (command[0] ?? Buffer.alloc(0)).toString("latin1");
    return fromScript ? new ErrorReply("ERR Unknown Redis command called from script") : Errors.unknownCommand(spelled, command.slice(1));
  }
  if (!arityOk(spec, command.length))
    return fromScript ? new ErrorReply("ERR Wrong number of args calling Redis command from script") : Errors.arity(name);
  if (fromScript && spec.flags?.includes("noscript")) return new ErrorReply("ERR This Redis command is not allowed from script");
  if (caller === "script-ro" && spec.flags?.includes("write"))
    return new ErrorReply("ERR Write commands are not allowed from read-only scripts.");
  return spec;
}

/** Runs one command synchronously; nothing else can interleave. */
export function execute(ctx: Context, command: Command, caller: Caller): Reply {
  const spec = resolve(command, caller);
  if (spec instanceof ErrorReply) return spec;
  try {
    return spec.run(command.slice(1), ctx);
  } catch (err) {
    // A bug in a command must not take the gateway down; it surfaces as an error reply and in the log.
    console.error(`[upstash-gateway] embedded ${commandName(command)} failed`, err);
    return new ErrorReply(`ERR internal error in the embedded store: ${err instanceof Error ? err.message : String(err)}`);
  }
}
