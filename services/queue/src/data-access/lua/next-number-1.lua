-- The next number of a concert's counter. KEYS: meta. Returns {'number', number, epoch, gen}, or
-- {'closed', 0, 0} / {'reserve', counter, epoch} (take-number).
-- #include take-number
local n, epoch, kind, seq, gen = take_number(KEYS[1])
if not n then return {kind, seq, epoch} end
return {'number', n, epoch, gen}
