-- A concert whose sales ended: its queue's state goes (counters, ranges, bits, user index), once,
-- by whichever instance gets here first; the audit stream stays for `auditTtlMs`, and so does
-- a tombstone of the counters' hash (`retired`, with the epoch). What the queue
-- knows of its dates stays (joining again starts a new life of the queue: a new epoch).
-- The counter is kept in `retiring` until the caller removed the segments (a retirement that
-- stopped half-way resumes; a tick in between may have written the counters' hash afresh).
-- KEYS: meta, cohorts, cohortLeft, sweepLock, audit, retiring. ARGV: auditTtlMs.
-- Returns the counter (the segments to remove), or -1 when there is nothing (left) to retire.
local pending = tonumber(redis.call('HGET', KEYS[6], 'seq') or '-1')
local f = redis.call('HMGET', KEYS[1], 'epoch', 'retired', 'seq')
if not f[1] or f[2] then return pending end
local seq = math.max(tonumber(f[3] or '0'), pending)
redis.call('HSET', KEYS[6], 'seq', seq)
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
-- What is left says the life ended: a pass of it is refused, not taken for a loss (ADR 0024).
redis.call('HSET', KEYS[1], 'epoch', f[1], 'retired', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[5], ARGV[1])
return seq
