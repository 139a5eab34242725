/**
 * The gateway's backend-neutral view of a RESP2 reply. Both backends produce it,
 * the HTTP layer turns it into Upstash's JSON. Bulk strings stay bytes (Buffer)
 * until the very end, so binary values survive and base64 is taken from raw bytes.
 */

/** A simple-string reply such as `+OK` or `+PONG`. */
export class StatusReply {
  readonly status: string;
  constructor(status: string) {
    this.status = status;
  }
}

/** An error reply; `message` is Redis' text including the code, e.g. `WRONGTYPE Operation…`. */
export class ErrorReply {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** Integers are bigint so 64-bit counters round-trip exactly; nil is null. */
export type Reply = null | bigint | Buffer | StatusReply | ErrorReply | readonly Reply[];

/** The `+OK` most writes answer. */
export const OK = new StatusReply("OK");

/** Redis' fixed error texts, shared by the embedded store and the Lua bridge. */
export const Errors = {
  wrongType: () => new ErrorReply("WRONGTYPE Operation against a key holding the wrong kind of value"),
  notInteger: () => new ErrorReply("ERR value is not an integer or out of range"),
  notFloat: () => new ErrorReply("ERR value is not a valid float"),
  syntax: () => new ErrorReply("ERR syntax error"),
  overflow: () => new ErrorReply("ERR increment or decrement would overflow"),
  noScript: () => new ErrorReply("NOSCRIPT No matching script. Please use EVAL."),
  arity: (name: string) => new ErrorReply(`ERR wrong number of arguments for '${name}' command`),
  unknownCommand: (name: string, args: readonly Buffer[]) => {
    // Same shape as Redis 7: each argument quoted, the list cut near 128 characters.
    let list = "";
    for (const arg of args) {
      if (list.length >= 128) break;
      list += `'${arg.toString("latin1").slice(0, 128 - list.length)}' `;
    }
    return new ErrorReply(`ERR unknown command '${name.slice(0, 128)}', with args beginning with: ${list}`);
  },
} as const;
