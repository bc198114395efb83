-- The idle sweep's record: the fans behind the head it dropped (numbers as ranges).
-- KEYS: audit. ARGV: window, head, idle.
-- #include now-ms
redis.call('XADD', KEYS[1], '*', 'kind', 'sweep', 'at', now_ms(), 'window', ARGV[1],
  'head', ARGV[2], 'idle', ARGV[3])
return 1
