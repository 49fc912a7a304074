-- Cool-down after a provider answered "rate limited": the bucket's rate and burst are scaled by
-- a factor for a while, and the tokens on hand are dropped so the burst is not spent straight
-- into a provider that just said "slow down". Repeated calls do not compound: the lower factor
-- and the later end win.
-- KEYS[1]  bucket hash (see token-bucket.lua)
-- KEYS[2]  cool-down factor key; same hash tag as KEYS[1]
-- ARGV[1]  factor (0 < f < 1)
-- ARGV[2]  duration in ms
-- Returns  the factor in force (string)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local f = tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[2]))
if cur and cur < f then f = cur end
local ms = math.max(tonumber(ARGV[2]), redis.call('PTTL', KEYS[2]))
redis.call('SET', KEYS[2], tostring(f), 'PX', ms)
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens'))
if not tokens or tokens > 0 then tokens = 0 end
local ts = tonumber(redis.call('HGET', KEYS[1], 'ts')) or now
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(ts, now)))
redis.call('PEXPIRE', KEYS[1], ms + 60000)
return tostring(f)
