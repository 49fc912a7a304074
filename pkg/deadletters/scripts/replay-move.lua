-- replay-move: moves dead letters of one route back to its delivery stream, each one only if
-- it is still a dead letter: the XADD happens only when this XDEL removed the entry, so two
-- replays of one dead letter (a double click, two operators, a bulk replay racing one by id)
-- put it back once, and a discarded one is never sent. Run after the ledger recorded `replayed`
-- (pkg/lifecycle/scripts/replayed.lua; another hash tag, hence another script).
-- KEYS[1] dead-letter stream of the route (push:dlq:{<route>})
-- KEYS[2] delivery stream of the route    (push:d:{<route>}, same hash tag)
-- ARGV[1] number of dead letters; then per dead letter: its entry id, the number n of strings
--   of its delivery fields, then those n strings (name, value pairs: pkg/deadletters/entry.ts
--   replayFields)
-- Returns one result per dead letter: 1 when moved, 0 when it was no longer there.
local out = {}
local a = 2
for i = 1, tonumber(ARGV[1]) do
  local n = tonumber(ARGV[a + 1])
  if redis.call('XDEL', KEYS[1], ARGV[a]) == 1 then
    redis.call('XADD', KEYS[2], '*', unpack(ARGV, a + 2, a + 1 + n))
    out[i] = 1
  else
    out[i] = 0
  end
  a = a + 2 + n
end
return out
