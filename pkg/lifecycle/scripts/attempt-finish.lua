-- attempt-finish: record new states of many messages of one partition and emit their events,
-- atomically (a failure's `failed` and `dead_lettered` are one write: a crash cannot keep one
-- and lose the other). One call per partition per tick.
-- KEYS[1] event stream of the partition (push:ev:{pN})
-- KEYS[2..] attempt hash of each message (push:att:{pN}:<id>), in ARGV order
-- ARGV[1] number of messages; then per message: state, now ms, ttl ms, provider message id
--   ('' if none), 1 when the state is final, number of events, the events (EVENT_LEN strings each)
-- Returns one result per message: 1 when recorded and emitted, 0 when the message already ended
-- (a redelivered entry: nothing is emitted twice).
--#include ended.lua
local out = {}
local a = 2
for i = 1, tonumber(ARGV[1]) do
  local rec = KEYS[i + 1]
  local n = tonumber(ARGV[a + 5])
  if ended_state(rec) then
    out[i] = 0
  else
    redis.call('HSET', rec, 'st', ARGV[a], 't', ARGV[a + 1])
    if ARGV[a + 3] ~= '' then redis.call('HSET', rec, 'pm', ARGV[a + 3]) end
    if ARGV[a + 4] == '1' then redis.call('HSET', rec, 'fin', '1') end
    redis.call('PEXPIRE', rec, ARGV[a + 2])
    emit_events(KEYS[1], a + 6, n, rec)
    out[i] = 1
  end
  a = a + 6 + n * EVENT_LEN
end
return out
