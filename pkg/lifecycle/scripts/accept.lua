-- accept: create a message's attempt record and emit `accepted` (and `scheduled` when held for
-- a future time), atomically.
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] message id, ARGV[2] template id, ARGV[3] receiver, ARGV[4] channel, ARGV[5] message type,
-- ARGV[6] now ms, ARGV[7] ttl ms, ARGV[8] '1' when scheduled, ARGV[9] reason for `scheduled`,
-- ARGV[10] id of the app that sent it ('' for platform sends: cron, admin), checked by recall
-- Returns 1, or 0 when the record already exists (a retried request with the same
-- Idempotency-Key: nothing is reset or emitted twice).
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'st', ARGV[8] == '1' and 'scheduled' or 'accepted', 'n', 0,
  'tpl', ARGV[2], 'rcv', ARGV[3], 'ch', ARGV[4], 'mt', ARGV[5], 't', ARGV[6])
if ARGV[10] and ARGV[10] ~= '' then redis.call('HSET', KEYS[1], 'app', ARGV[10]) end
redis.call('PEXPIRE', KEYS[1], ARGV[7])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'tpl', ARGV[2], 'rcv', ARGV[3], 'ch', ARGV[4],
  'mt', ARGV[5], 'st', 'accepted', 'at', ARGV[6], 'rsn', '')
if ARGV[8] == '1' then
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'tpl', ARGV[2], 'rcv', ARGV[3], 'ch', ARGV[4],
    'mt', ARGV[5], 'st', 'scheduled', 'at', ARGV[6], 'rsn', ARGV[9])
end
return 1
