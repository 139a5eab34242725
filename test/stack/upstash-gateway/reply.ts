/**
 * The gateway's backend-neutral view of a RESP2 reply. The backend produces it,
 * the HTTP layer turns it into Upstash's JSON. Bulk strings stay bytes (Buffer)
 * until the very end, so binary values survive and base64 is taken from raw bytes.
 * Status replies (`+OK`) arrive as bytes too, as ioredis' Buffer API gives them.
 */

/** An error reply; `message` is Redis' text including the code, e.g. `WRONGTYPE Operation…`. */
export class ErrorReply {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** Integers are bigint so 64-bit counters round-trip exactly; nil is null. */
export type Reply = null | bigint | Buffer | ErrorReply | readonly Reply[];
