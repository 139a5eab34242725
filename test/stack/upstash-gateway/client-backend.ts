/**
 * The gateway's Backend over an ioredis-shaped client (client.ts): real ioredis in
 * front of Redis, or ioredis-mock behind its adapter for the embedded store. Commands
 * go through the Buffer API so bulk strings stay raw bytes; pipelines and MULTI/EXEC
 * are the client's own. Scripts are rewritten for the backend on the way in
 * (scripts.ts) while the SDK keeps seeing the sha of the script it sent.
 */
import { commandName, type Backend } from "./backend.ts";
import type { OpenedClient } from "./client.ts";
import type { Command } from "./encoding.ts";
import { ErrorReply, type Reply } from "./reply.ts";
import { sha1hex } from "./scripts.ts";

/**
 * Commands that would change the state of the one shared connection (or never
 * return on it); Upstash's REST API does not offer them either.
 */
const REFUSED = new Set([
  "multi",
  "exec",
  "discard",
  "watch",
  "unwatch",
  "select",
  "swapdb",
  "auth",
  "hello",
  "reset",
  "quit",
  "client",
  "monitor",
  "subscribe",
  "psubscribe",
  "ssubscribe",
  "unsubscribe",
  "punsubscribe",
  "sunsubscribe",
  "sync",
  "psync",
  "replicaof",
  "slaveof",
  "shutdown",
  "debug",
]);

/** A command ready for the client, plus how to translate its reply back. */
interface Prepared {
  readonly name: string;
  readonly args: Buffer[];
  readonly after: (reply: Reply) => Reply;
}

/** Client value → Reply. Integers arrive as digit strings (ioredis' `stringNumbers`) or numbers, bulk strings as Buffers. */
function toReply(value: unknown): Reply {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return /^-?\d+$/.test(value) ? BigInt(value) : Buffer.from(value, "utf8");
  if (typeof value === "number") return BigInt(Math.trunc(value));
  if (Array.isArray(value)) return value.map(toReply);
  if (isReplyError(value)) return new ErrorReply(value.message);
  return Buffer.from(asText(value), "utf8");
}

/** Anything else as text: a primitive as `String` writes it, an Error as its `toString`, another object by its tag. */
function asText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
    case "symbol":
      return String(value);
    default:
      return value instanceof Error ? String(value) : Object.prototype.toString.call(value);
  }
}

/** An error reply of Redis, as ioredis raises it (other errors are the connection's, or a bug). */
interface ReplyError extends Error {
  readonly name: "ReplyError";
}
const isReplyError = (err: unknown): err is ReplyError => err instanceof Error && err.name === "ReplyError";

/** The Backend over `opened.client`; closing it quits the client. */
export function createClientBackend({ kind, client, rewriteScript }: OpenedClient): Backend {
  /** sha1(script as the SDK sent it) → sha1(script as the backend stores it), and back. */
  const toBackendSha = new Map<string, string>();
  const toClientSha = new Map<string, string>();

  const remember = (original: Buffer): Buffer => {
    const rewritten = rewriteScript(original);
    if (rewritten !== original) {
      const [from, to] = [sha1hex(original), sha1hex(rewritten)];
      toBackendSha.set(from, to);
      toClientSha.set(to, from);
    }
    return rewritten;
  };
  const backendSha = (sha: Buffer): Buffer => {
    const mapped = toBackendSha.get(sha.toString("latin1").toLowerCase());
    return mapped ? Buffer.from(mapped, "latin1") : sha;
  };
  /** Error texts name the script by sha ("script: <sha>, on @user_script:1."); show the client's. */
  const clientShaInErrors = (reply: Reply): Reply =>
    reply instanceof ErrorReply ? new ErrorReply(reply.message.replace(/\b[0-9a-f]{40}\b/g, (sha) => toClientSha.get(sha) ?? sha)) : reply;

  function prepare(command: Command): Prepared | ErrorReply {
    const name = commandName(command);
    if (REFUSED.has(name)) return new ErrorReply(`ERR Command is not available over the REST API: '${name}'`);
    const args = command.slice(1);
    const sub = (args[0] ?? Buffer.alloc(0)).toString("latin1").toLowerCase();
    if ((name === "eval" || name === "eval_ro") && args[0]) args[0] = remember(args[0]);
    else if ((name === "evalsha" || name === "evalsha_ro") && args[0]) args[0] = backendSha(args[0]);
    else if (name === "script" && sub === "load" && args[1]) {
      const original = args[1];
      args[1] = remember(original);
      // The backend answers with the rewritten script's sha; the SDK expects its own.
      return { name, args, after: (reply) => (Buffer.isBuffer(reply) ? Buffer.from(sha1hex(original), "latin1") : reply) };
    } else if (name === "script" && sub === "exists") {
      for (let i = 1; i < args.length; i++) args[i] = backendSha(args[i] ?? Buffer.alloc(0));
    } else if (name === "script" && sub === "flush") {
      toBackendSha.clear();
      toClientSha.clear();
    }
    if (name.startsWith("eval")) return { name, args, after: clientShaInErrors };
    // The name goes out upper-case (see run); the backend echoes it in "unknown command '…'", so restore the client's.
    const sent = (command[0] ?? Buffer.alloc(0)).toString("latin1");
    const echoed = `'${sent.toUpperCase()}'`;
    return {
      name,
      args,
      after: (reply) =>
        reply instanceof ErrorReply && reply.message.startsWith(`ERR unknown command ${echoed}`)
          ? new ErrorReply(reply.message.replace(echoed, `'${sent}'`))
          : reply,
    };
  }

  async function run(prepared: Prepared): Promise<Reply> {
    try {
      // Upper-case names bypass ioredis' reply transformers (HGETALL → object, …): we want raw RESP.
      return prepared.after(toReply(await client.callBuffer(prepared.name.toUpperCase(), ...prepared.args)));
    } catch (err) {
      if (isReplyError(err)) return prepared.after(new ErrorReply(err.message));
      throw err;
    }
  }

  /** Results of a pipeline/multi exec: reply errors become values, transport errors throw. */
  function collect(results: [Error | null, unknown][] | null, prepared: readonly (Prepared | ErrorReply)[]): Reply[] {
    if (!results) throw new Error("redis returned no results for the batch");
    let next = 0;
    return prepared.map((p) => {
      if (p instanceof ErrorReply) return p;
      const [err, value] = results[next++] ?? [new Error("missing batch result"), null];
      if (err && !isReplyError(err)) throw err;
      return p.after(err ? new ErrorReply(err.message) : toReply(value));
    });
  }

  return {
    kind,
    command: async (command) => {
      const prepared = prepare(command);
      return prepared instanceof ErrorReply ? prepared : run(prepared);
    },
    pipeline: async (commands) => {
      const prepared = commands.map(prepare);
      const batch = client.pipeline();
      for (const p of prepared) if (!(p instanceof ErrorReply)) batch.callBuffer(p.name.toUpperCase(), ...p.args);
      return collect(batch.length > 0 ? await batch.exec() : [], prepared);
    },
    transaction: async (commands) => {
      const prepared = commands.map(prepare);
      const refused = prepared.find((p): p is ErrorReply => p instanceof ErrorReply);
      if (refused) return refused;
      const batch = client.multi();
      for (const p of prepared as Prepared[]) batch.callBuffer(p.name.toUpperCase(), ...p.args);
      try {
        return collect(await batch.exec(), prepared);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith("EXECABORT")) throw err;
        // The client says only "EXECABORT …"; the queue-time error that caused it is more useful.
        const previous = (err as Error & { previousErrors?: Error[] }).previousErrors?.[0];
        const reply = new ErrorReply(previous?.message ?? err.message);
        // Each command's `after` only touches its own texts, so letting all of them look is safe.
        return (prepared as Prepared[]).reduce<Reply>((r, p) => p.after(r), reply) as ErrorReply;
      }
    },
    close: async () => {
      await client.quit();
    },
  };
}
