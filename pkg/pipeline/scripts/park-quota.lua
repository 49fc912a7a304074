-- park-quota: reserve `bytes` of an app's parked-work quota for one send request held until
-- `due`, after releasing every reservation already due (those deliveries left the delayed set
-- for their stream). Release and reserve in one script, so concurrent ingests cannot both pass
-- the last free bytes.
-- KEYS[1] the app's parked sends (push:pk:{app<id>}): sorted set, member `<request id>:<bytes>`,
--         score the due time (ms)
-- KEYS[2] the app's parked bytes (push:pk:{app<id>}:bytes): string, the sum of KEYS[1]'s bytes
-- ARGV[1] now ms, ARGV[2] quota bytes, ARGV[3] due ms, ARGV[4] member (`<request id>:<bytes>`),
-- ARGV[5] bytes
-- Returns { 1, parked bytes after } when reserved (also when this member was reserved already:
-- a retried request), { 0, parked bytes } when it does not fit.
local now, max, due, bytes = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
local total = tonumber(redis.call('GET', KEYS[2]) or '0')
-- Bounded per call: a huge due backlog is released over the next requests.
local done = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1000)
for _, m in ipairs(done) do
  total = total - (tonumber(string.match(m, ':(%d+)$')) or 0)
  redis.call('ZREM', KEYS[1], m)
end
if total < 0 then total = 0 end
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then
  redis.call('SET', KEYS[2], total)
  return { 1, total }
end
if total + bytes > max then
  redis.call('SET', KEYS[2], total)
  return { 0, total }
end
total = total + bytes
redis.call('ZADD', KEYS[1], due, ARGV[4])
redis.call('SET', KEYS[2], total)
-- Both keys outlive the last reservation; an idle app's quota state goes away by itself.
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.max(60000, (tonumber(last[2]) or now) - now + 60000)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return { 1, total }
