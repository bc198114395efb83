-- A user asks for a place. KEYS: the user's bucket. ARGV: field, nowMs, pendingTimeoutMs.
-- Returns {'held', number}, {'pending', 0} (held-or-pending), or {'claimed', 0}: this request
-- takes the next number (a pending mark holds the user's entry meanwhile).
-- #include held-or-pending
redis.call('HSET', KEYS[1], ARGV[1], 'p' .. ARGV[2])
return {'claimed', 0}
