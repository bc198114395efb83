-- What the queue learns of one date of a concert (concert.events), kept if newer than what it
-- knew, then the concert's sales state derived from all its dates: sold out when no open date
-- has a seat left or held (a hold may still come back), sales open at the earliest open date
-- that has, and end (`closesAt`) when the last open date stops selling (1: no date is open).
-- A concert whose dates the queue never heard of is none of these.
-- KEYS: schedules, sales. ARGV: kind ('schedule' | 'seats'), scheduleId, revision, then
-- for 'schedule': status, opensAtMs, totalSeats, closesAtMs; for 'seats': available, held.
-- Returns 1 if it changed what the queue knew, else 0.
local cur = redis.call('HGET', KEYS[1], ARGV[2])
local f = {0, 'OPEN', 0, 0, 0, 0, 0, 0}
if cur then
  local i = 1
  for v in string.gmatch(cur, '([^|]+)') do f[i] = v; i = i + 1 end
end
local rev = tonumber(ARGV[3])
local changed = 0
if ARGV[1] == 'schedule' then
  if rev > tonumber(f[1]) then
    f[1] = rev; f[2] = ARGV[4]; f[3] = ARGV[5]; f[4] = ARGV[6]; f[8] = ARGV[7]
    if tonumber(f[5]) == 0 then f[6] = ARGV[6] end
    changed = 1
  end
elseif rev > tonumber(f[5]) then
  f[5] = rev; f[6] = ARGV[4]; f[7] = ARGV[5]
  changed = 1
end
if changed == 1 then
  redis.call('HSET', KEYS[1], ARGV[2], table.concat(f, '|'))
end
local sellable, opens_at, closes_at = 0, 0, 1
local all = redis.call('HVALS', KEYS[1])
for _, v in ipairs(all) do
  local g = {}
  local i = 1
  for x in string.gmatch(v, '([^|]+)') do g[i] = x; i = i + 1 end
  -- A date the queue knows only from its seats (its schedule event not seen yet) counts as open.
  local open = g[2] == 'OPEN'
  local left = tonumber(g[6]) + tonumber(g[7])
  if open then closes_at = math.max(closes_at, tonumber(g[8] or '0')) end
  if open and left > 0 then
    sellable = sellable + 1
    local o = tonumber(g[3])
    if opens_at == 0 or o < opens_at then opens_at = o end
  end
end
local sold = (#all > 0 and sellable == 0) and 1 or 0
-- A date known only from its seats has no closing time yet: sales have not ended.
for _, v in ipairs(all) do
  local g = {}
  local i = 1
  for x in string.gmatch(v, '([^|]+)') do g[i] = x; i = i + 1 end
  if g[2] == 'OPEN' and tonumber(g[8] or '0') == 0 then closes_at = 0 end
end
redis.call('HSET', KEYS[2], 'soldOut', sold, 'opensAt', opens_at, 'closesAt', closes_at)
redis.call('HDEL', KEYS[2], 'unknown')
return changed
