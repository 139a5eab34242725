/**
 * The Lua side of the embedded scripting environment, run once per VM. It takes
 * the JS bridges from globals, builds Redis 7's `redis` table, the Lua 5.1
 * compatibility names Redis scripts may use, the read-only global environment
 * scripts run in, and the error handler Redis uses (adapted to skip the
 * prelude's own frames). It returns (new_env, handler) for the host to keep.
 */
export const PRELUDE = String.raw`
-- Fails loudly if fengari was loaded before lua-vm.ts could patch its number handling.
if math.type(1) ~= 'float' or tostring(2 ^ 31) ~= '2147483648' or tostring(10 / 2) ~= '5' then
  error('fengari runs without the Lua 5.1 number patches of lua-vm.ts')
end
local G = _G
local bridge = __bridge
__bridge = nil
local dbg = debug
debug = nil
local rawpcall, type, tostring, error, rawget, rawset, setmetatable, select = pcall, type, tostring, error, rawget, rawset, setmetatable, select
local pack, unpack = table.pack, table.unpack

local function error_reply(msg)
  if type(msg) ~= 'string' then error('wrong number or type of arguments', 2) end
  if msg:sub(1, 1) == '-' then msg = msg:sub(2) end
  if not msg:find(' ', 1, true) then msg = 'ERR ' .. msg end
  return { err = msg }
end

redis = {
  call = bridge.call,
  pcall = bridge.pcall,
  sha1hex = bridge.sha1hex,
  error_reply = error_reply,
  status_reply = function(msg)
    if type(msg) ~= 'string' then error('wrong number or type of arguments', 2) end
    return { ok = msg }
  end,
  log = function(level, ...)
    if select('#', ...) < 1 then error('redis.log() requires two arguments or more.', 2) end
  end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  setresp = function(v)
    if v ~= 2 then error('only RESP2 is available in the embedded Upstash stand-in', 2) end
  end,
  set_repl = function() end,
  replicate_commands = function() return true end,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  breakpoint = function() return false end,
  debug = function() end,
  acl_check_cmd = function() return true end,
  REDIS_VERSION = '7.0.15',
  REDIS_VERSION_NUM = 458767,
}
cjson = { encode = bridge.cjson_encode, decode = bridge.cjson_decode, null = bridge.cjson_null }

-- Lua 5.1 names Redis scripts may use.
rawset(G, 'unpack', unpack)
gcinfo = function() return collectgarbage('count') end
table.getn = function(t) return #t end
table.maxn = function(t)
  local n = 0
  for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end
  return n
end
string.gfind = string.gmatch
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
-- Lua 5.3 returns integers here; keep everything a float, as every 5.1 number is.
local floor, ceil = math.floor, math.ceil
math.floor = function(x) return floor(x) + 0.0 end
math.ceil = function(x) return ceil(x) + 0.0 end

-- Redis 7 turns error tables into their message for pcall.
pcall = function(f, ...)
  local r = pack(rawpcall(f, ...))
  if not r[1] and type(r[2]) == 'table' and type(r[2].err) == 'string' then return false, r[2].err end
  return unpack(r, 1, r.n)
end

for _, name in ipairs({ 'dofile', 'loadfile', 'print', 'require', 'module', 'package', 'io', 'os', 'utf8' }) do
  rawset(G, name, nil)
end
math.type, math.tointeger, math.ult = nil, nil, nil

local function readonly(t)
  return setmetatable({}, {
    __index = t,
    __newindex = function() error('Attempt to modify a readonly table', 2) end,
    __pairs = function() return next, t, nil end,
    __len = function() return #t end,
    __metatable = false,
  })
end
for _, name in ipairs({ 'redis', 'cjson', 'string', 'math', 'table', 'coroutine' }) do
  rawset(G, name, readonly(rawget(G, name)))
end

-- Each run gets a fresh, empty environment (so even rawset(_G, …) cannot leak into
-- the next script); reads fall through to the globals, writes are refused.
local current
local envmeta = {
  __index = function(t, k)
    if k == '_G' then return t end
    local v = rawget(G, k)
    if v == nil then error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2) end
    return v
  end,
  __newindex = function() error('Attempt to modify a readonly table', 2) end,
  __metatable = false,
}
local function new_env()
  current = setmetatable({}, envmeta)
  return current
end
-- Chunks loaded by scripts get the same protected environment.
local rawload = load
load = function(chunk, name, mode, e) return rawload(chunk, name, mode or 't', e or current) end
loadstring = function(s, name) return rawload(s, name, 't', current) end

-- Redis' __redis__err__handler, walking up to the script's own frame.
local function handler(err)
  local info
  for level = 2, 12 do
    local i = dbg.getinfo(level, 'nSl')
    if not i then break end
    if i.source == '@user_script' then info = i break end
  end
  if type(err) ~= 'table' then err = { err = 'ERR ' .. tostring(err) } end
  if info then
    err['source'] = info.source
    err['line'] = info.currentline
  end
  return err
end

return new_env, handler
`;
