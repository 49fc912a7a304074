-- Moves one stalled pending entry (delivered too often) to the dead-letter stream: claims it
-- only if it is still idle for at least min-idle (so a concurrent janitor or a consumer that
-- just touched it wins), appends its fields plus `dlq_reason` to the dead-letter stream, and
-- acknowledges it — one atomic step.
--
-- KEYS[1] stream
-- KEYS[2] dead-letter stream (same hash tag)
-- ARGV[1] consumer group
-- ARGV[2] consumer name (the janitor's)
-- ARGV[3] min idle time (ms)
-- ARGV[4] entry id
-- ARGV[5] reason, stored as field `dlq_reason`
-- Returns the entry's original fields as a flat name, value array; false (nil reply) when the
-- entry is not stalled any more (claimed or acknowledged meanwhile); an empty array when the
-- entry itself was deleted from the stream (it is acknowledged, nothing is dead-lettered).
local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
local entry = claimed[1]
if not entry then
  -- Not pending, not idle long enough, or deleted (Redis 7 drops deleted ids from the pending
  -- list inside XCLAIM): nothing to do.
  return false
end
local fields = entry[2]
if not fields then
  -- Older servers return a deleted entry with nil fields: acknowledge it, nothing to keep.
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[4])
  return {}
end
local out = {}
for i = 1, #fields do out[i] = fields[i] end
out[#out + 1] = 'dlq_reason'
out[#out + 1] = ARGV[5]
redis.call('XADD', KEYS[2], '*', unpack(out))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[4])
return fields
