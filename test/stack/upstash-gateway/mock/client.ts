/**
 * The embedded store: ioredis-mock behind the client shape of client.ts, so the
 * gateway runs the same backend code (client-backend.ts) as in front of a real
 * Redis. ioredis-mock has one method per command and no `callBuffer`; the adapter
 * adds it, plus pipelines and MULTI whose commands run back to back (every mock
 * command runs synchronously when called, so nothing interleaves), Redis error
 * replies named "ReplyError" as ioredis names them, and replies shaped as ioredis
 * gives them (bulk strings as Buffers, HGETALL as a flat array). Commands pass
 * commands.ts' checks first; scripts get lua.ts' shims.
 */
import { randomUUID } from "node:crypto";
import type { CommandBatch, CommandClient } from "../client.ts";
import { mockCommand, prepareCommand, refusal, replyErrorText } from "./commands.ts";
import { withStore } from "./lua.ts";
import { RedisMock } from "./runtime.ts";

/** A Redis error reply; the name tells client-backend.ts it is an answer, not a failure. */
class MockReplyError extends Error {
  override readonly name = "ReplyError";
}

/** A mock reply as ioredis would give it; Lua's false and a missing value are nil, true is 1. */
function toIoredis(value: unknown): unknown {
  if (value === null || value === undefined || value === false) return null;
  if (value === true) return 1;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (typeof value === "number") {
    // The mock computes INCR & co. in floats and never refuses a non-number; Redis would have.
    if (!Number.isFinite(value)) throw new MockReplyError("ERR value is not an integer or out of range");
    return value;
  }
  // Buffers as they are; an error in a script's returned array (`{err=…}`) is already a "ReplyError".
  if (Buffer.isBuffer(value) || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map(toIoredis);
  if (typeof value === "object" && value.constructor === Object) return Object.entries(value).flat().map(toIoredis);
  throw new MockReplyError(`ERR the embedded store answered ${Object.prototype.toString.call(value)}, which has no RESP form here`);
}

/** REST arguments came as JSON strings, so they are valid UTF-8 and decode losslessly; the mock computes on strings. */
const text = (args: readonly Buffer[]): string[] => args.map((arg) => arg.toString("utf8"));

/** A fresh, empty embedded store. */
export function createMockClient(): CommandClient {
  // ioredis-mock shares data between instances of the same host:port/db; a unique host keeps this store apart.
  const mock = new RedisMock({ host: `upstash-gateway-${randomUUID()}`, lazyConnect: false });

  /** Runs the command now; the returned promise settles as ioredis' callBuffer would. */
  function run(command: string, args: readonly Buffer[]): Promise<unknown> {
    try {
      const step = prepareCommand(mock, command, text(args), "client");
      if ("refused" in step) return Promise.reject(new MockReplyError(step.refused));
      if ("reply" in step) return Promise.resolve(toIoredis(step.reply));
      const method = mockCommand(mock, step.name);
      if (!method) return Promise.reject(new MockReplyError(`ERR '${step.name}' is not emulated by the embedded store`));
      const pending = withStore(mock, () => method.apply(mock, [...step.args]));
      return Promise.resolve(pending).then(toIoredis, (err: unknown) => Promise.reject(new MockReplyError(replyErrorText(err))));
    } catch (err) {
      // A throw before the mock's promise (a bug here or in the mock) answers as an error reply; replyErrorText logs it.
      return Promise.reject(new MockReplyError(replyErrorText(err)));
    }
  }

  function batch(transaction: boolean): CommandBatch {
    const queued: { readonly command: string; readonly args: readonly Buffer[] }[] = [];
    const self: CommandBatch = {
      get length() {
        return queued.length;
      },
      callBuffer: (command, ...args) => {
        queued.push({ command, args });
        return self;
      },
      exec: () => {
        // Like MULTI: a command refused while queueing discards the whole transaction.
        const refused = transaction
          ? queued.map(({ command, args }) => refusal(mock, command, text(args), "client")).find(Boolean)
          : undefined;
        if (refused !== undefined) {
          const abort = Object.assign(new Error("EXECABORT Transaction discarded because of previous errors."), {
            previousErrors: [new MockReplyError(refused)],
          });
          return Promise.reject(abort);
        }
        // All started in this one synchronous loop: each runs to completion inside run().
        const settled = queued.map(({ command, args }) =>
          run(command, args).then(
            (value): [Error | null, unknown] => [null, value],
            (err: unknown): [Error | null, unknown] => [err instanceof Error ? err : new Error(String(err)), null],
          ),
        );
        return Promise.all(settled);
      },
    };
    return self;
  }

  return {
    callBuffer: (command, ...args) => run(command, args),
    pipeline: () => batch(false),
    multi: () => batch(true),
    quit: async () => {
      await mock.flushall();
      mock.disconnect();
      return "OK";
    },
  };
}
