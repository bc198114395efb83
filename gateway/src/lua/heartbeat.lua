-- Gateway instances alive: each beats every interval; a beat older than three has left.
-- KEYS: the set of instances. ARGV: this instance, the interval (ms). Returns how many are alive.
-- #include now-ms
local now = now_ms()
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 3 * tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], 3 * tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
