-- An admitted fan leaves (or the saga spends the pass): their slot is free for the next.
-- KEYS: meta, cohorts, cohortLeft. ARGV: number. Returns 1 if a slot was freed.
if not redis.call('HGET', KEYS[1], 'epoch') then return 0 end
local n = tonumber(ARGV[1])
local m = redis.call('ZRANGEBYSCORE', KEYS[2], n, '+inf', 'LIMIT', 0, 1)[1]
if not m then return 0 end
if tonumber(string.match(m, '^(%d+):')) > n then return 0 end
local left = tonumber(redis.call('HGET', KEYS[3], m) or '0')
if left <= 0 then return 0 end
redis.call('HINCRBY', KEYS[3], m, -1)
redis.call('HINCRBY', KEYS[1], 'active', -1)
return 1
