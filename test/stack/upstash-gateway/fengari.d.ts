/**
 * Types for the part of fengari 0.1.5 (Lua 5.3 in JavaScript, shipped without
 * types) that the embedded store uses. Strings cross the API as byte arrays
 * (Uint8Array); names may also be JS strings, which fengari encodes as UTF-8.
 * `src/luaconf.js` and `src/lobject.js` are loaded directly to patch number
 * handling before the VM is created (see embedded/lua-vm.ts).
 */
declare module "fengari" {
  /** An opaque Lua state. */
  export interface LuaState {
    readonly __brand: "lua_State";
  }
  export type LuaString = Uint8Array;
  /** A function callable from Lua: reads its arguments from the stack, returns how many results it pushed. */
  export type LuaCFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: unknown) => void;

  export interface LuaApi {
    readonly LUA_OK: number;
    readonly LUA_MULTRET: number;
    readonly LUA_REGISTRYINDEX: number;
    readonly LUA_MASKCOUNT: number;
    readonly LUA_TNONE: number;
    readonly LUA_TNIL: number;
    readonly LUA_TBOOLEAN: number;
    readonly LUA_TLIGHTUSERDATA: number;
    readonly LUA_TNUMBER: number;
    readonly LUA_TSTRING: number;
    readonly LUA_TTABLE: number;
    readonly LUA_TFUNCTION: number;
    lua_gettop(L: LuaState): number;
    /** Grows the stack for `n` more slots; API calls outside Lua frames get only a few by default. */
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_call(L: LuaState, nargs: number, nresults: number): void;
    /** Called (with the JS error as light userdata at index 1) when JS code throws inside a protected call. */
    lua_atnativeerror(L: LuaState, handler: LuaCFunction): void;
    lua_settop(L: LuaState, index: number): void;
    lua_pop(L: LuaState, n: number): void;
    lua_absindex(L: LuaState, index: number): number;
    lua_pushvalue(L: LuaState, index: number): void;
    lua_type(L: LuaState, index: number): number;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, value: boolean): void;
    lua_pushnumber(L: LuaState, value: number): void;
    lua_pushstring(L: LuaState, value: LuaString | string): void;
    lua_pushcfunction(L: LuaState, fn: LuaCFunction): void;
    lua_pushlightuserdata(L: LuaState, value: object): void;
    lua_toboolean(L: LuaState, index: number): boolean;
    lua_tonumber(L: LuaState, index: number): number;
    lua_isinteger(L: LuaState, index: number): boolean;
    lua_tointeger(L: LuaState, index: number): number;
    /** Converts numbers in place; null for other non-strings. */
    lua_tolstring(L: LuaState, index: number): LuaString | null;
    lua_touserdata(L: LuaState, index: number): unknown;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_rawgeti(L: LuaState, index: number, n: number): number;
    lua_rawset(L: LuaState, index: number): void;
    lua_setfield(L: LuaState, index: number, key: string): void;
    lua_getfield(L: LuaState, index: number, key: string): number;
    lua_setglobal(L: LuaState, name: string): void;
    lua_next(L: LuaState, index: number): number;
    lua_setupvalue(L: LuaState, funcIndex: number, n: number): LuaString | null;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_error(L: LuaState): number;
    lua_sethook(L: LuaState, hook: LuaHook | null, mask: number, count: number): void;
  }

  export interface LuaAuxLib {
    luaL_newstate(): LuaState;
    luaL_loadbufferx(L: LuaState, buffer: LuaString, size: number | null, name: string, mode: string | null): number;
    luaL_requiref(L: LuaState, name: string, open: LuaCFunction, global: boolean): void;
    luaL_ref(L: LuaState, table: number): number;
    luaL_unref(L: LuaState, table: number, ref: number): void;
    luaL_error(L: LuaState, message: string): number;
  }

  export interface LuaStdLib {
    luaopen_base: LuaCFunction;
    luaopen_coroutine: LuaCFunction;
    luaopen_table: LuaCFunction;
    luaopen_string: LuaCFunction;
    luaopen_math: LuaCFunction;
    luaopen_debug: LuaCFunction;
  }

  /** `fengari/src/luaconf.js`: formats floats for tostring(); replaced before lobject.js captures it. */
  export interface LuaConfModule {
    lua_number2str: (n: number) => string;
  }

  /** A Lua value slot as `luaO_str2num` fills it. */
  export interface TValue {
    ttisinteger(): boolean;
    setfltvalue(value: number): void;
    readonly value: number;
  }

  /** `fengari/src/lobject.js`: string → number for the lexer, tonumber() and coercions; wrapped at load. */
  export interface LObjectModule {
    luaO_str2num: (s: Uint8Array, o: TValue) => number;
  }

  export const lua: LuaApi;
  export const lauxlib: LuaAuxLib;
  export const lualib: LuaStdLib;
}
