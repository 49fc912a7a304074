-- receipt: a provider's receipt for a sent message (`delivered`, `read`, a late `failed`): emit
-- its event and add it to the message's timeline, atomically; the record's state stays (the
-- message was sent; the receipt is what became of it after). Idempotent: the receipt states seen
-- are kept in `rc`; a state seen before, or a `delivered`/`failed` after either of them (the fate
-- is known: a late or contradicting report changes nothing), emits nothing.
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1] the receipt's state; ARGV[2..] the event (encodeEvent)
-- Returns 1 when recorded, 2 for a duplicate or late receipt, 0 when the message has no record
-- (unknown or expired: nothing is written).
--#include ended.lua
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local seen = redis.call('HGET', KEYS[1], 'rc') or ''
local state = ARGV[1]
if string.find(seen, '|' .. state .. '|', 1, true) then return 2 end
if state ~= 'read' and (string.find(seen, '|delivered|', 1, true) or string.find(seen, '|failed|', 1, true)) then
  return 2
end
if seen == '' then seen = '|' end
redis.call('HSET', KEYS[1], 'rc', seen .. state .. '|')
emit_events(KEYS[2], 2, 1, KEYS[1])
return 1
