-- The user's entry, if it settles the request: returns {'held', number} (the number the index
-- names) or {'pending', 0} (another request of the same user is taking a number right now; a
-- pending mark older than the timeout is taken over). An entry `x<number>` is a place the user
-- ended (left, spent): none held. KEYS[1]: the bucket; ARGV[1..3]: field, nowMs,
-- pendingTimeoutMs.
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, 1) ~= 'x' then
  if string.sub(v, 1, 1) ~= 'p' then return {'held', tonumber(v)} end
  if tonumber(ARGV[2]) - tonumber(string.sub(v, 2)) < tonumber(ARGV[3]) then return {'pending', 0} end
end
