-- accept: create a message's attempt record and emit `accepted` (and `scheduled` when held for
-- a future time), atomically.
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] initial state (`accepted` | `scheduled`), ARGV[2] ttl ms,
-- ARGV[3] id of the app that sent it ('' for platform sends: cron, admin), checked by recall,
-- ARGV[4] template id, ARGV[5] receiver, ARGV[6] channel, ARGV[7] message type, ARGV[8] now ms,
-- ARGV[9] number of events, ARGV[10..] the events (encodeEvent, 20 strings each)
-- Returns 1, or 0 when the record already exists (a retried request with the same
-- Idempotency-Key: nothing is reset or emitted twice).
--#include ended.lua
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'st', ARGV[1], 'n', 0, 'tpl', ARGV[4], 'rcv', ARGV[5], 'ch', ARGV[6],
  'mt', ARGV[7], 't', ARGV[8])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'app', ARGV[3]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
emit_events(KEYS[2], 10, tonumber(ARGV[9]))
return 1
