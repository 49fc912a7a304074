-- Frequency cap: at most `limit` distinct messages per receiver, channel and window. The set
-- holds message ids, so a redelivered message is counted once and passes again.
-- KEYS[1]  sorted set of message ids scored by Redis time (ms), keys.dedupFrequency(...)
-- ARGV[1]  message id
-- ARGV[2]  limit (>= 1)
-- ARGV[3]  rolling window in ms; 0 = calendar bucket (the key names the day, nothing trimmed)
-- ARGV[4]  key TTL in ms (rolling: the window; day bucket: a bit over a day)
-- Returns  {1, count} when allowed (count includes this message), {0, count} when over the cap.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
if window > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return {1, redis.call('ZCARD', KEYS[1])}
end
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  return {0, count}
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, count + 1}
