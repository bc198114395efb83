-- Postgres reserved numbers up to `reserved` for this life of the line: joins may hand them
-- out. KEYS: meta. ARGV: epoch, reserved. Returns 1 if the line is that life and open.
local f = redis.call('HMGET', KEYS[1], 'epoch', 'retired', 'reserved')
if f[1] ~= ARGV[1] or f[2] then return 0 end
if tonumber(f[3] or '0') < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'reserved', ARGV[2]) end
return 1
