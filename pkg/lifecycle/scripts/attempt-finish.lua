-- attempt-finish: record a delivery's new state and emit its events, atomically (a failure's
-- `failed` and `dead_lettered` are one write: a crash cannot keep one and lose the other).
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] state, ARGV[2] now ms, ARGV[3] ttl ms, ARGV[4] provider message id ('' if none),
-- ARGV[5] 1 when the state is final (a second final state for the message is ignored),
-- ARGV[6] number of events, ARGV[7..] the events (encodeEvent, 20 strings each)
-- Returns 1 when recorded and emitted, 0 when the message already ended (a redelivered entry:
-- nothing is emitted twice).
--#include ended.lua
if ended_state(KEYS[1]) then return 0 end
redis.call('HSET', KEYS[1], 'st', ARGV[1], 't', ARGV[2])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'pm', ARGV[4]) end
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'fin', '1') end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
emit_events(KEYS[2], 7, tonumber(ARGV[6]))
return 1
