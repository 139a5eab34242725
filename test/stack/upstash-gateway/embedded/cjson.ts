/**
 * `cjson.encode` / `cjson.decode` as Redis bundles them (lua-cjson defaults):
 * numbers as "%.14g", `/` escaped, empty tables encode as `{}`, arrays are
 * tables whose keys are 1..n (mildly sparse ones padded with null), `cjson.null`
 * is a light userdata. ratelimit's analytics scripts decode with it.
 */
import { formatG } from "./numbers.ts";
import { lauxlib, lua, toBuffer, type LuaState } from "./lua-vm.ts";

/** The value behind `cjson.null`. */
export const CJSON_NULL: object = Object.freeze({ cjson: "null" });
const MAX_DEPTH = 1000;

function escapeString(bytes: Uint8Array): string {
  let out = '"';
  for (const byte of bytes) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === "\\" || ch === "/") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (byte < 0x20) out += `\\u${byte.toString(16).padStart(4, "0")}`;
    else out += ch; // bytes ≥ 0x80 pass through: the result is built as latin1 = raw bytes
  }
  return `${out}"`;
}

/** Encodes the value at `index`; throws a message string for lua-cjson's errors. */
function encodeValue(L: LuaState, index: number, depth: number): string {
  const at = lua.lua_absindex(L, index);
  const type = lua.lua_type(L, at);
  if (type === lua.LUA_TNIL) return "null";
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, at) ? "true" : "false";
  if (type === lua.LUA_TSTRING) return escapeString(lua.lua_tolstring(L, at) ?? new Uint8Array());
  if (type === lua.LUA_TNUMBER) {
    const n = lua.lua_tonumber(L, at);
    if (!Number.isFinite(n)) throw new Error("Cannot serialise number: must not be NaN or Inf");
    return formatG(n, 14);
  }
  if (type === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, at) === CJSON_NULL) return "null";
  if (type !== lua.LUA_TTABLE) throw new Error(`Cannot serialise ${typeName(type)}: type not supported`);
  if (depth >= MAX_DEPTH) throw new Error(`Cannot serialise, excessive nesting (${depth + 1})`);
  lua.lua_checkstack(L, 4);
  const entries: [string | number, string][] = [];
  let arrayLike = true;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, at) !== 0) {
    const keyType = lua.lua_type(L, -2);
    let key: string | number;
    if (keyType === lua.LUA_TNUMBER) {
      key = lua.lua_tonumber(L, -2);
      if (!(Number.isInteger(key) && key >= 1)) arrayLike = false;
      else max = Math.max(max, key);
    } else if (keyType === lua.LUA_TSTRING) {
      key = toBuffer(lua.lua_tolstring(L, -2) ?? new Uint8Array()).toString("latin1");
      arrayLike = false;
    } else {
      throw new Error(`Cannot serialise ${typeName(keyType)}: table key must be a number or string`);
    }
    entries.push([key, encodeValue(L, -1, depth + 1)]);
    lua.lua_pop(L, 1);
  }
  if (entries.length === 0) return "{}";
  if (arrayLike) {
    if (max > 10 && max > entries.length * 2) throw new Error("Cannot serialise table: excessively sparse array");
    const items = new Array<string>(max).fill("null");
    for (const [key, value] of entries) items[(key as number) - 1] = value;
    return `[${items.join(",")}]`;
  }
  const fields = entries.map(
    ([key, value]) => `${escapeString(Buffer.from(typeof key === "number" ? formatG(key, 14) : key, "latin1"))}:${value}`,
  );
  return `{${fields.join(",")}}`;
}

const typeName = (type: number): string =>
  type === lua.LUA_TFUNCTION ? "function" : type === lua.LUA_TLIGHTUSERDATA ? "userdata" : type === lua.LUA_TBOOLEAN ? "boolean" : "value";

/** Pushes a parsed JSON value; throws lua-cjson's message when nested too deep. */
function pushJson(L: LuaState, value: unknown, depth = 0): void {
  if (depth > MAX_DEPTH) throw new Error(`Found too many nested data structures (${depth})`);
  lua.lua_checkstack(L, 4);
  if (value === null) lua.lua_pushlightuserdata(L, CJSON_NULL);
  else if (typeof value === "boolean") lua.lua_pushboolean(L, value);
  else if (typeof value === "number") lua.lua_pushnumber(L, value);
  else if (typeof value === "string") lua.lua_pushstring(L, new Uint8Array(Buffer.from(value, "utf8")));
  else if (Array.isArray(value)) {
    lua.lua_createtable(L, value.length, 0);
    value.forEach((item: unknown, i) => {
      pushJson(L, item, depth + 1);
      lua.lua_rawseti(L, -2, i + 1);
    });
  } else {
    const object = value as Record<string, unknown>;
    lua.lua_createtable(L, 0, Object.keys(object).length);
    for (const [key, item] of Object.entries(object)) {
      lua.lua_pushstring(L, new Uint8Array(Buffer.from(key, "utf8")));
      pushJson(L, item, depth + 1);
      lua.lua_rawset(L, -3);
    }
  }
}

/** `cjson.encode(value)` */
export function cjsonEncode(L: LuaState): number {
  let text: string;
  try {
    text = encodeValue(L, 1, 0);
  } catch (err) {
    // lua-cjson reports its errors as Lua errors; so does this.
    return lauxlib.luaL_error(L, err instanceof Error ? err.message : String(err));
  }
  lua.lua_pushstring(L, new Uint8Array(Buffer.from(text, "latin1")));
  return 1;
}

/** `cjson.decode(text)` */
export function cjsonDecode(L: LuaState): number {
  const bytes = lua.lua_tolstring(L, 1);
  if (bytes === null) return lauxlib.luaL_error(L, "bad argument #1 to 'decode' (string expected)");
  const base = lua.lua_gettop(L);
  try {
    pushJson(L, JSON.parse(toBuffer(bytes).toString("utf8")) as unknown);
  } catch (err) {
    // Errors become Lua errors, as lua-cjson raises them; the half-built value is dropped first.
    lua.lua_settop(L, base);
    return lauxlib.luaL_error(
      L,
      err instanceof SyntaxError
        ? `Expected value but found invalid token: ${err.message}`
        : String(err instanceof Error ? err.message : err),
    );
  }
  return 1;
}
