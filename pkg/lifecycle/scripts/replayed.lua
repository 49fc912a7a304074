-- replayed: dead-lettered messages of one partition are being replayed (sent again with a
-- fresh attempt budget): record `replayed`, emit its event and reopen each record so attempts
-- are accepted again (`fin` cleared: ended.lua no longer reports it as ended), atomically. One
-- call per partition per tick (a bulk replay reopens a page of messages at once). Runs BEFORE
-- the dead letter moves back to its delivery stream (pkg/deadletters): a crash between the two
-- leaves the dead letter in place and replayable, and the replay of that same dead letter then
-- answers 'again' (no second event), so it is moved and counted once.
-- KEYS[1] event stream of the partition (push:ev:{pN})
-- KEYS[2..] attempt hash of each message (push:att:{pN}:<id>), in ARGV order
-- ARGV[1] number of messages; then 10 + EVENT_LEN per message: the dead letter replayed
--   (`<route>:<entry id>`, kept as `rp`), now ms, ttl ms, then the message's identity from the
--   dead letter, to re-create a record that expired meanwhile (template id, receiver, channel,
--   message type, app id ('' = none), business id, send request id), then the `replayed` event
-- Returns one result per message: 'replayed' (recorded and emitted), 'again' (reopened already,
-- by this dead letter or another of the message: nothing emitted, the caller still moves it;
-- the move itself happens at most once per dead letter) or 'ended' (sent,
-- cancelled, recalled or ended by a filter: nothing to send again, nothing written).
--#include ended.lua
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local rec = KEYS[i + 1]
  local a = 2 + (i - 1) * (10 + EVENT_LEN)
  local st = redis.call('HGET', rec, 'st')
  local done = st and ended_state(rec)
  if done and done ~= 'failed' and done ~= 'dead_lettered' then
    out[i] = 'ended'
  elseif st == 'replayed' or (st and redis.call('HGET', rec, 'rp') == ARGV[a]) then
    -- Reopened already, by this dead letter or by another of the same message (one message put
    -- on its stream twice and dead-lettered twice): one `replayed`; attempt-begin.lua lets only
    -- one of its entries send.
    out[i] = 'again'
  else
    if not st then
      redis.call('HSET', rec, 'n', 0, 'tpl', ARGV[a + 3], 'rcv', ARGV[a + 4], 'ch', ARGV[a + 5], 'mt', ARGV[a + 6])
      if ARGV[a + 7] ~= '' then redis.call('HSET', rec, 'app', ARGV[a + 7]) end
      if ARGV[a + 8] ~= '' then redis.call('HSET', rec, 'biz', ARGV[a + 8]) end
      if ARGV[a + 9] ~= '' then redis.call('HSET', rec, 'rq', ARGV[a + 9]) end
    end
    redis.call('HSET', rec, 'st', 'replayed', 't', ARGV[a + 1], 'rp', ARGV[a])
    redis.call('HDEL', rec, 'fin')
    redis.call('PEXPIRE', rec, ARGV[a + 2])
    emit_events(KEYS[1], a + 10, 1, rec)
    out[i] = 'replayed'
  end
end
return out
