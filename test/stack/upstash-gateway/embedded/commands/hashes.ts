/** Hash commands (the token-bucket script keeps its state in a hash). */
import { ErrorReply, Errors, OK, type Reply } from "../../reply.ts";
import { bytesOf, keyOf, type Keyspace } from "../keyspace.ts";
import { INT64_MAX, INT64_MIN, formatIncrFloat, parseDouble, parseInt64 } from "../numbers.ts";
import { EMPTY, WRITE, int, intArg, isErr, pairs, type CommandTable } from "../spec.ts";

const readHash = (ks: Keyspace, key: Buffer): Map<string, Buffer> | undefined | ErrorReply => ks.read(key, "hash");

function hset(args: readonly Buffer[], ks: Keyspace, name: string): Reply {
  const fields = pairs(args, 1);
  if (!fields) return Errors.arity(name);
  const hash = ks.upsert(args[0] ?? EMPTY, "hash");
  if (isErr(hash)) return hash;
  let added = 0;
  for (const [field, value] of fields) {
    if (!hash.has(keyOf(field))) added++;
    hash.set(keyOf(field), value);
  }
  return name === "hmset" ? OK : int(added);
}

/** HINCRBY / HINCRBYFLOAT share lookup and storing; `step` computes the new text. */
function hincr(ks: Keyspace, key: Buffer, field: Buffer, step: (current: Buffer | undefined) => string | ErrorReply): Reply {
  const existing = readHash(ks, key);
  if (isErr(existing)) return existing;
  const next = step(existing?.get(keyOf(field)));
  if (isErr(next)) return next;
  const hash = ks.upsert(key, "hash");
  if (isErr(hash)) return hash;
  hash.set(keyOf(field), Buffer.from(next, "latin1"));
  return Buffer.from(next, "latin1");
}

/** Hash commands by name. */
export const hashCommands: CommandTable = {
  hset: { arity: -4, flags: WRITE, run: (args, { keyspace }) => hset(args, keyspace, "hset") },
  hmset: { arity: -4, flags: WRITE, run: (args, { keyspace }) => hset(args, keyspace, "hmset") },
  hsetnx: {
    arity: 4,
    flags: WRITE,
    run: ([key = EMPTY, field = EMPTY, value = EMPTY], { keyspace }) => {
      const hash = keyspace.upsert(key, "hash");
      if (isErr(hash)) return hash;
      if (hash.has(keyOf(field))) return 0n;
      hash.set(keyOf(field), value);
      return 1n;
    },
  },
  hget: {
    arity: 3,
    run: ([key = EMPTY, field = EMPTY], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : (hash?.get(keyOf(field)) ?? null);
    },
  },
  hmget: {
    arity: -3,
    run: ([key = EMPTY, ...fields], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : fields.map((f) => hash?.get(keyOf(f)) ?? null);
    },
  },
  hgetall: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : [...(hash ?? [])].flatMap(([f, v]) => [bytesOf(f), v]);
    },
  },
  hkeys: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : [...(hash?.keys() ?? [])].map(bytesOf);
    },
  },
  hvals: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : [...(hash?.values() ?? [])];
    },
  },
  hlen: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : int(hash?.size ?? 0);
    },
  },
  hstrlen: {
    arity: 3,
    run: ([key = EMPTY, field = EMPTY], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : int(hash?.get(keyOf(field))?.length ?? 0);
    },
  },
  hexists: {
    arity: 3,
    run: ([key = EMPTY, field = EMPTY], { keyspace }) => {
      const hash = readHash(keyspace, key);
      return isErr(hash) ? hash : int(hash?.has(keyOf(field)) ?? false);
    },
  },
  hdel: {
    arity: -3,
    flags: WRITE,
    run: ([key = EMPTY, ...fields], { keyspace }) => {
      const hash = readHash(keyspace, key);
      if (isErr(hash) || !hash) return hash ?? 0n;
      const removed = fields.filter((f) => hash.delete(keyOf(f))).length;
      keyspace.dropIfEmpty(key);
      return int(removed);
    },
  },
  hincrby: {
    arity: 4,
    flags: WRITE,
    run: ([key = EMPTY, field = EMPTY, by], { keyspace }) => {
      const increment = intArg(by);
      if (isErr(increment)) return increment;
      const reply = hincr(keyspace, key, field, (current) => {
        const base = current === undefined ? 0n : parseInt64(current);
        if (base === null) return new ErrorReply("ERR hash value is not an integer");
        const next = base + increment;
        return next > INT64_MAX || next < INT64_MIN ? Errors.overflow() : next.toString();
      });
      return Buffer.isBuffer(reply) ? BigInt(reply.toString("latin1")) : reply;
    },
  },
  hincrbyfloat: {
    arity: 4,
    flags: WRITE,
    run: ([key = EMPTY, field = EMPTY, by = EMPTY], { keyspace }) => {
      const increment = parseDouble(by);
      if (increment === null) return Errors.notFloat();
      return hincr(keyspace, key, field, (current) => {
        const base = current === undefined ? 0 : parseDouble(current);
        if (base === null) return new ErrorReply("ERR hash value is not a float");
        const next = base + increment;
        return Number.isFinite(next) ? formatIncrFloat(next) : new ErrorReply("ERR increment would produce NaN or Infinity");
      });
    },
  },
};
