/**
 * Shims for scripts in ioredis-mock. The mock runs each EVAL on a fresh Lua state:
 * it defines `redis.call`/`redis.pcall` as Lua functions over a JS function `call`,
 * then runs the script through `lauxlib.luaL_dostring`, which it looks up at each
 * call. Wrapping that one function (for the script, not the mock's own prelude):
 * - `redis.call`/`redis.pcall` become JS functions (as in Redis, where they are C):
 *   each command passes the same checks as a client's (commands.ts), runs through
 *   the mock's `call`, and its reply reaches Lua by Redis' rules (lua-values.ts);
 * - the script runs as chunk `@user_script` under an error handler, so an error reads
 *   as Redis 7 writes it: `<error> script: <sha>, on @user_script:<line>.` The mock
 *   itself reports an error raised in JS (WRONGTYPE from `redis.call`) as "… VM: null";
 * - the return value is converted here (lua-values.ts) and handed to the mock as a
 *   JS value, which it passes through.
 */
import { sha1hex } from "../scripts.ts";
import { prepareCommand, replyErrorText } from "./commands.ts";
import { pushError, pushReply, scriptResult } from "./lua-values.ts";
import { interop, lauxlib, lua, type LuaJsFunction, type LuaState, type MockRedis } from "./runtime.ts";

/**
 * State of the hook, kept on the fengari instance: that is one per process, while
 * this module may be evaluated more than once (vitest runs each project's global
 * setup in its own module graph), and every gateway must reach the same hook.
 */
interface HookState {
  /** The store whose script is running: EVAL runs synchronously inside the adapter's call (see withStore). */
  store: MockRedis | undefined;
  readonly original: typeof lauxlib.luaL_dostring;
}

/** Runs `work` (a synchronous call into the mock) with scripts' `redis.call` going to `mock`. */
export function withStore<T>(mock: MockRedis, work: () => T): T {
  const previous = state.store;
  state.store = mock;
  try {
    return work();
  } finally {
    state.store = previous;
  }
}

/** `redis.call` (raise) or `redis.pcall` (return the error table); upvalue 1 is the mock's `call(pcall, name, …)`. */
function bridge(raise: boolean): LuaJsFunction {
  return (L) => {
    const fail = (text: string): number => {
      lua.lua_settop(L, 0);
      pushError(L, text);
      return raise ? lua.lua_error(L) : 1;
    };
    const words: string[] = [];
    for (let i = 1; i <= lua.lua_gettop(L); i++) {
      const type = lua.lua_type(L, i);
      if (type !== lua.LUA_TSTRING && type !== lua.LUA_TNUMBER)
        return fail("ERR Lua redis lib command arguments must be strings or integers");
      words.push(lua.lua_tojsstring(L, i) ?? "");
    }
    const [command, ...args] = words;
    if (command === undefined) return fail("ERR Please specify at least one argument for this redis lib call");
    if (state.store === undefined) return fail("ERR script ran outside the embedded store's EVAL (bug in the gateway)");
    const step = prepareCommand(state.store, command, args, "script");
    if ("refused" in step) return fail(step.refused);
    lua.lua_settop(L, 0);
    if ("reply" in step) {
      pushReply(L, step.reply);
      return 1;
    }
    lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
    lua.lua_pushboolean(L, false);
    for (const word of [step.name, ...step.args]) lua.lua_pushstring(L, word);
    // Protected: an error the mock throws in JS becomes `{err = …}` (see nativeError) instead of unwinding the VM.
    if (lua.lua_pcall(L, step.args.length + 2, lua.LUA_MULTRET, 0) !== lua.LUA_OK) return raise ? lua.lua_error(L) : 1;
    // The mock pushes its reply as a JS value (nothing for nil), a top-level array prefixed with a null.
    const reply = lua.lua_gettop(L) > 0 ? interop.tojs(L, -1) : null;
    lua.lua_settop(L, 0);
    pushReply(L, Array.isArray(reply) ? reply.slice(1) : reply);
    return 1;
  };
}

/** fengari's hook for an error thrown in JS (by the mock's `call`): becomes a Redis error table, as a client would see it. */
const nativeError: LuaJsFunction = (L) => {
  pushError(L, replyErrorText(lua.lua_touserdata(L, 1)));
  return 1;
};

/** The line the script was at: the innermost frame of the `@user_script` chunk. */
function scriptLine(L: LuaState): number | undefined {
  const ar = new lua.lua_Debug();
  for (let level = 1; lua.lua_getstack(L, level, ar) !== 0; level++) {
    lua.lua_getinfo(L, "Sl", ar);
    if (ar.source !== null && Buffer.from(ar.source).toString("latin1") === "@user_script") return ar.currentline;
  }
  return undefined;
}

/** Redis 7's error handler: `{err=…}` keeps its text, anything else becomes "ERR <text>"; sha and line appended. */
function errorHandler(sha: string): LuaJsFunction {
  return (L) => {
    let text: string;
    if (lua.lua_type(L, 1) === lua.LUA_TTABLE) {
      lua.lua_getfield(L, 1, "err");
      text = lua.lua_tojsstring(L, -1) ?? "ERR unknown error";
    } else {
      lauxlib.luaL_tolstring(L, 1);
      text = `ERR ${lua.lua_tojsstring(L, -1) ?? ""}`;
    }
    const line = scriptLine(L);
    lua.lua_pushstring(L, `${text} script: ${sha}${line === undefined ? "" : `, on @user_script:${line}.`}`);
    return 1;
  };
}

/** Replaces `redis[field]` with a bridge over the mock's global `call`. */
function installBridge(L: LuaState, field: "call" | "pcall", raise: boolean): void {
  lua.lua_getglobal(L, "redis");
  lua.lua_getglobal(L, "call");
  lua.lua_pushjsclosure(L, bridge(raise), 1);
  lua.lua_setfield(L, -2, field);
  lua.lua_settop(L, -2);
}

/** luaL_dostring for the script itself; leaves one result (or the error text) where luaL_dostring would. */
function runScript(L: LuaState, code: Uint8Array): number {
  lua.lua_atnativeerror(L, nativeError);
  installBridge(L, "call", true);
  installBridge(L, "pcall", false);
  lua.lua_pushjsfunction(L, errorHandler(sha1hex(code)));
  const handler = lua.lua_gettop(L);
  if (lauxlib.luaL_loadbufferx(L, code, null, "@user_script", "t") !== lua.LUA_OK) {
    const message = lua.lua_tojsstring(L, -1) ?? "";
    lua.lua_settop(L, handler - 1);
    lua.lua_pushstring(L, `ERR Error compiling script (new function): ${message}`);
    return lua.LUA_ERRSYNTAX;
  }
  // Redis replies with the first return value only.
  const status = lua.lua_pcall(L, 0, 1, handler);
  lua.lua_remove(L, handler);
  if (status !== lua.LUA_OK) return status;
  const result = scriptResult(L, -1);
  lua.lua_settop(L, -2);
  if (result instanceof Error) {
    lua.lua_pushstring(L, result.message);
    return lua.LUA_ERRRUN;
  }
  // The mock reads a JS array from index 1 (its own arrays start with a null for Lua); nil travels as false.
  interop.push(L, Array.isArray(result) ? [null, ...(result as unknown[])] : (result ?? false));
  return lua.LUA_OK;
}

function install(): HookState {
  const installed: HookState = { store: undefined, original: lauxlib.luaL_dostring };
  lauxlib.luaL_dostring = (L, code) => {
    // The mock's prelude runs first, before the global `redis` it defines exists.
    const isScript = lua.lua_getglobal(L, "redis") === lua.LUA_TTABLE;
    lua.lua_settop(L, -2);
    return isScript ? runScript(L, code) : installed.original(L, code);
  };
  return installed;
}

const HOOK = Symbol.for("rampart.upstash-gateway.lua-hook");
const state = (Reflect.get(lauxlib, HOOK) as HookState | undefined) ?? install();
Reflect.set(lauxlib, HOOK, state);
