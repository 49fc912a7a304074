-- Moves due members of a delayed sorted set back into their stream. Read, append and remove
-- happen in one script, so any number of movers may run at once: each member is appended
-- exactly once.
-- Members are JSON arrays of flat name, value strings (encodeMember in pkg/bus/delayed.ts).
-- A member that does not decode is removed and counted, never appended (it cannot be retried).
--
-- KEYS[1] delayed sorted set (score: due time, ms)
-- KEYS[2] stream (same hash tag)
-- ARGV[1] now (ms): members scored <= now are due
-- ARGV[2] at most this many members per call
-- Returns { moved, dropped }.
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local moved, dropped = 0, 0
for _, member in ipairs(due) do
  local ok, fields = pcall(cjson.decode, member)
  if ok and type(fields) == 'table' and #fields >= 2 and #fields % 2 == 0 then
    redis.call('XADD', KEYS[2], '*', unpack(fields))
    moved = moved + 1
  else
    dropped = dropped + 1
  end
  redis.call('ZREM', KEYS[1], member)
end
return { moved, dropped }
