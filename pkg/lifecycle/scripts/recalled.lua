-- recalled: a sent message was recalled at its provider: record `recalled` and emit it, atomically.
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] now ms, ARGV[2] ttl ms, ARGV[3] recalling app ('' = admin), ARGV[4..] the event
-- Returns 'recalled' | 'already_recalled' | 'not_sent' (its state changed meanwhile) | 'unknown'.
--#include ended.lua
local st = redis.call('HGET', KEYS[1], 'st')
if not st then return 'unknown' end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'app') ~= ARGV[3] then return 'unknown' end
if st == 'recalled' then return 'already_recalled' end
if st ~= 'sent' then return 'not_sent' end
redis.call('HSET', KEYS[1], 'st', 'recalled', 't', ARGV[1], 'fin', '1')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
emit_events(KEYS[2], 4, 1, KEYS[1])
return 'recalled'
