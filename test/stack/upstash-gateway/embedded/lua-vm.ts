/**
 * Loads fengari (Lua 5.3) patched to behave like the Lua 5.1 inside Redis where
 * scripts can tell the difference:
 *
 * - every number is a float, as in 5.1. fengari's integers are 32-bit and wrap on
 *   overflow, so `tonumber(ARGV[1])` of a millisecond timestamp or `a + b` past
 *   2^31 would silently go wrong. Numerals from source, tonumber() and string
 *   coercion therefore produce floats (math.floor/ceil are wrapped in the prelude);
 * - tostring() prints floats with C's "%.14g" and no ".0" suffix (5.1 prints 3,
 *   not 3.0), which matters wherever scripts build keys from numbers.
 *
 * fengari reads its configuration when its modules are first loaded, so the
 * patches go in before the VM is required, through createRequire.
 */
import { createRequire } from "node:module";
import type * as Fengari from "fengari";
import { formatG } from "./numbers.ts";

const requireCjs = createRequire(import.meta.url);

function loadPatched(): typeof Fengari {
  const previous = process.env.FENGARICONF;
  // luaconf.js reads this once, at load, to skip the ".0" on integral floats.
  process.env.FENGARICONF = JSON.stringify({ LUA_COMPAT_FLOATSTRING: true });
  try {
    // defs.js and luaconf.js require each other; entering through fengaricore.js
    // (defs first) is the order fengari itself uses.
    requireCjs("fengari/src/fengaricore.js");
    const luaconf = requireCjs("fengari/src/luaconf.js") as Fengari.LuaConfModule;
    luaconf.lua_number2str = (n) => formatG(n, 14);
    // The full VM must load in fengari's own order (its modules are circular);
    // its callers reach luaO_str2num through the module object, so wrapping it afterwards works.
    const vm = requireCjs("fengari") as typeof Fengari;
    const lobject = requireCjs("fengari/src/lobject.js") as Fengari.LObjectModule;
    const str2num = lobject.luaO_str2num;
    lobject.luaO_str2num = (s, o) => {
      const size = str2num(s, o);
      if (size !== 0 && o.ttisinteger()) o.setfltvalue(o.value);
      return size;
    };
    return vm;
  } finally {
    if (previous === undefined) delete process.env.FENGARICONF;
    else process.env.FENGARICONF = previous;
  }
}

/** fengari's API, with the Lua 5.1 number patches applied. */
export const { lua, lauxlib, lualib } = loadPatched();
export type { LuaState, LuaCFunction } from "fengari";

/** A Lua string (bytes) as a Buffer copy. */
export const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes);
/** A Buffer as a Lua string; fengari wants a plain Uint8Array. */
export const toLua = (bytes: Buffer): Uint8Array => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice();
