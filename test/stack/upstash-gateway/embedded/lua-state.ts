/**
 * Creates the Lua state scripts run in: the standard libraries Redis offers,
 * the JS bridges (redis.call/pcall, sha1hex, cjson) and the prelude that turns
 * them into Redis 7's environment. Returns registry refs to the script
 * environment factory and the error handler.
 */
import { sha1hex } from "../scripts.ts";
import { CJSON_NULL, cjsonDecode, cjsonEncode } from "./cjson.ts";
import { PRELUDE } from "./lua-prelude.ts";
import { lauxlib, lua, lualib, toBuffer, toLua, type LuaCFunction, type LuaState } from "./lua-vm.ts";

/** A ready Lua state and the registry refs the runner needs. */
export interface ScriptState {
  readonly L: LuaState;
  /** Registry ref of `new_env()`, which makes the read-only _ENV of one script run. */
  readonly newEnv: number;
  /** Registry ref of the message handler used for lua_pcall. */
  readonly handler: number;
}

/** `redis.sha1hex(s)` */
const sha1Bridge: LuaCFunction = (L) => {
  const bytes = lua.lua_gettop(L) === 1 ? lua.lua_tolstring(L, 1) : null;
  if (bytes === null) return lauxlib.luaL_error(L, "wrong number of arguments");
  lua.lua_pushstring(L, sha1hex(toBuffer(bytes)));
  return 1;
};

/**
 * A JS exception thrown inside the VM (a bug in a bridge) becomes an ordinary Lua
 * error, so the script fails with a readable message and the VM stays usable.
 */
const nativeError: LuaCFunction = (L) => {
  const err = lua.lua_touserdata(L, 1);
  console.error("[upstash-gateway] JS error inside an embedded Lua script", err);
  lua.lua_pushstring(L, `internal error in the embedded store: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
};

/** Builds the state; `call` / `pcall` are the bridges for redis.call / redis.pcall. */
export function createScriptState(call: LuaCFunction, pcall: LuaCFunction): ScriptState {
  const L = lauxlib.luaL_newstate();
  lua.lua_atnativeerror(L, nativeError);
  const libs: [string, LuaCFunction][] = [
    ["_G", lualib.luaopen_base],
    ["coroutine", lualib.luaopen_coroutine],
    ["table", lualib.luaopen_table],
    ["string", lualib.luaopen_string],
    ["math", lualib.luaopen_math],
    // Only the prelude's error handler keeps `debug`; scripts do not see it (as in Redis 7).
    ["debug", lualib.luaopen_debug],
  ];
  for (const [name, open] of libs) {
    lauxlib.luaL_requiref(L, name, open, true);
    lua.lua_pop(L, 1);
  }
  lua.lua_createtable(L, 0, 6);
  const functions: [string, LuaCFunction][] = [
    ["call", call],
    ["pcall", pcall],
    ["sha1hex", sha1Bridge],
    ["cjson_encode", cjsonEncode],
    ["cjson_decode", cjsonDecode],
  ];
  for (const [name, fn] of functions) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, name);
  }
  lua.lua_pushlightuserdata(L, CJSON_NULL);
  lua.lua_setfield(L, -2, "cjson_null");
  lua.lua_setglobal(L, "__bridge");
  if (
    lauxlib.luaL_loadbufferx(L, toLua(Buffer.from(PRELUDE)), null, "=prelude", "t") !== lua.LUA_OK ||
    lua.lua_pcall(L, 0, 2, 0) !== lua.LUA_OK
  ) {
    throw new Error(`embedded Lua prelude failed: ${toBuffer(lua.lua_tolstring(L, -1) ?? new Uint8Array()).toString()}`);
  }
  const handler = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  const newEnv = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  return { L, newEnv, handler };
}
