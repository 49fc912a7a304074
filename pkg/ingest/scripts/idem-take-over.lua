-- Takes over an idempotency record left `failed` (or `running` past its time: its process died),
-- only if it still holds exactly what we read.
-- KEYS[1] idempotency record (string, JSON)
-- ARGV[1] the record's value as read; ARGV[2] new value (`running`); ARGV[3] its TTL in ms
-- Returns "OK" when swapped, false when another request changed it first.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return false
