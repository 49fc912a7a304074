-- receipt: a provider's receipt for a sent message (`delivered`, `read`, a late `failed`): emit
-- its event and add it to the message's timeline, atomically; the record's state stays (the
-- message was sent; the receipt is what became of it after).
-- KEYS[1] attempt hash of the message   (push:att:{pN}:<id>)
-- KEYS[2] event stream of its partition (push:ev:{pN})
-- ARGV[1..] the event (encodeEvent)
-- Returns 1, or 0 when the message has no record (unknown or expired: nothing is written).
--#include ended.lua
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
emit_events(KEYS[2], 1, 1, KEYS[1])
return 1
