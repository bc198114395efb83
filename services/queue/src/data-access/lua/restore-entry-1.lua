-- A pass whose place the store lost names its holder again (ADR 0024), unless the entry says
-- anything (another number, a place ended, a join in progress). KEYS the bucket, ARGV field,
-- number. Returns 1 if written.
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
