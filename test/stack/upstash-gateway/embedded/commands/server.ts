/** Connection/server commands and the scripting entry points (EVAL*, SCRIPT). */
import { ErrorReply, OK, StatusReply, type Reply } from "../../reply.ts";
import { EMPTY, word, type CommandTable, type Flag } from "../spec.ts";

/** Scripting commands cannot be nested inside a script. */
const SCRIPT_ENTRY: readonly Flag[] = ["noscript"];

/** Server and scripting commands by name. */
export const serverCommands: CommandTable = {
  ping: {
    arity: -1,
    run: (args) => {
      if (args.length > 1) return new ErrorReply("ERR wrong number of arguments for 'ping' command");
      return args[0] ?? new StatusReply("PONG");
    },
  },
  echo: { arity: 2, run: ([message = EMPTY]) => message },
  time: {
    arity: 1,
    run: (_args, { keyspace }) => {
      const micros = BigInt(keyspace.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
      return [Buffer.from(String(micros / 1_000_000n)), Buffer.from(String(micros % 1_000_000n))];
    },
  },
  eval: { arity: -3, flags: SCRIPT_ENTRY, run: ([script = EMPTY, ...rest], { scripting }) => scripting.eval(script, rest, false) },
  eval_ro: { arity: -3, flags: SCRIPT_ENTRY, run: ([script = EMPTY, ...rest], { scripting }) => scripting.eval(script, rest, true) },
  evalsha: { arity: -3, flags: SCRIPT_ENTRY, run: ([sha = EMPTY, ...rest], { scripting }) => scripting.evalsha(sha, rest, false) },
  evalsha_ro: { arity: -3, flags: SCRIPT_ENTRY, run: ([sha = EMPTY, ...rest], { scripting }) => scripting.evalsha(sha, rest, true) },
  script: {
    arity: -2,
    flags: SCRIPT_ENTRY,
    run: ([sub, ...rest], { scripting }): Reply => {
      const name = word(sub);
      if (name === "LOAD" && rest.length === 1) return scripting.load(rest[0] ?? EMPTY);
      if (name === "EXISTS" && rest.length >= 1) return scripting.exists(rest);
      if (name === "FLUSH" && rest.length <= 1 && ["", "ASYNC", "SYNC"].includes(word(rest[0]))) {
        scripting.flush();
        return OK;
      }
      if (["LOAD", "EXISTS", "FLUSH"].includes(name)) {
        return new ErrorReply(`ERR unknown subcommand or wrong number of arguments for '${name.toLowerCase()}'. Try SCRIPT HELP.`);
      }
      return new ErrorReply(`ERR unknown subcommand '${(sub ?? EMPTY).toString("latin1")}'. Try SCRIPT HELP.`);
    },
  },
};
