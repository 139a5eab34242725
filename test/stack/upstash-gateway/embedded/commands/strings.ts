/** String commands: GET/SET with all options, counters, MGET/MSET. */
import { ErrorReply, Errors, OK, type Reply } from "../../reply.ts";
import type { Keyspace } from "../keyspace.ts";
import { INT64_MAX, INT64_MIN, formatIncrFloat, parseDouble, parseInt64 } from "../numbers.ts";
import { EMPTY, WRITE, int, intArg, isErr, pairs, word, type CommandTable } from "../spec.ts";

const readString = (ks: Keyspace, key: Buffer): Buffer | null | ErrorReply => ks.read(key, "string") ?? null;

/** Absolute expiry (epoch ms) from an EX/PX/EXAT/PXAT amount, or the error SET gives. */
function expiryFrom(ks: Keyspace, unit: string, amount: Buffer | undefined, command: string): number | ErrorReply {
  const n = intArg(amount);
  if (isErr(n)) return n;
  if (n <= 0n) return new ErrorReply(`ERR invalid expire time in '${command}' command`);
  const ms = unit === "EX" || unit === "EXAT" ? n * 1000n : n;
  const at = unit === "EXAT" || unit === "PXAT" ? ms : ms + BigInt(ks.now());
  if (at > INT64_MAX) return new ErrorReply(`ERR invalid expire time in '${command}' command`);
  return Number(at);
}

function set(args: readonly Buffer[], ks: Keyspace): Reply {
  const [key = EMPTY, value = EMPTY] = args;
  let condition: "NX" | "XX" | undefined;
  let returnOld = false;
  let expiry: { unit: string; amount: Buffer | undefined } | "KEEPTTL" | undefined;
  for (let i = 2; i < args.length; i++) {
    const option = word(args[i]);
    if ((option === "NX" || option === "XX") && !condition) condition = option;
    else if (option === "GET" && !returnOld) returnOld = true;
    else if (option === "KEEPTTL" && !expiry) expiry = "KEEPTTL";
    else if (["EX", "PX", "EXAT", "PXAT"].includes(option) && !expiry && i + 1 < args.length) expiry = { unit: option, amount: args[++i] };
    else return Errors.syntax();
  }
  const expiresAt = typeof expiry === "object" ? expiryFrom(ks, expiry.unit, expiry.amount, "set") : null;
  if (isErr(expiresAt)) return expiresAt;
  const old = returnOld ? readString(ks, key) : null;
  if (isErr(old)) return old;
  const exists = ks.has(key);
  if ((condition === "NX" && exists) || (condition === "XX" && !exists)) return returnOld ? old : null;
  ks.setString(key, value, expiry === "KEEPTTL" ? { keepTtl: true } : { expiresAt });
  return returnOld ? old : OK;
}

function incrBy(ks: Keyspace, key: Buffer, by: bigint): Reply {
  const current = readString(ks, key);
  if (isErr(current)) return current;
  const base = current === null ? 0n : parseInt64(current);
  if (base === null) return Errors.notInteger();
  const next = base + by;
  if (next > INT64_MAX || next < INT64_MIN) return Errors.overflow();
  ks.setString(key, Buffer.from(next.toString(), "latin1"), { keepTtl: true });
  return next;
}

function incrByArg(args: readonly Buffer[], ks: Keyspace, sign: 1n | -1n): Reply {
  const by = intArg(args[1]);
  return isErr(by) ? by : incrBy(ks, args[0] ?? EMPTY, by * sign);
}

function setWithTtl(args: readonly Buffer[], ks: Keyspace, unit: "EX" | "PX", command: string): Reply {
  const [key = EMPTY, amount, value = EMPTY] = args;
  const expiresAt = expiryFrom(ks, unit, amount, command);
  if (isErr(expiresAt)) return expiresAt;
  ks.setString(key, value, { expiresAt });
  return OK;
}

/** String commands by name. */
export const stringCommands: CommandTable = {
  get: { arity: 2, run: ([key = EMPTY], { keyspace }) => readString(keyspace, key) },
  set: { arity: -3, flags: WRITE, run: (args, { keyspace }) => set(args, keyspace) },
  setnx: {
    arity: 3,
    flags: WRITE,
    run: ([key = EMPTY, value = EMPTY], { keyspace }) => {
      if (keyspace.has(key)) return 0n;
      keyspace.setString(key, value);
      return 1n;
    },
  },
  setex: { arity: 4, flags: WRITE, run: (args, { keyspace }) => setWithTtl(args, keyspace, "EX", "setex") },
  psetex: { arity: 4, flags: WRITE, run: (args, { keyspace }) => setWithTtl(args, keyspace, "PX", "psetex") },
  getset: {
    arity: 3,
    flags: WRITE,
    run: ([key = EMPTY, value = EMPTY], { keyspace }) => {
      const old = readString(keyspace, key);
      if (!isErr(old)) keyspace.setString(key, value);
      return old;
    },
  },
  getdel: {
    arity: 2,
    flags: WRITE,
    run: ([key = EMPTY], { keyspace }) => {
      const old = readString(keyspace, key);
      if (old !== null && !isErr(old)) keyspace.delete(key);
      return old;
    },
  },
  getex: {
    arity: -2,
    flags: WRITE,
    run: (args, { keyspace }) => {
      const [key = EMPTY, option, amount] = args;
      const value = readString(keyspace, key);
      if (value === null || isErr(value)) return value;
      const unit = word(option);
      if (args.length === 1) return value;
      if (unit === "PERSIST" && args.length === 2) keyspace.setExpiry(key, null);
      else if (["EX", "PX", "EXAT", "PXAT"].includes(unit) && args.length === 3) {
        const at = expiryFrom(keyspace, unit, amount, "getex");
        if (isErr(at)) return at;
        keyspace.setExpiry(key, at);
      } else return Errors.syntax();
      return value;
    },
  },
  mget: {
    arity: -2,
    run: (keys, { keyspace }) => keys.map((key) => keyspace.read(key, "string") ?? null).map((v) => (isErr(v) ? null : v)),
  },
  mset: {
    arity: -3,
    flags: WRITE,
    run: (args, { keyspace }) => {
      const kv = pairs(args, 0);
      if (!kv) return Errors.arity("mset");
      for (const [key, value] of kv) keyspace.setString(key, value);
      return OK;
    },
  },
  msetnx: {
    arity: -3,
    flags: WRITE,
    run: (args, { keyspace }) => {
      const kv = pairs(args, 0);
      if (!kv) return Errors.arity("msetnx");
      if (kv.some(([key]) => keyspace.has(key))) return 0n;
      for (const [key, value] of kv) keyspace.setString(key, value);
      return 1n;
    },
  },
  append: {
    arity: 3,
    flags: WRITE,
    run: ([key = EMPTY, value = EMPTY], { keyspace }) => {
      const current = readString(keyspace, key);
      if (isErr(current)) return current;
      const next = Buffer.concat([current ?? EMPTY, value]);
      keyspace.setString(key, next, { keepTtl: true });
      return int(next.length);
    },
  },
  strlen: {
    arity: 2,
    run: ([key = EMPTY], { keyspace }) => {
      const value = readString(keyspace, key);
      return isErr(value) ? value : int(value?.length ?? 0);
    },
  },
  incr: { arity: 2, flags: WRITE, run: ([key = EMPTY], { keyspace }) => incrBy(keyspace, key, 1n) },
  decr: { arity: 2, flags: WRITE, run: ([key = EMPTY], { keyspace }) => incrBy(keyspace, key, -1n) },
  incrby: { arity: 3, flags: WRITE, run: (args, { keyspace }) => incrByArg(args, keyspace, 1n) },
  decrby: { arity: 3, flags: WRITE, run: (args, { keyspace }) => incrByArg(args, keyspace, -1n) },
  incrbyfloat: {
    arity: 3,
    flags: WRITE,
    run: ([key = EMPTY, by = EMPTY], { keyspace }) => {
      const current = readString(keyspace, key);
      if (isErr(current)) return current;
      const base = current === null ? 0 : parseDouble(current);
      const increment = parseDouble(by);
      if (base === null || increment === null) return Errors.notFloat();
      const next = base + increment;
      if (!Number.isFinite(next)) return new ErrorReply("ERR increment would produce NaN or Infinity");
      const text = Buffer.from(formatIncrFloat(next), "latin1");
      keyspace.setString(key, text, { keepTtl: true });
      return text;
    },
  },
};
