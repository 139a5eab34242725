/** Generic key commands: existence, type, expiry, KEYS/SCAN, flushing. */
import { ErrorReply, Errors, OK, StatusReply, type Reply } from "../../reply.ts";
import { globMatcher } from "../glob.ts";
import { bytesOf, type Keyspace } from "../keyspace.ts";
import { INT64_MAX, parseInt64 } from "../numbers.ts";
import { EMPTY, WRITE, int, intArg, isErr, word, type CommandTable } from "../spec.ts";

type Unit = "s" | "ms";

/** EXPIRE family (Redis 7): relative or absolute, with NX / XX / GT / LT. */
function expire(args: readonly Buffer[], ks: Keyspace, unit: Unit, absolute: boolean, command: string): Reply {
  const [key = EMPTY, amount] = args;
  const n = intArg(amount);
  if (isErr(n)) return n;
  const options = new Set<string>();
  for (const option of args.slice(2).map(word)) {
    if (!["NX", "XX", "GT", "LT"].includes(option)) return new ErrorReply(`ERR Unsupported option ${option}`);
    options.add(option);
  }
  if (options.has("NX") && options.size > 1) return new ErrorReply("ERR NX and XX, GT or LT options at the same time are not compatible");
  if (options.has("GT") && options.has("LT")) return new ErrorReply("ERR GT and LT options at the same time are not compatible");
  const ms = unit === "s" ? n * 1000n : n;
  const at = absolute ? ms : ms + BigInt(ks.now());
  if (at > INT64_MAX || (unit === "s" && (n > INT64_MAX / 1000n || n < -INT64_MAX / 1000n))) {
    return new ErrorReply(`ERR invalid expire time in '${command}' command`);
  }
  const current = ks.expiresAt(key);
  if (current === undefined) return 0n;
  const next = Number(at);
  // A key without expiry counts as an infinite TTL for GT / LT.
  const currentTtl = current ?? Infinity;
  if (options.has("NX") && current !== null) return 0n;
  if (options.has("XX") && current === null) return 0n;
  if (options.has("GT") && !(next > currentTtl)) return 0n;
  if (options.has("LT") && !(next < currentTtl)) return 0n;
  ks.setExpiry(key, next);
  return 1n;
}

/** TTL / PTTL / EXPIRETIME / PEXPIRETIME: -2 absent, -1 persistent. */
function ttl(ks: Keyspace, key: Buffer, mode: "ttl" | "pttl" | "expiretime" | "pexpiretime"): Reply {
  const at = ks.expiresAt(key);
  if (at === undefined) return -2n;
  if (at === null) return -1n;
  if (mode === "expiretime") return int(Math.floor(at / 1000));
  if (mode === "pexpiretime") return int(at);
  const left = Math.max(0, at - ks.now());
  // Redis rounds TTL to the nearest second: (ms + 500) / 1000.
  return int(mode === "pttl" ? left : Math.floor((left + 500) / 1000));
}

function scan(args: readonly Buffer[], ks: Keyspace): Reply {
  const cursor = parseInt64(args[0] ?? EMPTY);
  if (cursor === null || cursor < 0n) return new ErrorReply("ERR invalid cursor");
  let match: string | undefined;
  let type: string | undefined;
  for (let i = 1; i < args.length; i += 2) {
    const option = word(args[i]);
    const value = args[i + 1];
    if (!value) return Errors.syntax();
    if (option === "MATCH") match = value.toString("latin1");
    else if (option === "TYPE") type = value.toString("latin1").toLowerCase();
    else if (option === "COUNT") {
      const count = parseInt64(value);
      if (count === null) return Errors.notInteger();
      if (count < 1n) return Errors.syntax();
    } else return Errors.syntax();
  }
  // One pass returns everything (Redis allows more than COUNT). Cursor positions
  // would shift when a caller deletes between calls — as the ratelimit reset
  // script does — and silently skip keys.
  if (cursor !== 0n) return [Buffer.from("0"), []];
  const matches = globMatcher(match);
  const keys = ks.keys().filter((k) => matches(k) && (type === undefined || ks.type(bytesOf(k)) === type));
  return [Buffer.from("0"), keys.map(bytesOf)];
}

function flush(ks: Keyspace): Reply {
  ks.flush();
  return OK;
}

const countKeys = (keys: readonly Buffer[], test: (key: Buffer) => boolean): bigint => int(keys.filter(test).length);

/** Generic key commands by name. */
export const keyCommands: CommandTable = {
  del: { arity: -2, flags: WRITE, run: (keys, { keyspace }) => countKeys(keys, (k) => keyspace.delete(k)) },
  unlink: { arity: -2, flags: WRITE, run: (keys, { keyspace }) => countKeys(keys, (k) => keyspace.delete(k)) },
  exists: { arity: -2, run: (keys, { keyspace }) => countKeys(keys, (k) => keyspace.has(k)) },
  touch: { arity: -2, run: (keys, { keyspace }) => countKeys(keys, (k) => keyspace.has(k)) },
  // TYPE answers a status reply: Lua sees {ok="string"}, as in Redis.
  type: { arity: 2, run: ([key = EMPTY], { keyspace }) => new StatusReply(keyspace.type(key) ?? "none") },
  ttl: { arity: 2, run: ([key = EMPTY], { keyspace }) => ttl(keyspace, key, "ttl") },
  pttl: { arity: 2, run: ([key = EMPTY], { keyspace }) => ttl(keyspace, key, "pttl") },
  expiretime: { arity: 2, run: ([key = EMPTY], { keyspace }) => ttl(keyspace, key, "expiretime") },
  pexpiretime: { arity: 2, run: ([key = EMPTY], { keyspace }) => ttl(keyspace, key, "pexpiretime") },
  expire: { arity: -3, flags: WRITE, run: (args, { keyspace }) => expire(args, keyspace, "s", false, "expire") },
  pexpire: { arity: -3, flags: WRITE, run: (args, { keyspace }) => expire(args, keyspace, "ms", false, "pexpire") },
  expireat: { arity: -3, flags: WRITE, run: (args, { keyspace }) => expire(args, keyspace, "s", true, "expireat") },
  pexpireat: { arity: -3, flags: WRITE, run: (args, { keyspace }) => expire(args, keyspace, "ms", true, "pexpireat") },
  persist: {
    arity: 2,
    flags: WRITE,
    run: ([key = EMPTY], { keyspace }) => int(keyspace.expiresAt(key) != null && keyspace.setExpiry(key, null)),
  },
  keys: {
    arity: 2,
    run: ([pattern = EMPTY], { keyspace }) => {
      const matches = globMatcher(pattern.toString("latin1"));
      return keyspace.keys().filter(matches).map(bytesOf);
    },
  },
  scan: { arity: -2, run: (args, { keyspace }) => scan(args, keyspace) },
  randomkey: {
    arity: 1,
    run: (_args, { keyspace }) => {
      const keys = keyspace.keys();
      const key = keys[Math.floor(Math.random() * keys.length)];
      return key === undefined ? null : bytesOf(key);
    },
  },
  rename: {
    arity: 3,
    flags: WRITE,
    run: ([from = EMPTY, to = EMPTY], { keyspace }) => (keyspace.rename(from, to) ? OK : new ErrorReply("ERR no such key")),
  },
  renamenx: {
    arity: 3,
    flags: WRITE,
    run: ([from = EMPTY, to = EMPTY], { keyspace }) => {
      if (!keyspace.has(from)) return new ErrorReply("ERR no such key");
      return keyspace.has(to) ? 0n : int(keyspace.rename(from, to));
    },
  },
  dbsize: { arity: 1, run: (_args, { keyspace }) => int(keyspace.size()) },
  flushdb: { arity: -1, flags: WRITE, run: (_args, { keyspace }) => flush(keyspace) },
  flushall: { arity: -1, flags: WRITE, run: (_args, { keyspace }) => flush(keyspace) },
};
