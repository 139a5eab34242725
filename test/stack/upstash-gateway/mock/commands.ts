/**
 * What ioredis-mock gets wrong or lacks for the commands this project sends, checked
 * before a command reaches it, for clients and for scripts alike (synchronously, so
 * a script stays atomic). Each entry exists because a conformance case needs it:
 * - unknown commands get Redis' texts (the mock has no generic command entry point);
 * - WRONGTYPE: the mock runs e.g. HGET on a string key and answers nil;
 * - SET: the mock matches its options upper-case only, the SDK sends `nx`, `ex` …;
 * - SCAN answers every match at once (cursor 0): the mock's cursor is an offset into
 *   the key list, so ratelimit's reset script, which deletes between calls, skipped keys;
 * - SCRIPT LOAD/EXISTS/FLUSH and ZUNION (ratelimit analytics) are missing: emulated;
 * - EVAL_RO/EVALSHA_RO run as EVAL/EVALSHA (read-only is not enforced).
 */
import { sha1hex } from "../scripts.ts";
import { redisCommands, type MockRedis } from "./runtime.ts";

/** Who sends the command: a REST client, or a script through `redis.call`. */
export type Caller = "client" | "script";

/** What to do with a command: answer a Redis error, answer a value, or run it on the mock. */
export type Step = { readonly refused: string } | { readonly reply: unknown } | { readonly name: string; readonly args: readonly string[] };

/** A command function of the mock, as its instance holds them. */
export type MockCommand = (...args: string[]) => unknown;

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
/** Handled here, not by a mock method. */
const EMULATED_HERE = new Set(["script", "eval_ro", "evalsha_ro", "zunion"]);
const SET_OPTIONS = new Set(["NX", "XX", "GET", "EX", "PX", "EXAT", "PXAT", "KEEPTTL"]);

/** The type each command needs at its first key (the others accept any type or create the key). */
const KEY_TYPE = new Map<string, string>(
  Object.entries({
    string: "get getdel getex getrange getset append strlen setrange incr incrby incrbyfloat decr decrby",
    hash: "hget hset hsetnx hmset hmget hgetall hdel hexists hincrby hincrbyfloat hkeys hvals hlen hstrlen hscan hrandfield",
    set: "sadd srem smembers sismember smismember scard spop srandmember sscan",
    zset: "zadd zincrby zrem zscore zmscore zcard zcount zrange zrangebyscore zrevrange zrevrangebyscore zrank zrevrank zpopmin zpopmax zscan",
    list: "lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset lrem ltrim linsert lpos",
  }).flatMap(([type, names]) => names.split(" ").map((name): [string, string] => [name, type])),
);

/** The mock's method for `name`: its command methods are the enumerable own functions of the instance. */
export function mockCommand(mock: MockRedis, name: string): MockCommand | undefined {
  if (!redisCommands.exists(name)) return undefined;
  // Commands it lacks are non-enumerable stubs that throw "Unsupported command".
  const own = Object.getOwnPropertyDescriptor(mock, name);
  return own?.enumerable === true && typeof own.value === "function" ? (own.value as MockCommand) : undefined;
}

/** Redis' text for a command it does not know: each argument quoted, the list cut near 128 characters. */
function unknownCommand(command: string, args: readonly string[]): string {
  let list = "";
  for (const arg of args) {
    if (list.length >= 128) break;
    list += `'${arg.slice(0, 128 - list.length)}' `;
  }
  return `ERR unknown command '${command.slice(0, 128)}', with args beginning with: ${list}`;
}

/** Why Redis would refuse `command` before running it (MULTI refuses it while queueing), if it would. */
export function refusal(mock: MockRedis, command: string, args: readonly string[], caller: Caller): string | undefined {
  const name = command.toLowerCase();
  if (!redisCommands.exists(name))
    return caller === "script" ? "ERR Unknown Redis command called from script" : unknownCommand(command, args);
  if (caller === "script" && (name === "script" || redisCommands.hasFlag(name, "noscript"))) {
    return "ERR This Redis command is not allowed from script";
  }
  if (EMULATED_HERE.has(name) || mockCommand(mock, name)) return undefined;
  return `ERR '${name}' is a Redis command the embedded store (ioredis-mock) does not emulate`;
}

/** The Redis type of a value as the mock stores it (its own TYPE command reads it the same way). */
function typeOf(value: unknown): string {
  if (value instanceof Set) return "set";
  if (value instanceof Map) return "zset";
  if (Array.isArray(value)) return "list";
  return typeof value === "string" || Buffer.isBuffer(value) ? "string" : "hash";
}

/** Checks `command` and turns it into what to do (see Step). `args` exclude the name. */
export function prepareCommand(mock: MockRedis, command: string, args: readonly string[], caller: Caller): Step {
  const refused = refusal(mock, command, args, caller);
  if (refused !== undefined) return { refused };
  const name = command.toLowerCase();
  const needs = KEY_TYPE.get(name);
  const current = needs !== undefined && args[0] !== undefined ? mock.data.get(args[0]) : undefined;
  if (current !== undefined && typeOf(current) !== needs) return { refused: WRONGTYPE };
  switch (name) {
    case "set":
      return { name, args: args.map((arg, i) => (i >= 2 && SET_OPTIONS.has(arg.toUpperCase()) ? arg.toUpperCase() : arg)) };
    case "scan":
      return scan(args);
    case "zunion":
      return zunion(mock, args);
    case "script":
      return script(mock, args);
    case "eval_ro":
      return { name: "eval", args };
    case "evalsha":
    case "evalsha_ro":
      // Redis takes the sha in any case; the mock's cache is keyed lower-case.
      return { name: "evalsha", args: args.map((arg, i) => (i === 0 ? arg.toLowerCase() : arg)) };
    default:
      return { name, args };
  }
}

function scan(args: readonly string[]): Step {
  let match = "*";
  for (let i = 1; i < args.length; i += 2) {
    const option = args[i]?.toUpperCase();
    const value = args[i + 1];
    if (value === undefined || (option !== "MATCH" && option !== "COUNT")) return { refused: "ERR syntax error" };
    if (option === "MATCH") match = value;
  }
  return { name: "scan", args: ["0", "MATCH", match, "COUNT", String(Number.MAX_SAFE_INTEGER)] };
}

/** ZUNION numkeys key … [WITHSCORES]: scores summed, ordered by score then member. */
function zunion(mock: MockRedis, args: readonly string[]): Step {
  const count = Number(args[0]);
  if (!Number.isInteger(count) || count < 1 || count > args.length - 1) return { refused: "ERR syntax error" };
  const options = args.slice(1 + count).map((arg) => arg.toUpperCase());
  if (options.some((option) => option !== "WITHSCORES")) return { refused: "ERR syntax error (WEIGHTS/AGGREGATE are not emulated)" };
  const totals = new Map<string, number>();
  for (const key of args.slice(1, 1 + count)) {
    const zset = mock.data.get(key);
    if (zset === undefined) continue;
    if (!(zset instanceof Map)) return { refused: WRONGTYPE };
    // The mock keeps member → { value, score }.
    for (const [member, entry] of zset as Map<string, { readonly score: number }>)
      totals.set(member, (totals.get(member) ?? 0) + entry.score);
  }
  const sorted = [...totals].sort(([a, x], [b, y]) => x - y || (a < b ? -1 : a > b ? 1 : 0));
  return { reply: options.length > 0 ? sorted.flatMap(([member, score]) => [member, String(score)]) : sorted.map(([member]) => member) };
}

/** SCRIPT LOAD / EXISTS / FLUSH on the mock's script cache (EVAL fills it too). */
function script(mock: MockRedis, args: readonly string[]): Step {
  const sub = args[0]?.toLowerCase() ?? "";
  const [first] = args.slice(1);
  if (sub === "load" && first !== undefined && args.length === 2) {
    const sha = sha1hex(first);
    mock.shaScripts[sha] = first;
    return { reply: sha };
  }
  if (sub === "exists" && first !== undefined) return { reply: args.slice(1).map((sha) => (sha.toLowerCase() in mock.shaScripts ? 1 : 0)) };
  if (sub === "flush" && args.length <= 2) {
    mock.shaScripts = {};
    return { reply: "OK" };
  }
  return { refused: `ERR unknown subcommand or wrong number of arguments for 'script|${sub}' (LOAD, EXISTS and FLUSH are emulated)` };
}

/**
 * The Redis error text of something the mock threw: Lua errors lose the mock's own
 * prefix (lua.ts already wrote them as Redis does), texts without an error code get
 * "ERR ". A throw other than a plain Error is a bug in the mock, and logged.
 */
export function replyErrorText(err: unknown): string {
  if (!(err instanceof Error) || err.name !== "Error") console.error("[upstash-gateway] ioredis-mock failed", err);
  const message = (err instanceof Error ? err.message : String(err)).replace(
    /^Error trying to loading or executing lua code string in VM: /,
    "",
  );
  return /^[A-Z]+ /.test(message) ? message : `ERR ${message}`;
}
