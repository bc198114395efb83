-- A join on a single Redis, in one step: the user's place if they hold one (or another request
-- of theirs is taking one), else the next number, its seen and alive bits and the user's entry
-- at once, so a number is never handed out without its bits; the window's seen bitmap expires a
-- fixed time after its first write (NX). On a Redis Cluster the bits live on other shards (their
-- own hash tags) and a join takes two steps (claim.lua and next-number.lua, then the bits and the entry).
-- The segment keys are made here, from the number: a single Redis lets a script reach keys it
-- was not given (a cluster would not, and never runs this).
-- KEYS: the user's bucket, meta. ARGV: field, nowMs, pendingTimeoutMs, the segments' key
-- prefix (prefix + "{q:<concert>:"), segment size, window, seenTtlMs.
-- Returns {'held', number} or {'pending', 0} as claim.lua does, {'joined', number, epoch, gen}, or
-- {'closed', 0, 0} / {'reserve', counter, epoch} (take-number: nothing written).
-- #include held-or-pending
-- #include take-number
local n, epoch, kind, seq, gen = take_number(KEYS[2])
if not n then return {kind, seq, epoch} end
local size = tonumber(ARGV[5])
local tag = ARGV[4] .. math.floor(n / size) .. '}'
local seen = tag .. ':seen:' .. ARGV[6]
redis.call('SETBIT', seen, n % size, 1)
redis.call('PEXPIRE', seen, ARGV[7], 'NX')
redis.call('SETBIT', tag .. ':alive', n % size, 1)
redis.call('HSET', KEYS[1], ARGV[1], n)
return {'joined', n, epoch, gen}
