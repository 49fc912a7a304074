-- ack-many: acknowledges many entries of one stream, telling which were still pending, so that
-- the acks of a whole read cost one call and a raced redelivery is still seen per entry.
-- KEYS[1] stream
-- ARGV[1] consumer group, ARGV[2..] entry ids
-- Returns one 1/0 per id: 1 when this call acknowledged it, 0 when it was no longer pending.
local out = {}
for i = 2, #ARGV do
  out[i - 1] = redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
end
return out
