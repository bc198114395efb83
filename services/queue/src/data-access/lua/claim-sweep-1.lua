--  One instance sweeps a window's idle fans: KEYS meta, ARGV window. Returns 1 to the first.
if not redis.call('HGET', KEYS[1], 'epoch') then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'swept') or '-1') >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'swept', ARGV[1])
return 1
