-- attempt-begin: record a provider attempt for many messages of one partition, unless the
-- message is done. One call per partition per tick. No `sending` event is emitted: the outcome
-- (`sent`, `retrying`, `failed`) follows within the attempt and the record already says
-- `sending`; only an in-doubt resend (a reclaimed entry whose last attempt never recorded an
-- outcome) emits its `sending`, so a possible duplicate stays visible in the trace.
-- KEYS[1] event stream of the partition (push:ev:{pN})
-- KEYS[2..] attempt hash of each message (push:att:{pN}:<id>), in ARGV order
-- ARGV[1] number of messages; then 6 + EVENT_LEN per message: consumer name, now ms, ttl ms,
--   '1' when the entry was reclaimed from a dead consumer (an in-doubt attempt may be resent),
--   account id, provider (kept on the record: recall and receipts need them), the `sending` event
-- Returns one result per message:
--   {'go', attempts, previousState} when the caller must call the provider;
--   {'sent', providerMessageId} when already sent (never send twice);
--   {'cancelled'} when recalled/cancelled before sending;
--   {'busy'} when a fresh entry finds an attempt under way (a duplicate entry: drop it);
--   {'final', state} when it already ended otherwise (failed, filtered): nothing to send.
--#include ended.lua
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local rec = KEYS[i + 1]
  local a = 2 + (i - 1) * (6 + EVENT_LEN)
  local done = ended_state(rec)
  local st = redis.call('HGET', rec, 'st')
  if done == 'sent' then
    out[i] = {'sent', redis.call('HGET', rec, 'pm') or ''}
  elseif done == 'cancelled' then
    out[i] = {'cancelled'}
  elseif done then
    out[i] = {'final', done}
  elseif st == 'sending' and ARGV[a + 3] ~= '1' then
    out[i] = {'busy'}
  else
    local n = redis.call('HINCRBY', rec, 'n', 1)
    redis.call('HSET', rec, 'st', 'sending', 'c', ARGV[a], 't', ARGV[a + 1], 'ac', ARGV[a + 4], 'pv', ARGV[a + 5])
    redis.call('PEXPIRE', rec, ARGV[a + 2])
    if st == 'sending' then emit_events(KEYS[1], a + 6, 1, rec) end
    out[i] = {'go', n, st or ''}
  end
end
return out
