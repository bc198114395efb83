-- A segment of a line rebuilt after a loss (ADR 0024): the fans it held come back alive, and
-- seen now (their last poll is unknown: the idle timeout runs from the rebuild), unless the
-- segment survived (its bits are then the truth). KEYS: alive, seen (this window), scratch.
-- ARGV: the alive bits, seenTtlMs. Returns 1 if written.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[1])
redis.call('BITOP', 'OR', KEYS[2], KEYS[2], KEYS[3])
redis.call('UNLINK', KEYS[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
