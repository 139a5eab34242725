/**
 * EVAL / EVALSHA / SCRIPT for the embedded store: scripts run in a real Lua VM
 * (fengari) with `redis.call` bridged to the same command table clients use.
 * Everything runs synchronously, so a script is atomic: no request interleaves.
 */
import type { Command } from "../encoding.ts";
import { ErrorReply, Errors, type Reply } from "../reply.ts";
import { STOCK_FLAGS, UPSTASH_ONLY_FLAGS, parseShebang, sha1hex } from "../scripts.ts";
import type { Caller } from "./dispatch.ts";
import { createScriptState } from "./lua-state.ts";
import { ReplyTooDeep, pushReply, readArgs, readReply } from "./lua-values.ts";
import { lauxlib, lua, toBuffer, toLua, type LuaState } from "./lua-vm.ts";
import { isErr, intArg, type Scripting } from "./spec.ts";

/** Redis never kills a busy script by itself; an embedded store in a test run should. */
const SCRIPT_TIME_LIMIT_MS = 5000;

interface Compiled {
  readonly ref: number;
  /** `#!lua flags=no-writes`: write commands are refused, as in Redis. */
  readonly readOnly: boolean;
}

type Execute = (command: Command, caller: Caller) => Reply;

/** The script cache and runner of one embedded store (one Lua state). */
export class LuaScripting implements Scripting {
  readonly #L: LuaState;
  readonly #newEnv: number;
  readonly #handler: number;
  readonly #scripts = new Map<string, Compiled>();
  readonly #execute: Execute;
  #caller: Caller = "script";
  #deadline = 0;

  constructor(execute: Execute) {
    this.#execute = execute;
    const state = createScriptState(
      (L) => this.#bridge(L, true),
      (L) => this.#bridge(L, false),
    );
    this.#L = state.L;
    this.#newEnv = state.newEnv;
    this.#handler = state.handler;
  }

  eval(script: Buffer, rest: readonly Buffer[], readOnly: boolean): Reply {
    const sha = sha1hex(script);
    const compiled = this.#compile(script, sha);
    return isErr(compiled) ? compiled : this.#run(compiled, sha, rest, readOnly);
  }

  evalsha(sha: Buffer, rest: readonly Buffer[], readOnly: boolean): Reply {
    const key = sha.toString("latin1").toLowerCase();
    const compiled = this.#scripts.get(key);
    return compiled ? this.#run(compiled, key, rest, readOnly) : Errors.noScript();
  }

  load(script: Buffer): Reply {
    const sha = sha1hex(script);
    const compiled = this.#compile(script, sha);
    return isErr(compiled) ? compiled : Buffer.from(sha, "latin1");
  }

  exists(shas: readonly Buffer[]): Reply {
    return shas.map((sha) => (this.#scripts.has(sha.toString("latin1").toLowerCase()) ? 1n : 0n));
  }

  flush(): void {
    for (const { ref } of this.#scripts.values()) lauxlib.luaL_unref(this.#L, lua.LUA_REGISTRYINDEX, ref);
    this.#scripts.clear();
  }

  /** Compiles once per sha; each run gets its own environment (see #run). */
  #compile(script: Buffer, sha: string): Compiled | ErrorReply {
    const cached = this.#scripts.get(sha);
    if (cached) return cached;
    const shebang = parseShebang(script);
    if (shebang) {
      if (shebang.engine !== "lua") return new ErrorReply(`ERR Could not find engine '${shebang.engine}'`);
      if (shebang.unknown[0] !== undefined) return new ErrorReply(`ERR Unknown lua shebang option: ${shebang.unknown[0]}`);
      const bad = shebang.flags.find((f) => !STOCK_FLAGS.has(f) && !UPSTASH_ONLY_FLAGS.has(f));
      if (bad !== undefined) return new ErrorReply(`ERR Unexpected flag in script shebang: ${bad}`);
    }
    // Lua's loader does not skip a '#' line; the body keeps its newline so line numbers still match.
    const body = shebang ? shebang.rest : script;
    const L = this.#L;
    if (lauxlib.luaL_loadbufferx(L, toLua(body), null, "@user_script", "t") !== lua.LUA_OK) {
      const message = toBuffer(lua.lua_tolstring(L, -1) ?? new Uint8Array()).toString();
      lua.lua_pop(L, 1);
      return new ErrorReply(`ERR Error compiling script (new function): ${message}`);
    }
    const compiled = { ref: lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX), readOnly: shebang?.flags.includes("no-writes") ?? false };
    this.#scripts.set(sha, compiled);
    return compiled;
  }

  #run(compiled: Compiled, sha: string, rest: readonly Buffer[], readOnly: boolean): Reply {
    const numkeys = intArg(rest[0]);
    if (isErr(numkeys)) return numkeys;
    if (numkeys < 0n) return new ErrorReply("ERR Number of keys can't be negative");
    if (numkeys > BigInt(rest.length - 1)) return new ErrorReply("ERR Number of keys can't be greater than number of args");
    const L = this.#L;
    const base = lua.lua_gettop(L);
    try {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.#handler);
      pushReply(L, rest.slice(1, 1 + Number(numkeys)));
      lua.lua_setglobal(L, "KEYS");
      pushReply(L, rest.slice(1 + Number(numkeys)));
      lua.lua_setglobal(L, "ARGV");
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, compiled.ref);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.#newEnv);
      lua.lua_call(L, 0, 1);
      lua.lua_setupvalue(L, -2, 1); // the chunk's only upvalue is _ENV
      this.#caller = readOnly || compiled.readOnly ? "script-ro" : "script";
      this.#deadline = Date.now() + SCRIPT_TIME_LIMIT_MS;
      lua.lua_sethook(
        L,
        timeLimitHook(() => this.#deadline),
        lua.LUA_MASKCOUNT,
        10_000,
      );
      const status = lua.lua_pcall(L, 0, 1, base + 1);
      lua.lua_sethook(L, null, 0, 0);
      return status === lua.LUA_OK ? readReply(L, -1) : scriptError(L, sha);
    } catch (err) {
      if (err instanceof ReplyTooDeep) return new ErrorReply(err.message);
      throw err;
    } finally {
      lua.lua_settop(L, base);
    }
  }

  /** redis.call (raise = true) and redis.pcall. */
  #bridge(L: LuaState, raise: boolean): number {
    const args = readArgs(L, 1);
    let reply: Reply;
    if (isErr(args)) reply = args;
    else if (args.length === 0) reply = new ErrorReply("ERR Please specify at least one argument for this redis lib call");
    else reply = this.#execute(args, this.#caller);
    lua.lua_settop(L, 0);
    pushReply(L, reply);
    // Redis raises the {err=…} table itself; the handler adds where it happened.
    return raise && isErr(reply) ? lua.lua_error(L) : 1;
  }
}

/** The error object left by the handler → Redis' "<err> script: <sha>, on @user_script:<line>." */
function scriptError(L: LuaState, sha: string): ErrorReply {
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
    return new ErrorReply(`ERR ${toBuffer(lua.lua_tolstring(L, -1) ?? new Uint8Array()).toString()} script: ${sha}`);
  }
  const field = (name: string): string | undefined => {
    lua.lua_getfield(L, -1, name);
    const value = lua.lua_tolstring(L, -1);
    lua.lua_pop(L, 1);
    return value === null ? undefined : toBuffer(value).toString();
  };
  const [err = "ERR unknown error", source, line] = [field("err"), field("source"), field("line")];
  return new ErrorReply(`${err} script: ${sha}${source && line ? `, on ${source}:${line}.` : ""}`);
}

function timeLimitHook(deadline: () => number): (L: LuaState) => void {
  return (L) => {
    if (Date.now() > deadline()) lauxlib.luaL_error(L, `Script killed by the embedded store after ${SCRIPT_TIME_LIMIT_MS} ms`);
  };
}
