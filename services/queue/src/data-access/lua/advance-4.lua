-- The second half: the head moves from `expected` to `newHead` (unless another instance moved it
-- first: then nothing happens), the live fans passed become an admitted range active until now +
-- ttl, and the tick's record is appended to the concert's audit stream in the same step: the
-- range, when, how many were admitted, which were skipped as idle (dropped at the head) and how
-- many were gone (left, dropped before, or never taken), with the move's id: an instance whose
-- answer was lost finds by it whether the move was made (the client may have sent the script
-- again, and that second run found the head moved: {0, 0}). The record also carries what Postgres
-- records of the move (the line's epoch, until when its fans are active, the gone numbers as
-- ranges): a move whose maker died before recording it is recorded from here by another instance.
-- KEYS: meta, cohorts, cohortLeft, audit. ARGV: expected, newHead, admitted, ttlMs, idle, gone,
-- moveId, goneRanges. Returns {1, untilMs} if moved, {0, 0} if not.
-- #include now-ms
local f = redis.call('HMGET', KEYS[1], 'head', 'epoch', 'retired')
local head = tonumber(f[1] or '0')
if not f[2] or f[3] or head ~= tonumber(ARGV[1]) then return {0, 0} end
local now = now_ms()
local to = tonumber(ARGV[2])
local admitted = tonumber(ARGV[3])
local until_ms = now + tonumber(ARGV[4])
redis.call('HSET', KEYS[1], 'head', to)
if admitted > 0 then
  local member = (head + 1) .. ':' .. to .. ':' .. until_ms
  redis.call('ZADD', KEYS[2], to, member)
  redis.call('HSET', KEYS[3], member, admitted)
  redis.call('HINCRBY', KEYS[1], 'active', admitted)
  redis.call('HINCRBYFLOAT', KEYS[1], 'allowance', -admitted)
end
redis.call('XADD', KEYS[4], '*', 'kind', 'admit', 'from', head + 1, 'to', to, 'at', now,
  'admitted', admitted, 'idle', ARGV[5], 'gone', ARGV[6], 'move', ARGV[7], 'epoch', f[2],
  'until', until_ms, 'goneRanges', ARGV[8])
return {1, until_ms}
