/**
 * Redis' conversion rules between RESP replies and Lua values (Redis 7, RESP2):
 *
 * - to Lua: integer → number, bulk → string, nil → false, status → {ok=…},
 *   error → {err=…}, array → table (nil elements become false);
 * - from Lua: number → integer (truncated), string → bulk, true → 1, false/nil → nil,
 *   {err=…} → error, {ok=…} → status, other tables → array up to the first nil.
 */
import { ErrorReply, StatusReply, type Reply } from "../reply.ts";
import { INT64_MAX, INT64_MIN, formatG } from "./numbers.ts";
import { lua, toBuffer, toLua, type LuaState } from "./lua-vm.ts";

/** Redis refuses deeper replies; it also stops self-referencing tables from recursing forever. */
const MAX_DEPTH = 100;

/** A script's reply nests deeper than Redis allows; the whole reply becomes Redis' error. */
export class ReplyTooDeep extends Error {
  constructor() {
    super("ERR reached lua stack limit");
  }
}

/** Pushes a reply as the Lua value redis.call returns for it. */
export function pushReply(L: LuaState, reply: Reply): void {
  lua.lua_checkstack(L, 4);
  if (reply === null) lua.lua_pushboolean(L, false);
  else if (typeof reply === "bigint") lua.lua_pushnumber(L, Number(reply));
  else if (Buffer.isBuffer(reply)) lua.lua_pushstring(L, toLua(reply));
  else if (reply instanceof StatusReply || reply instanceof ErrorReply) {
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushstring(L, toLua(Buffer.from(reply instanceof StatusReply ? reply.status : reply.message, "utf8")));
    lua.lua_setfield(L, -2, reply instanceof StatusReply ? "ok" : "err");
  } else {
    lua.lua_createtable(L, reply.length, 0);
    reply.forEach((item, i) => {
      pushReply(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  }
}

/** Lua numbers become 64-bit integers by truncation; out of range (and NaN) gives INT64_MIN, as on x86 Redis. */
function toInteger(n: number): bigint {
  if (!Number.isFinite(n)) return INT64_MIN;
  const value = BigInt(Math.trunc(n));
  return value > INT64_MAX || value < INT64_MIN ? INT64_MIN : value;
}

/** A string field of the table at `index`, or undefined. */
function stringField(L: LuaState, index: number, field: string): Buffer | undefined {
  lua.lua_getfield(L, index, field);
  const value = lua.lua_type(L, -1) === lua.LUA_TSTRING ? toBuffer(lua.lua_tolstring(L, -1) ?? new Uint8Array()) : undefined;
  lua.lua_pop(L, 1);
  return value;
}

/** The Lua value at `index` as a reply. */
export function readReply(L: LuaState, index: number, depth = 0): Reply {
  const at = lua.lua_absindex(L, index);
  const type = lua.lua_type(L, at);
  if (type === lua.LUA_TSTRING) return toBuffer(lua.lua_tolstring(L, at) ?? new Uint8Array());
  if (type === lua.LUA_TNUMBER) return toInteger(lua.lua_tonumber(L, at));
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, at) ? 1n : null;
  if (type !== lua.LUA_TTABLE) return null;
  if (depth > MAX_DEPTH) throw new ReplyTooDeep();
  lua.lua_checkstack(L, 4);
  const err = stringField(L, at, "err");
  if (err) return new ErrorReply(err.toString("utf8"));
  const ok = stringField(L, at, "ok");
  if (ok) return new StatusReply(ok.toString("utf8"));
  const items: Reply[] = [];
  for (let i = 1; ; i++) {
    const elementType = lua.lua_rawgeti(L, at, i);
    if (elementType === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      return items;
    }
    items.push(readReply(L, -1, depth + 1));
    lua.lua_pop(L, 1);
  }
}

/**
 * Arguments of redis.call from stack slot `from` on: strings as bytes, numbers
 * with "%.17g" (Redis avoids Lua's lossy "%.14g" here); anything else is the
 * error Redis raises.
 */
export function readArgs(L: LuaState, from: number): Buffer[] | ErrorReply {
  const args: Buffer[] = [];
  for (let i = from; i <= lua.lua_gettop(L); i++) {
    const type = lua.lua_type(L, i);
    if (type === lua.LUA_TSTRING) args.push(toBuffer(lua.lua_tolstring(L, i) ?? new Uint8Array()));
    else if (type === lua.LUA_TNUMBER) args.push(Buffer.from(formatG(lua.lua_tonumber(L, i), 17), "latin1"));
    else return new ErrorReply("ERR Lua redis lib command arguments must be strings or integers");
  }
  return args;
}
