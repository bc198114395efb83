-- A token bucket per client and budget, in Redis so that every gateway instance spends the same
-- budget. KEYS: the bucket. ARGV: tokens per second, burst, tokens spent before (by this
-- instance, from its local share, not yet charged here). Returns {allowed 0|1, retry after ms,
-- whole tokens left}.
-- Time comes from Redis: one clock for every instance.
-- #include now-ms
local now = now_ms()
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
tokens = math.max(-burst, tokens - tonumber(ARGV[3] or '0'))
local allowed, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(2 * burst / rate) + 1000)
return {allowed, wait, math.max(0, math.floor(tokens))}
