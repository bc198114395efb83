-- The first half of an admission tick: admitted ranges whose activation ended free their slots,
-- the token bucket refills (shared by every instance, so N instances admit at the configured
-- rate, not N times it), and the tick learns how far it may go:
-- - `limit`: the counter as it was at least `settleMs` ago: a number handed out just now may not
--   have its bit set yet, and must not be skipped as gone;
-- - `allowance`: how many may be admitted now (bucket, QUEUE_MAX_ACTIVE, sales open, not sold out).
-- KEYS: meta, cohorts, cohortLeft, sales. ARGV: admitPerSecond, maxActive, settleMs.
-- - nobody is admitted while the sales are `unknown` (a line rebuilt while the catalog could not
--   be asked: ADR 0024).
-- Returns {head, limit, allowance, active, seq, nowMs, freedSlots, endedAt (0: selling), epoch,
-- salesUnknown (1|0)}, or {-1} when the line is not open (never opened, retired, or lost with the
-- store).
-- #include now-ms
local open = redis.call('HMGET', KEYS[1], 'epoch', 'retired')
if not open[1] or open[2] then return {-1} end
local now = now_ms()
local rate = tonumber(ARGV[1])
local max_active = tonumber(ARGV[2])
local settle = tonumber(ARGV[3])
local freed = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, 99)) do
  local until_ms = tonumber(string.match(m, ':(%d+)$'))
  if until_ms > now then break end
  freed = freed + tonumber(redis.call('HGET', KEYS[3], m) or '0')
  redis.call('ZREM', KEYS[2], m)
  redis.call('HDEL', KEYS[3], m)
end
local f = redis.call('HMGET', KEYS[1], 'head', 'seq', 'active', 'at', 'allowance', 's1', 't1', 's2', 't2')
local head = tonumber(f[1] or '0')
local seq = tonumber(f[2] or '0')
local active = math.max(0, tonumber(f[3] or '0') - freed)
local at = tonumber(f[4] or '0')
local allowance = tonumber(f[5] or '0')
if at == 0 then allowance = rate
else allowance = math.min(rate, allowance + rate * math.max(0, now - at) / 1000) end
local s1, t1, s2, t2 = tonumber(f[6] or '0'), tonumber(f[7] or '0'), tonumber(f[8] or '0'), tonumber(f[9] or '0')
local limit = s1
if now - t2 >= settle then
  limit = s2
  redis.call('HSET', KEYS[1], 's1', s2, 't1', t2, 's2', seq, 't2', now)
end
redis.call('HSET', KEYS[1], 'active', active, 'at', now, 'allowance', allowance)
local n = math.min(math.floor(allowance), max_active - active)
local sales = redis.call('HMGET', KEYS[4], 'opensAt', 'soldOut', 'closesAt', 'unknown')
local opens_at = tonumber(sales[1] or '0')
local closes_at = tonumber(sales[3] or '0')
local ended = closes_at > 0 and closes_at <= now
if sales[2] == '1' or opens_at > now or ended or sales[4] then n = 0 end
return {head, limit, math.max(0, n), active, seq, now, freed, ended and closes_at or 0,
  tonumber(open[1]), sales[4] and 1 or 0}
