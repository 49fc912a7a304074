-- accept: create the attempt records of many messages of one partition and emit each one's
-- `accepted` (and `scheduled` when held for a future time), atomically. One call per partition
-- per tick: ingest's accepts of one request (and of concurrent requests) share it.
-- KEYS[1] event stream of the partition (push:ev:{pN})
-- KEYS[2..] attempt hash of each message (push:att:{pN}:<id>), in ARGV order
-- ARGV[1] number of messages; then per message: initial state (`accepted` | `scheduled`), ttl ms,
--   id of the app that sent it ('' for platform sends), template id, receiver, channel,
--   message type, now ms, the caller's business id ('' if none), the send request's id, the
--   template's version ('' if unknown), number of events, the events (encodeEvent, EVENT_LEN
--   strings each)
-- Returns one result per message: 1, or 0 when its record already exists (a retried request
-- with the same Idempotency-Key: nothing is reset or emitted twice).
--#include ended.lua
local out = {}
local a = 2
for i = 1, tonumber(ARGV[1]) do
  local rec = KEYS[i + 1]
  local n = tonumber(ARGV[a + 11])
  if redis.call('EXISTS', rec) == 1 then
    out[i] = 0
  else
    redis.call('HSET', rec, 'st', ARGV[a], 'n', 0, 'tpl', ARGV[a + 3], 'rcv', ARGV[a + 4],
      'ch', ARGV[a + 5], 'mt', ARGV[a + 6], 't', ARGV[a + 7])
    if ARGV[a + 2] ~= '' then redis.call('HSET', rec, 'app', ARGV[a + 2]) end
    if ARGV[a + 8] ~= '' then redis.call('HSET', rec, 'biz', ARGV[a + 8]) end
    if ARGV[a + 9] ~= '' then redis.call('HSET', rec, 'rq', ARGV[a + 9]) end
    if ARGV[a + 10] ~= '' then redis.call('HSET', rec, 'tv', ARGV[a + 10]) end
    redis.call('PEXPIRE', rec, ARGV[a + 1])
    emit_events(KEYS[1], a + 12, n, rec)
    out[i] = 1
  end
  a = a + 12 + n * EVENT_LEN
end
return out
