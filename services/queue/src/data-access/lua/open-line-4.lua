-- A line opens in Redis from what Postgres holds (ADR 0024), once: a new line (nothing handed
-- out yet), or one rebuilt after Redis lost it. Rebuilt, its counter starts after every number
-- that may have been handed out, its head is the one recorded, its admitted ranges still
-- active come back with their slots taken (the active cap holds), the token bucket starts empty
-- (the admission rate holds), and the audit stream records the rebuild. Does nothing if the line
-- is open already. KEYS: meta, cohorts, cohortLeft, audit. ARGV: epoch, reserved, issued, head,
-- rebuilt (0|1), then each admitted range as member, fans still active.
-- Returns 1 if it opened the line.
-- #include now-ms
local f = redis.call('HMGET', KEYS[1], 'epoch', 'retired')
if f[1] and not f[2] then return 0 end
local now = now_ms()
local reserved, issued, head = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3])
local active = 0
for i = 6, #ARGV, 2 do
  local left = tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[2], tonumber(string.match(ARGV[i], '^%d+:(%d+):')), ARGV[i])
  redis.call('HSET', KEYS[3], ARGV[i], left)
  active = active + left
end
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'seq', reserved, 'reserved', reserved, 'head', head,
  'active', active, 'at', now, 'allowance', 0, 'gen', now)
if ARGV[5] == '1' then
  -- Every number of the life before the loss is settled now: those presumed in line have their
  -- bits, the rest are gone or were never handed out (a join in flight across the loss checks
  -- its place, ADR 0038). Neither the tick nor a snapshot waits for them as for joins in flight.
  redis.call('HSET', KEYS[1], 'recovered', reserved, 'presumed', issued, 'repairedAt', now,
    's1', reserved, 't1', 1, 's2', reserved, 't2', 1)
  redis.call('XADD', KEYS[4], '*', 'kind', 'recover', 'at', now, 'head', head, 'issued', issued,
    'reserved', reserved, 'ranges', (#ARGV - 5) / 2, 'active', active)
end
return 1
