-- The user's place ended (they left, or their pass was spent): the entry says so (`x<number>`)
-- rather than going, so a pass of that number is never taken for one the store lost (ADR 0024).
-- An entry naming another number is left alone. KEYS the bucket, ARGV field, number. Returns 1
-- if the entry named the number.
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and v ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'x' .. ARGV[2])
return v and 1 or 0
