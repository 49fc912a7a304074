-- attempt-begin: record a provider attempt and emit `sending`, unless the message is done.
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] consumer name, ARGV[2] now ms, ARGV[3] ttl ms,
-- ARGV[4] '1' when the entry was reclaimed from a dead consumer (an in-doubt attempt may be resent),
-- ARGV[5] account id, ARGV[6] provider (kept on the record: recall and receipts need them),
-- ARGV[7..26] the `sending` event (encodeEvent)
-- Returns {'go', attempts, previousState} when the caller must call the provider;
--         {'sent', providerMessageId} when already sent (never send twice);
--         {'cancelled'} when recalled/cancelled before sending;
--         {'busy'} when a fresh entry finds an attempt under way (a duplicate entry: drop it);
--         {'final', state} when it already ended otherwise (failed, filtered): nothing to send.
--#include ended.lua
local done = ended_state(KEYS[1])
if done == 'sent' then
  return {'sent', redis.call('HGET', KEYS[1], 'pm') or ''}
end
if done == 'cancelled' then
  return {'cancelled'}
end
if done then
  return {'final', done}
end
local st = redis.call('HGET', KEYS[1], 'st')
if st == 'sending' and ARGV[4] ~= '1' then
  return {'busy'}
end
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'st', 'sending', 'c', ARGV[1], 't', ARGV[2], 'ac', ARGV[5], 'pv', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
emit_events(KEYS[2], 7, 1)
return {'go', n, st or ''}
