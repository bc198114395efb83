-- The instance that opened (or rebuilt) a line lets its opening lock go, if the lock is still
-- its own: one slower than the lock's expiry finds another instance's lock there, and leaves it.
-- KEYS: opening. ARGV: owner. Returns 1 if the lock was this owner's and is gone.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('UNLINK', KEYS[1]) end
return 0
