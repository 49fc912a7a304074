-- Token bucket with bookings, on the Redis clock. A caller with no token at hand books the next
-- one the bucket will have: the token is taken now (the bucket goes into debt, so later callers
-- book behind it) and the caller's id is kept with the booked time. When that caller asks
-- again at (or a little before) its time, it is let through without taking another token. So
-- a parked delivery keeps its place in line: it cannot lose its token to a newcomer or by
-- coming back a few ms early, and no token is wasted while it waits — the limit is used at its
-- full rate even with a small burst. A booking not used within the grace after its time (a
-- stalled or crashed handler) lapses like an unused token, so a late crowd cannot burst past
-- the limit.
-- KEYS[1]  bucket hash: tokens (negative = booked ahead), ts (ms of the last update)
-- KEYS[2]  cool-down factor (0 < f < 1, string with TTL); same hash tag as KEYS[1]
-- KEYS[3]  bookings: sorted set of holder ids scored by booked time (ms); same hash tag
-- ARGV[1]  rate, tokens per second (> 0)
-- ARGV[2]  burst, bucket size (>= 1)
-- ARGV[3]  holder id (the message id)
-- ARGV[4]  grace, ms a booking stays good after its time
-- ARGV[5]  early, ms before its time a holder is already let through
-- Returns  {1, 0} go ahead; {0, waitMs} come back in waitMs (booked, or still early)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local holder = ARGV[3]
local grace = tonumber(ARGV[4])
local early = tonumber(ARGV[5])
local f = tonumber(redis.call('GET', KEYS[2]))
if f and f > 0 and f < 1 then
  rate = rate * f
  burst = math.max(1, burst * f)
end

-- Lapsed bookings go (their tokens are spent, like tokens nobody took).
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. tostring(now - grace))
local booked = tonumber(redis.call('ZSCORE', KEYS[3], holder))
if booked then
  if booked - now > early then
    return {0, math.ceil(booked - now)}
  end
  redis.call('ZREM', KEYS[3], holder)
  return {1, 0}
end

local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local granted, wait = 1, 0
tokens = tokens - 1
if tokens < 0 then
  -- Booked: the debt is paid off (the balance is back at 0) when this caller's token exists.
  granted = 0
  wait = math.max(1, math.ceil(-tokens / rate))
  redis.call('ZADD', KEYS[3], now + wait, holder)
  local keep = wait + grace + 60000
  if redis.call('PTTL', KEYS[3]) < keep then redis.call('PEXPIRE', KEYS[3], keep) end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(ts, now)))
-- Once refilled the bucket equals a missing one, so it may expire then.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate) + 1000)
return {granted, wait}
