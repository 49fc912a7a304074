-- Settles a stream entry as a dead letter: acknowledges it and appends fields to the stream's
-- dead-letter stream, in one step (never both lost, never acknowledged without the dead letter).
-- The XADD happens only when this XACK removed the entry from the group's pending list, so a
-- raced redelivery cannot write the same dead letter twice.
--
-- KEYS[1] stream
-- KEYS[2] dead-letter stream (same hash tag)
-- ARGV[1] consumer group
-- ARGV[2] entry id
-- ARGV[3..] dead-letter fields as name, value pairs
-- Returns the dead-letter entry id, or false (nil reply) when the entry was no longer pending.
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return false
end
return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
