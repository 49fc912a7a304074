-- Token bucket on the Redis clock (TIME), so every process sharing a bucket agrees on time.
-- Refused callers are counted in `queued`, which drains at the rate: each one is told a wait
-- that puts it behind those already waiting, so a backlog comes back spread out at the rate
-- instead of all at once.
-- KEYS[1]  bucket hash: tokens, ts (ms of the last update), queued
-- KEYS[2]  optional cool-down factor (0 < f < 1, string with TTL); same hash tag as KEYS[1]
-- ARGV[1]  rate, tokens per second (> 0)
-- ARGV[2]  burst, bucket size (>= 1)
-- ARGV[3]  cost, tokens asked for (>= 1). A cost above the burst is granted when the bucket
--          is full and leaves a debt that later callers wait out.
-- Returns  {1, 0} granted; {0, waitMs} refused, waitMs the estimated wait for a token
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
if KEYS[2] then
  local f = tonumber(redis.call('GET', KEYS[2]))
  if f and f > 0 and f < 1 then
    rate = rate * f
    burst = math.max(1, burst * f)
  end
end
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'queued')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
local queued = tonumber(b[3]) or 0
local dt = math.max(0, now - ts)
tokens = math.min(burst, tokens + dt * rate)
queued = math.max(0, queued - dt * rate)
local need = math.min(cost, burst)
local granted, wait = 0, 0
if tokens >= need then
  tokens = tokens - cost
  granted = 1
else
  wait = math.ceil((need - tokens + queued) / rate)
  queued = queued + need
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(ts, now)), 'queued', tostring(queued))
-- Once refilled and drained the bucket equals a missing one, so it may expire then.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens + queued) / rate) + 1000)
return {granted, wait}
