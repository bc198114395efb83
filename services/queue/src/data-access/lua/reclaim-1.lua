-- The user's number is no longer live (left, dropped, expired): take it over for a new number,
-- if nobody else did. KEYS: the bucket. ARGV: field, old number, nowMs. Returns 1 if taken over.
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'p' .. ARGV[3])
return 1
