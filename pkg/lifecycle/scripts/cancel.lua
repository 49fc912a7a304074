-- cancel: mark a not-yet-sent message cancelled and emit `cancelled`, atomically.
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] message id, ARGV[2] now ms, ARGV[3] ttl ms, ARGV[4] reason,
-- ARGV[5] id of the recalling app ('' for the admin: any message); an app may only recall what
--         it sent, and another app's message answers 'unknown' (its existence is not revealed)
-- Returns 'cancelled' | 'already_cancelled' | 'sending' (a provider call is under way) |
--         'sent' (too late; recall through the channel) | 'final' (already failed/dropped) |
--         'unknown' (no such message, or its record expired).
local st = redis.call('HGET', KEYS[1], 'st')
if not st then return 'unknown' end
if ARGV[5] and ARGV[5] ~= '' and redis.call('HGET', KEYS[1], 'app') ~= ARGV[5] then return 'unknown' end
if st == 'cancelled' then return 'already_cancelled' end
if st == 'sent' then return 'sent' end
if st == 'sending' then return 'sending' end
if redis.call('HGET', KEYS[1], 'fin') == '1' then return 'final' end
local m = redis.call('HMGET', KEYS[1], 'tpl', 'rcv', 'ch', 'mt')
redis.call('HSET', KEYS[1], 'st', 'cancelled', 't', ARGV[2], 'fin', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('XADD', KEYS[2], '*', 'id', ARGV[1], 'tpl', m[1] or '0', 'rcv', m[2] or '', 'ch', m[3] or '',
  'mt', m[4] or '', 'st', 'cancelled', 'at', ARGV[2], 'rsn', ARGV[4])
return 'cancelled'
