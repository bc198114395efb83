-- The next number of a concert's counter, and the line's epoch. A line is open once it has an
-- epoch (written from Postgres, ADR 0024) and until it retires; a number is handed out only
-- within the reservation Postgres holds (`reserved`), so a line rebuilt after a loss hands out
-- numbers after every number handed out before. Returns number, epoch; or nil, epoch, 'closed'
-- (the line must be opened or rebuilt first) or 'reserve' (a block must be reserved first), and
-- the counter. A number comes with the line's generation (`gen`, new at each rebuild: a snapshot
-- of an older one does not count the number's place right).
local function take_number(meta)
  local f = redis.call('HMGET', meta, 'epoch', 'seq', 'reserved', 'retired', 'gen')
  if not f[1] or f[4] then return nil, 0, 'closed', 0 end
  local seq = tonumber(f[2] or '0')
  if seq >= tonumber(f[3] or '0') then return nil, tonumber(f[1]), 'reserve', seq end
  redis.call('HSET', meta, 'seq', seq + 1)
  return seq + 1, tonumber(f[1]), nil, nil, f[5] or '0'
end
