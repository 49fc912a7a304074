-- Settles a stream entry as "try again later": acknowledges it and parks new fields in the
-- stream's delayed sorted set, in one step, so a crash can neither lose the retry nor leave the
-- entry pending after the retry was scheduled.
-- The ZADD happens only when this XACK removed the entry from the group's pending list: if
-- another consumer already settled it (a redelivery raced us), its settlement stands alone.
--
-- KEYS[1] stream
-- KEYS[2] delayed sorted set of the stream (same hash tag)
-- ARGV[1] consumer group
-- ARGV[2] entry id
-- ARGV[3] due time (ms since epoch), the score
-- ARGV[4] member: the new fields, encoded by encodeMember (pkg/bus/delayed.ts)
-- Returns 1 when settled here, 0 when the entry was no longer pending (nothing written).
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
