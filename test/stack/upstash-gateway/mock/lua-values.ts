/**
 * Values between Redis replies and Lua, by Redis' conversion rules, for lua.ts.
 * ioredis-mock's own conversion gets arrays wrong both ways: it hands nested reply
 * arrays to Lua as 0-based JS proxies, and it takes a returned table for an array
 * only when Lua lists its keys last to first, which holds for a table constructor
 * (`{a, b}`) but not for a table filled in order (`table.insert`, or `redis.call`'s
 * replies built here); such a table came back as a proxy the gateway cannot read.
 */
import { lua, type LuaState } from "./runtime.ts";

/** Redis refuses deeper replies; it also keeps a self-referencing table from recursing forever. */
const MAX_DEPTH = 100;

/** An error reply returned by a script (`{err = …}`), named as ioredis names Redis errors. */
export class ScriptErrorReply extends Error {
  override readonly name = "ReplyError";
}

/** Pushes a command's reply for the script: nil → false, integer → number, array → table, at any depth. */
export function pushReply(L: LuaState, value: unknown): void {
  if (value === null || value === undefined || value === false) lua.lua_pushboolean(L, false);
  else if (value === true) lua.lua_pushnumber(L, 1);
  else if (typeof value === "number") lua.lua_pushnumber(L, value);
  else if (typeof value === "string") lua.lua_pushstring(L, value);
  else if (Buffer.isBuffer(value)) lua.lua_pushstring(L, Uint8Array.from(value));
  else if (Array.isArray(value) || (typeof value === "object" && value.constructor === Object)) {
    // A plain object is a hash (the mock's HGETALL): field, value, field, value …
    const items: unknown[] = Array.isArray(value) ? value : Object.entries(value).flat();
    lua.lua_createtable(L, items.length, 0);
    items.forEach((item, i) => {
      pushReply(L, item);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    // Raised in Lua as `{err = …}` by fengari's native-error hook (lua.ts).
    throw new Error(`the embedded store answered ${Object.prototype.toString.call(value)}, which has no Lua form here`);
  }
}

/** Pushes a Redis error as Lua sees one: a table `{err = text}`. */
export function pushError(L: LuaState, text: string): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushstring(L, text);
  lua.lua_setfield(L, -2, "err");
}

/** A string field of the table at `index`, if it has one. */
function stringField(L: LuaState, index: number, name: string): string | undefined {
  const type = lua.lua_getfield(L, index, name);
  const value = type === lua.LUA_TSTRING ? (lua.lua_tojsstring(L, -1) ?? "") : undefined;
  lua.lua_settop(L, -2);
  return value;
}

/**
 * The script's return value at `index` as the reply Redis makes of it: number →
 * integer (truncated), string → bulk, true → 1, false/nil → nil, `{err=…}` → error,
 * `{ok=…}` → status, other tables → array up to the first nil.
 */
export function scriptResult(L: LuaState, index: number, depth = 0): unknown {
  const at = lua.lua_absindex(L, index);
  const type = lua.lua_type(L, at);
  if (type === lua.LUA_TNUMBER) return Math.trunc(lua.lua_tonumber(L, at));
  if (type === lua.LUA_TSTRING) return lua.lua_tojsstring(L, at);
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, at) ? 1 : null;
  if (type !== lua.LUA_TTABLE) return null;
  if (depth >= MAX_DEPTH) return new ScriptErrorReply("ERR reached lua stack limit");
  const err = stringField(L, at, "err");
  if (err !== undefined) return new ScriptErrorReply(err);
  const ok = stringField(L, at, "ok");
  if (ok !== undefined) return ok;
  const items: unknown[] = [];
  for (let i = 1; lua.lua_rawgeti(L, at, i) !== lua.LUA_TNIL; i++) {
    items.push(scriptResult(L, -1, depth + 1));
    lua.lua_settop(L, -2);
  }
  lua.lua_settop(L, -2);
  return items;
}
