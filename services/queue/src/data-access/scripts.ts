/**
 * Lua scripts over one concert's keys (all share a hash tag). Each runs atomically, so any
 * number of instances can call them concurrently. Time comes from Redis (`TIME`), one clock
 * for every instance; order comes from the INCR counter, never from clocks.
 */

const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- KEYS: waiting, active, seen, tokens, users (always the first five)
local function forget(id)
  local v = redis.call('HGET', KEYS[4], id)
  if v then
    -- "<userId>|<jwt>": a user id may contain '|' (auth0|…), a JWT never does.
    local user = string.match(v, '^(.*)|')
    if redis.call('HGET', KEYS[5], user) == id then redis.call('HDEL', KEYS[5], user) end
    redis.call('HDEL', KEYS[4], id)
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
end
-- Returns {status, position, expiresAtMs, jwt} of a live token, or nil (and forgets it if stale).
local function state_of(id, now, idle)
  local exp = redis.call('ZSCORE', KEYS[2], id)
  if exp and tonumber(exp) > now then
    return {'ACTIVE', 0, tonumber(exp)}
  end
  local rank = redis.call('ZRANK', KEYS[1], id)
  if rank then
    local seen = tonumber(redis.call('ZSCORE', KEYS[3], id) or '0')
    if now - seen <= idle then
      return {'WAITING', rank + 1, seen + idle}
    end
  end
  if exp or rank then forget(id) end
  return nil
end
-- A waiting fan of a concert with nothing left to sell is told so (the place is kept).
local function sold_out(sales_key)
  return redis.call('HGET', sales_key, 'soldOut') == '1'
end
`;

/**
 * KEYS: waiting, active, seen, tokens, users, seq, sales. ARGV: userId, newTokenId, newJwt, idleMs.
 * Returns {tokenId, jwt, status, position, expiresAtMs, created(0|1)}; status SOLD_OUT for a
 * waiting token of a concert with nothing left to sell.
 */
export const ISSUE = `${PRELUDE}
local now = now_ms()
local idle = tonumber(ARGV[4])
local existing = redis.call('HGET', KEYS[5], ARGV[1])
if existing then
  local s = state_of(existing, now, idle)
  if s then
    if s[1] == 'WAITING' then
      redis.call('ZADD', KEYS[3], now, existing)
      s[3] = now + idle
      if sold_out(KEYS[7]) then s[1] = 'SOLD_OUT' end
    end
    local v = redis.call('HGET', KEYS[4], existing)
    return {existing, string.sub(v, string.len(ARGV[1]) + 2), s[1], s[2], s[3], 0}
  end
end
local seq = redis.call('INCR', KEYS[6])
redis.call('ZADD', KEYS[1], seq, ARGV[2])
redis.call('ZADD', KEYS[3], now, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[2], ARGV[1] .. '|' .. ARGV[3])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
local rank = redis.call('ZRANK', KEYS[1], ARGV[2])
return {ARGV[2], ARGV[3], sold_out(KEYS[7]) and 'SOLD_OUT' or 'WAITING', rank + 1, now + idle, 1}
`;

/**
 * A poll (or an SSE refresh): reports the token's state and keeps a waiting token's place.
 * KEYS: waiting, active, seen, tokens, users, sales. ARGV: tokenId, idleMs.
 * Returns {status, position, expiresAtMs} or {'GONE'}; SOLD_OUT as in ISSUE.
 */
export const TOUCH = `${PRELUDE}
local now = now_ms()
local idle = tonumber(ARGV[2])
local s = state_of(ARGV[1], now, idle)
if not s then return {'GONE', 0, 0} end
if s[1] == 'WAITING' then
  redis.call('ZADD', KEYS[3], now, ARGV[1])
  s[3] = now + idle
  if sold_out(KEYS[6]) then s[1] = 'SOLD_OUT' end
end
return s
`;

/**
 * A token leaves for good (the fan left, or the saga spent it). The services that remember
 * ACTIVE passes are told on the revocation channel in the same atomic step.
 * KEYS: waiting, active, seen, tokens, users. ARGV: tokenId, revocation channel.
 * Returns 1 if it was live.
 */
export const REMOVE = `${PRELUDE}
local was = redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZSCORE', KEYS[2], ARGV[1])
forget(ARGV[1])
if was then
  redis.call('PUBLISH', ARGV[2], ARGV[1])
  return 1
end
return 0
`;

/**
 * The admission tick. Frees expired active slots, drops idle waiting tokens, then moves up to
 * the bucket's allowance from the head of the waiting set to ACTIVE while under maxActive.
 * The token bucket lives in Redis, so N instances ticking together admit at the configured
 * rate, not N times it.
 * Nobody is admitted while the concert has nothing left to sell, or before its first date
 * with seats goes on sale (`sales`, kept by APPLY_SCHEDULE).
 * KEYS: waiting, active, seen, tokens, users, bucket, sales.
 * ARGV: admitPerSecond, maxActive, activeTtlMs, idleMs, sweepLimit.
 * Returns {admitted, expired, idled, activeCount, waitingCount}.
 */
export const ADMIT = `${PRELUDE}
local now = now_ms()
local rate = tonumber(ARGV[1])
local max_active = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
local idle = tonumber(ARGV[4])
local limit = tonumber(ARGV[5])

local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do forget(id) end
local idled = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - idle - 1, 'LIMIT', 0, limit)
for _, id in ipairs(idled) do forget(id) end

local at = tonumber(redis.call('HGET', KEYS[6], 'at') or '0')
local allowance = tonumber(redis.call('HGET', KEYS[6], 'allowance') or '0')
if at == 0 then allowance = rate
else allowance = math.min(rate, allowance + rate * math.max(0, now - at) / 1000) end

local active = redis.call('ZCARD', KEYS[2])
local n = math.min(math.floor(allowance), max_active - active)
local opens_at = tonumber(redis.call('HGET', KEYS[7], 'opensAt') or '0')
if sold_out(KEYS[7]) or opens_at > now then n = 0 end
local admitted = 0
if n > 0 then
  local heads = redis.call('ZRANGE', KEYS[1], 0, n - 1)
  for _, id in ipairs(heads) do
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZADD', KEYS[2], now + ttl, id)
  end
  admitted = #heads
end
redis.call('HSET', KEYS[6], 'at', now, 'allowance', allowance - admitted)
return {admitted, #expired, #idled, active + admitted, redis.call('ZCARD', KEYS[1])}
`;

/**
 * What the queue learns of one date of a concert (concert.events), kept if newer than what it
 * knew, then the concert's sales state derived from all its dates: sold out when no open date
 * has a seat left or held (a hold may still come back), and sales open at the earliest open
 * date that has. A concert whose dates the queue never heard of is neither.
 * KEYS: schedules, sales. ARGV: kind ('schedule' | 'seats'), scheduleId, revision, then
 * for 'schedule': status, opensAtMs, totalSeats; for 'seats': available, held.
 * Returns 1 if it changed what the queue knew, else 0.
 */
export const APPLY_SCHEDULE = `
local fields = {}
local cur = redis.call('HGET', KEYS[1], ARGV[2])
local f = {0, 'OPEN', 0, 0, 0, 0, 0}
if cur then
  local i = 1
  for v in string.gmatch(cur, '([^|]+)') do f[i] = v; i = i + 1 end
end
local rev = tonumber(ARGV[3])
local changed = 0
if ARGV[1] == 'schedule' then
  if rev > tonumber(f[1]) then
    f[1] = rev; f[2] = ARGV[4]; f[3] = ARGV[5]; f[4] = ARGV[6]
    if tonumber(f[5]) == 0 then f[6] = ARGV[6] end
    changed = 1
  end
elseif rev > tonumber(f[5]) then
  f[5] = rev; f[6] = ARGV[4]; f[7] = ARGV[5]
  changed = 1
end
if changed == 1 then
  redis.call('HSET', KEYS[1], ARGV[2], table.concat(f, '|'))
end
local sellable, opens_at = 0, 0
local all = redis.call('HVALS', KEYS[1])
for _, v in ipairs(all) do
  local g = {}
  local i = 1
  for x in string.gmatch(v, '([^|]+)') do g[i] = x; i = i + 1 end
  -- A date the queue knows only from its seats (its schedule event not seen yet) counts as open.
  local open = g[2] == 'OPEN'
  local left = tonumber(g[6]) + tonumber(g[7])
  if open and left > 0 then
    sellable = sellable + 1
    local o = tonumber(g[3])
    if opens_at == 0 or o < opens_at then opens_at = o end
  end
end
local sold = (#all > 0 and sellable == 0) and 1 or 0
redis.call('HSET', KEYS[2], 'soldOut', sold, 'opensAt', opens_at)
return changed
`;
