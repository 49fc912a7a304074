-- Content dedup marker: the first message to claim a (receiver, content) digest within the
-- window wins; the same message asking again (a redelivery) still passes.
-- KEYS[1]  marker string (value: the first message id), keys.dedupContent(digest)
-- ARGV[1]  message id
-- ARGV[2]  window in ms (marker TTL)
-- Returns  {1, id} when this message may be sent (first, or the same message again);
--          {0, firstId} when another message already sent this content.
local first = redis.call('GET', KEYS[1])
if not first then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ARGV[1]}
end
if first == ARGV[1] then
  return {1, first}
end
return {0, first}
