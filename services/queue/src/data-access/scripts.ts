/**
 * Lua scripts of the queue (ADR 0015). Each touches the keys of one hash tag only, so each runs
 * atomically on a single Redis and on a Redis Cluster alike: the user index (one bucket), the
 * concert's counters (`{q:<concert>}`). Per-fan bits in segments are plain SETBIT/BITFIELD
 * commands. Order comes from the counter, never from clocks; time comes from Redis (`TIME`)
 * where instances must agree on it.
 */

const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * The user's entry, if it settles the request: returns {'held', number} (the number the index
 * names) or {'pending', 0} (another request of the same user is taking a number right now; a
 * pending mark older than the timeout is taken over). An entry `x<number>` is a place the user
 * ended (left, spent): none held. KEYS[1]: the bucket; ARGV[1..3]: field, nowMs,
 * pendingTimeoutMs.
 */
const HELD_OR_PENDING = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, 1) ~= 'x' then
  if string.sub(v, 1, 1) ~= 'p' then return {'held', tonumber(v)} end
  if tonumber(ARGV[2]) - tonumber(string.sub(v, 2)) < tonumber(ARGV[3]) then return {'pending', 0} end
end
`;

/**
 * The next number of a concert's counter, and the line's epoch. A line is open once it has an
 * epoch (written from Postgres, ADR 0024) and until it retires; a number is handed out only
 * within the reservation Postgres holds (`reserved`), so a line rebuilt after a loss hands out
 * numbers after every number handed out before. Returns number, epoch; or nil, epoch, 'closed'
 * (the line must be opened or rebuilt first) or 'reserve' (a block must be reserved first), and
 * the counter.
 */
const TAKE_NUMBER = `
local function take_number(meta)
  local f = redis.call('HMGET', meta, 'epoch', 'seq', 'reserved', 'retired')
  if not f[1] or f[4] then return nil, 0, 'closed', 0 end
  local seq = tonumber(f[2] or '0')
  if seq >= tonumber(f[3] or '0') then return nil, tonumber(f[1]), 'reserve', seq end
  redis.call('HSET', meta, 'seq', seq + 1)
  return seq + 1, tonumber(f[1])
end
`;

/**
 * A user asks for a place. KEYS: the user's bucket. ARGV: field, nowMs, pendingTimeoutMs.
 * Returns {'held', number}, {'pending', 0} (HELD_OR_PENDING), or {'claimed', 0}: this request
 * takes the next number (a pending mark holds the user's entry meanwhile).
 */
export const CLAIM = `${HELD_OR_PENDING}
redis.call('HSET', KEYS[1], ARGV[1], 'p' .. ARGV[2])
return {'claimed', 0}
`;

/**
 * The user's number is no longer live (left, dropped, expired): take it over for a new number,
 * if nobody else did. KEYS: the bucket. ARGV: field, old number, nowMs. Returns 1 if taken over.
 */
export const RECLAIM = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'p' .. ARGV[3])
return 1
`;

/**
 * The user's place ended (they left, or their pass was spent): the entry says so (`x<number>`)
 * rather than going, so a pass of that number is never taken for one the store lost (ADR 0024).
 * An entry naming another number is left alone. KEYS the bucket, ARGV field, number. Returns 1
 * if the entry named the number.
 */
export const RELEASE = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and v ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'x' .. ARGV[2])
return v and 1 or 0
`;

/**
 * A pass whose place the store lost names its holder again (ADR 0024), unless the entry says
 * anything (another number, a place ended, a join in progress). KEYS the bucket, ARGV field,
 * number. Returns 1 if written.
 */
export const RESTORE_ENTRY = `
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
`;

/**
 * The next number of a concert's counter. KEYS: meta. Returns {'number', number, epoch}, or
 * {'closed', 0, 0} / {'reserve', counter, epoch} (TAKE_NUMBER).
 */
export const NEXT_NUMBER = `${TAKE_NUMBER}
local n, epoch, kind, seq = take_number(KEYS[1])
if not n then return {kind, seq, epoch} end
return {'number', n, epoch}
`;

/**
 * Postgres reserved numbers up to `reserved` for this life of the line: joins may hand them
 * out. KEYS: meta. ARGV: epoch, reserved. Returns 1 if the line is that life and open.
 */
export const RAISE_RESERVED = `
local f = redis.call('HMGET', KEYS[1], 'epoch', 'retired', 'reserved')
if f[1] ~= ARGV[1] or f[2] then return 0 end
if tonumber(f[3] or '0') < tonumber(ARGV[2]) then redis.call('HSET', KEYS[1], 'reserved', ARGV[2]) end
return 1
`;

/**
 * A line opens in Redis from what Postgres holds (ADR 0024), once: a new line (nothing handed
 * out yet), or one rebuilt after Redis lost it. Rebuilt, its counter starts after every number
 * that may have been handed out, its head is the one recorded, its admitted ranges still
 * active come back with their slots taken (the active cap holds), the token bucket starts empty
 * (the admission rate holds), and the audit stream records the rebuild. Does nothing if the line
 * is open already. KEYS: meta, cohorts, cohortLeft, audit. ARGV: epoch, reserved, issued, head,
 * rebuilt (0|1), then each admitted range as member, fans still active.
 * Returns 1 if it opened the line.
 */
export const OPEN_LINE = `${NOW}
local f = redis.call('HMGET', KEYS[1], 'epoch', 'retired')
if f[1] and not f[2] then return 0 end
local now = now_ms()
local reserved, issued, head = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3])
local active = 0
for i = 6, #ARGV, 2 do
  local left = tonumber(ARGV[i + 1])
  redis.call('ZADD', KEYS[2], tonumber(string.match(ARGV[i], '^%d+:(%d+):')), ARGV[i])
  redis.call('HSET', KEYS[3], ARGV[i], left)
  active = active + left
end
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'seq', reserved, 'reserved', reserved, 'head', head,
  'active', active, 'at', now, 'allowance', 0, 'gen', now)
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'recovered', reserved, 'presumed', issued, 'repairedAt', now)
  redis.call('XADD', KEYS[4], '*', 'kind', 'recover', 'at', now, 'head', head, 'issued', issued,
    'reserved', reserved, 'ranges', (#ARGV - 5) / 2, 'active', active)
end
return 1
`;

/**
 * A segment of a line rebuilt after a loss (ADR 0024): the fans it held come back alive, and
 * seen now (their last poll is unknown: the idle timeout runs from the rebuild), unless the
 * segment survived (its bits are then the truth). KEYS: alive, seen (this window), scratch.
 * ARGV: the alive bits, seenTtlMs. Returns 1 if written.
 */
export const RESTORE_SEGMENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('BITOP', 'OR', KEYS[2], KEYS[2], KEYS[3])
redis.call('UNLINK', KEYS[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
`;

/**
 * A concert whose sales ended: its queue's state goes (counters, ranges, bits, user index), once,
 * by whichever instance gets here first; the audit stream stays for `auditTtlMs`, and so does
 * a tombstone of the counters' hash (`retired`, with the epoch). What the queue
 * knows of its dates stays (joining again starts a new life of the queue: a new epoch).
 * The counter is kept in `retiring` until the caller removed the segments (a retirement that
 * stopped half-way resumes; a tick in between may have written the counters' hash afresh).
 * KEYS: meta, cohorts, cohortLeft, sweepLock, audit, retiring. ARGV: auditTtlMs.
 * Returns the counter (the segments to remove), or -1 when there is nothing (left) to retire.
 */
export const RETIRE = `
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
`;

/**
 * The first half of an admission tick: admitted ranges whose activation ended free their slots,
 * the token bucket refills (shared by every instance, so N instances admit at the configured
 * rate, not N times it), and the tick learns how far it may go:
 * - `limit`: the counter as it was at least `settleMs` ago: a number handed out just now may not
 *   have its bit set yet, and must not be skipped as gone;
 * - `allowance`: how many may be admitted now (bucket, QUEUE_MAX_ACTIVE, sales open, not sold out).
 * KEYS: meta, cohorts, cohortLeft, sales. ARGV: admitPerSecond, maxActive, settleMs.
 * - nobody is admitted while the sales are `unknown` (a line rebuilt while the catalog could not
 *   be asked: ADR 0024).
 * Returns {head, limit, allowance, active, seq, nowMs, freedSlots, endedAt (0: selling), epoch,
 * salesUnknown (1|0)}, or {-1} when the line is not open (never opened, retired, or lost with the
 * store).
 */
export const PREPARE_TICK = `${NOW}
local open = redis.call('HMGET', KEYS[1], 'epoch', 'retired')
if not open[1] or open[2] then return {-1} end
local now = now_ms()
local rate = tonumber(ARGV[1])
local max_active = tonumber(ARGV[2])
local settle = tonumber(ARGV[3])
local freed = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, 99)) do
  local until_ms = tonumber(string.match(m, ':(%d+)$'))
  if until_ms > now then break end
  freed = freed + tonumber(redis.call('HGET', KEYS[3], m) or '0')
  redis.call('ZREM', KEYS[2], m)
  redis.call('HDEL', KEYS[3], m)
end
local f = redis.call('HMGET', KEYS[1], 'head', 'seq', 'active', 'at', 'allowance', 's1', 't1', 's2', 't2')
local head = tonumber(f[1] or '0')
local seq = tonumber(f[2] or '0')
local active = math.max(0, tonumber(f[3] or '0') - freed)
local at = tonumber(f[4] or '0')
local allowance = tonumber(f[5] or '0')
if at == 0 then allowance = rate
else allowance = math.min(rate, allowance + rate * math.max(0, now - at) / 1000) end
local s1, t1, s2, t2 = tonumber(f[6] or '0'), tonumber(f[7] or '0'), tonumber(f[8] or '0'), tonumber(f[9] or '0')
local limit = s1
if now - t2 >= settle then
  limit = s2
  redis.call('HSET', KEYS[1], 's1', s2, 't1', t2, 's2', seq, 't2', now)
end
redis.call('HSET', KEYS[1], 'active', active, 'at', now, 'allowance', allowance)
local n = math.min(math.floor(allowance), max_active - active)
local sales = redis.call('HMGET', KEYS[4], 'opensAt', 'soldOut', 'closesAt', 'unknown')
local opens_at = tonumber(sales[1] or '0')
local closes_at = tonumber(sales[3] or '0')
local ended = closes_at > 0 and closes_at <= now
if sales[2] == '1' or opens_at > now or ended or sales[4] then n = 0 end
return {head, limit, math.max(0, n), active, seq, now, freed, ended and closes_at or 0,
  tonumber(open[1]), sales[4] and 1 or 0}
`;

/**
 * The second half: the head moves from `expected` to `newHead` (unless another instance moved it
 * first: then nothing happens), the live fans passed become an admitted range active until now +
 * ttl, and the tick's record is appended to the concert's audit stream in the same step: the
 * range, when, how many were admitted, which were skipped as idle (dropped at the head) and how
 * many were gone (left, dropped before, or never taken).
 * KEYS: meta, cohorts, cohortLeft, audit. ARGV: expected, newHead, admitted, ttlMs, idle, gone.
 * Returns {1, untilMs} if moved, {0, 0} if not.
 */
export const ADVANCE = `${NOW}
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
  'admitted', admitted, 'idle', ARGV[5], 'gone', ARGV[6])
return {1, until_ms}
`;

/**
 * The idle sweep's record: the fans behind the head it dropped (numbers as ranges).
 * KEYS: audit. ARGV: window, head, idle.
 */
export const RECORD_SWEEP = `${NOW}
redis.call('XADD', KEYS[1], '*', 'kind', 'sweep', 'at', now_ms(), 'window', ARGV[1],
  'head', ARGV[2], 'idle', ARGV[3])
return 1
`;

/**
 * An admitted fan leaves (or the saga spends the pass): their slot is free for the next.
 * KEYS: meta, cohorts, cohortLeft. ARGV: number. Returns 1 if a slot was freed.
 */
export const FREE_SLOT = `
if not redis.call('HGET', KEYS[1], 'epoch') then return 0 end
local n = tonumber(ARGV[1])
local m = redis.call('ZRANGEBYSCORE', KEYS[2], n, '+inf', 'LIMIT', 0, 1)[1]
if not m then return 0 end
if tonumber(string.match(m, '^(%d+):')) > n then return 0 end
local left = tonumber(redis.call('HGET', KEYS[3], m) or '0')
if left <= 0 then return 0 end
redis.call('HINCRBY', KEYS[3], m, -1)
redis.call('HINCRBY', KEYS[1], 'active', -1)
return 1
`;

/** One instance sweeps a window's idle fans: KEYS meta, ARGV window. Returns 1 to the first. */
export const CLAIM_SWEEP = `
if not redis.call('HGET', KEYS[1], 'epoch') then return 0 end
if tonumber(redis.call('HGET', KEYS[1], 'swept') or '-1') >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'swept', ARGV[1])
return 1
`;

/**
 * What the queue learns of one date of a concert (concert.events), kept if newer than what it
 * knew, then the concert's sales state derived from all its dates: sold out when no open date
 * has a seat left or held (a hold may still come back), sales open at the earliest open date
 * that has, and end (`closesAt`) when the last open date stops selling (1: no date is open).
 * A concert whose dates the queue never heard of is none of these.
 * KEYS: schedules, sales. ARGV: kind ('schedule' | 'seats'), scheduleId, revision, then
 * for 'schedule': status, opensAtMs, totalSeats, closesAtMs; for 'seats': available, held.
 * Returns 1 if it changed what the queue knew, else 0.
 */
export const APPLY_SCHEDULE = `
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
`;

/**
 * A join on a single Redis, in one step: the user's place if they hold one (or another request
 * of theirs is taking one), else the next number, its seen and alive bits and the user's entry
 * at once, so a number is never handed out without its bits; the window's seen bitmap expires a
 * fixed time after its first write (NX). On a Redis Cluster the bits live on other shards (their
 * own hash tags) and a join takes two steps (CLAIM and NEXT_NUMBER, then the bits and the entry).
 * The segment keys are made here, from the number: a single Redis lets a script reach keys it
 * was not given (a cluster would not, and never runs this).
 * KEYS: the user's bucket, meta. ARGV: field, nowMs, pendingTimeoutMs, the segments' key
 * prefix (prefix + "{q:<concert>:"), segment size, window, seenTtlMs.
 * Returns {'held', number} or {'pending', 0} as CLAIM does, {'joined', number, epoch}, or
 * {'closed', 0, 0} / {'reserve', counter, epoch} (TAKE_NUMBER: nothing written).
 */
export const JOIN_AT_ONCE = `${HELD_OR_PENDING}${TAKE_NUMBER}
local n, epoch, kind, seq = take_number(KEYS[2])
if not n then return {kind, seq, epoch} end
local size = tonumber(ARGV[5])
local tag = ARGV[4] .. math.floor(n / size) .. '}'
local seen = tag .. ':seen:' .. ARGV[6]
redis.call('SETBIT', seen, n % size, 1)
redis.call('PEXPIRE', seen, ARGV[7], 'NX')
redis.call('SETBIT', tag .. ':alive', n % size, 1)
redis.call('HSET', KEYS[1], ARGV[1], n)
return {'joined', n, epoch}
`;
