-- cancel: mark a not-yet-sent message cancelled and emit `cancelled`, atomically.
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] now ms, ARGV[2] ttl ms,
-- ARGV[3] id of the recalling app ('' for the admin: any message); an app may only recall what
--         it sent, and another app's message answers 'unknown' (its existence is not revealed)
-- ARGV[4..] the `cancelled` event (encodeEvent; built from the record's immutable fields)
-- Returns 'cancelled' | 'already_cancelled' | 'sending' (a provider call is under way) |
--         'sent' (too late; recall through the channel) | 'final' (already failed/dropped/recalled) |
--         'unknown' (no such message, or its record expired).
--#include ended.lua
local st = redis.call('HGET', KEYS[1], 'st')
if not st then return 'unknown' end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[1], 'app') ~= ARGV[3] then return 'unknown' end
local done = ended_state(KEYS[1])
if done == 'cancelled' then return 'already_cancelled' end
if done == 'sent' then return 'sent' end
if done then return 'final' end
if st == 'sending' then return 'sending' end
redis.call('HSET', KEYS[1], 'st', 'cancelled', 't', ARGV[1], 'fin', '1')
-- GT: never shorten the life a far-future `sendAt` gave the record; the parked entry is still
-- moved when due and must find `cancelled` then, not a missing record it would send.
redis.call('PEXPIRE', KEYS[1], ARGV[2], 'GT')
emit_events(KEYS[2], 4, 1, KEYS[1])
return 'cancelled'
