/**
 * Loads ioredis-mock and what the shims reach inside it: its Lua VM (fengari, Lua 5.3
 * in JavaScript), fengari-interop and @ioredis/commands, each resolved from
 * ioredis-mock's own location so the shims configure and hook the very instances the
 * mock uses. Typed here for the few calls the shims make (fengari ships no types).
 *
 * One setting goes in before fengari first loads (it reads it once, at load):
 * LUA_COMPAT_FLOATSTRING, so `tostring(n)` and `..` print an integral float without
 * ".0", as Redis' Lua 5.1 does. fengari's integers are 32-bit, so `tonumber()` of a
 * millisecond timestamp is a float; without the setting a key built from it reads
 * `prefix:1790000000000.0` and misses the key the SDK wrote (ratelimit analytics).
 */
import { createRequire } from "node:module";

/** A Lua state (opaque). */
export type LuaState = object;
/** A JS function callable from Lua: arguments on the stack, returns how many results it pushed. */
export type LuaJsFunction = (L: LuaState) => number;

/** `lua_Debug`, the fields lua.ts reads. */
export interface LuaDebug {
  readonly source: Uint8Array | null;
  readonly currentline: number;
}

/** The part of fengari's `lua` API the shims use; strings may be JS strings or byte arrays. */
export interface LuaApi {
  readonly LUA_OK: number;
  readonly LUA_ERRRUN: number;
  readonly LUA_ERRSYNTAX: number;
  readonly LUA_MULTRET: number;
  readonly LUA_TNIL: number;
  readonly LUA_TBOOLEAN: number;
  readonly LUA_TNUMBER: number;
  readonly LUA_TSTRING: number;
  readonly LUA_TTABLE: number;
  readonly lua_Debug: new () => LuaDebug;
  lua_absindex(L: LuaState, index: number): number;
  lua_atnativeerror(L: LuaState, handler: LuaJsFunction): void;
  lua_createtable(L: LuaState, narr: number, nrec: number): void;
  lua_error(L: LuaState): number;
  lua_getfield(L: LuaState, index: number, key: string): number;
  lua_getglobal(L: LuaState, name: string): number;
  lua_getinfo(L: LuaState, what: string, ar: LuaDebug): number;
  lua_getstack(L: LuaState, level: number, ar: LuaDebug): number;
  lua_gettop(L: LuaState): number;
  lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
  lua_pushboolean(L: LuaState, b: boolean): void;
  lua_pushjsclosure(L: LuaState, fn: LuaJsFunction, nup: number): void;
  lua_pushjsfunction(L: LuaState, fn: LuaJsFunction): void;
  lua_pushnumber(L: LuaState, n: number): void;
  lua_pushstring(L: LuaState, s: string | Uint8Array): void;
  lua_pushvalue(L: LuaState, index: number): void;
  lua_rawgeti(L: LuaState, index: number, n: number): number;
  lua_rawseti(L: LuaState, index: number, n: number): void;
  lua_remove(L: LuaState, index: number): void;
  lua_setfield(L: LuaState, index: number, key: string): void;
  lua_setglobal(L: LuaState, name: string): void;
  lua_settop(L: LuaState, index: number): void;
  lua_toboolean(L: LuaState, index: number): boolean;
  lua_tojsstring(L: LuaState, index: number): string | null;
  lua_tonumber(L: LuaState, index: number): number;
  lua_touserdata(L: LuaState, index: number): unknown;
  lua_type(L: LuaState, index: number): number;
  lua_upvalueindex(i: number): number;
}

/** `lauxlib`; `luaL_dostring` is looked up by ioredis-mock at each call, which lets lua.ts wrap it. */
export interface LauxApi {
  luaL_dostring: (L: LuaState, code: Uint8Array) => number;
  luaL_loadbufferx(L: LuaState, code: Uint8Array, size: null, chunkname: string, mode: string | null): number;
  luaL_tolstring(L: LuaState, index: number): Uint8Array;
}

/** The parts of an ioredis-mock instance the adapter and the checks use. */
export interface MockRedis {
  /** The keyspace; `get` drops an expired key and answers undefined for a missing one. */
  readonly data: { get(key: string): unknown };
  /** sha1 → script, filled by EVAL; SCRIPT LOAD/FLUSH are emulated on it (commands.ts). */
  shaScripts: Record<string, string>;
  flushall(): Promise<unknown>;
  disconnect(): void;
}

interface Fengari {
  readonly lua: LuaApi;
  readonly lauxlib: LauxApi;
}
interface FengariInterop {
  /** A Lua value as JS; a JS object ioredis-mock pushed comes back as that object. */
  tojs(L: LuaState, index: number): unknown;
  /** Pushes a JS value: strings, numbers and booleans as Lua values, objects as a proxy of the object. */
  push(L: LuaState, value: unknown): void;
}
interface LuaConf {
  readonly LUA_COMPAT_FLOATSTRING: boolean;
}
interface RedisCommands {
  exists(name: string): boolean;
  hasFlag(name: string, flag: string): boolean;
}
type MockConstructor = new (options: { readonly host: string; readonly lazyConnect: boolean }) => MockRedis;

const mockEntry = createRequire(import.meta.url).resolve("ioredis-mock");
const requireFromMock = createRequire(mockEntry);

function load(): { fengari: Fengari; interop: FengariInterop; RedisMock: MockConstructor; commands: RedisCommands } {
  const previous = process.env.FENGARICONF;
  process.env.FENGARICONF = JSON.stringify({ LUA_COMPAT_FLOATSTRING: true });
  try {
    const fengari = requireFromMock("fengari") as Fengari;
    if (!(requireFromMock("fengari/src/luaconf.js") as LuaConf).LUA_COMPAT_FLOATSTRING) {
      throw new Error("fengari was loaded before the Upstash gateway could configure it (LUA_COMPAT_FLOATSTRING is off)");
    }
    return {
      fengari,
      interop: requireFromMock("fengari-interop") as FengariInterop,
      // After fengari, so the mock's own require of it gets the configured instance.
      RedisMock: requireFromMock(mockEntry) as MockConstructor,
      commands: requireFromMock("@ioredis/commands") as RedisCommands,
    };
  } finally {
    if (previous === undefined) delete process.env.FENGARICONF;
    else process.env.FENGARICONF = previous;
  }
}

const loaded = load();
/** fengari's `lua` and `lauxlib`, the instance ioredis-mock uses. */
export const { lua, lauxlib } = loaded.fengari;
/** fengari-interop, which ioredis-mock uses to pass values between JS and Lua. */
export const { interop } = loaded;
/** The ioredis-mock client class. */
export const { RedisMock } = loaded;
/** Redis' command table as ioredis knows it (names, flags). */
export const redisCommands = loaded.commands;
