-- Heartbeat of an aggregator instance; answers how many instances are alive, so each can take
-- its fair share of partitions. Uses the server clock so hosts' clock skew does not matter.
-- KEYS[1]  sorted set of instances scored by last heartbeat (server ms)
-- ARGV[1]  instance id
-- ARGV[2]  liveness window, ms (an instance silent for longer counts as gone)
-- Returns the number of live instances (including the caller).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('PEXPIRE', KEYS[1], window * 10)
return redis.call('ZCARD', KEYS[1])
