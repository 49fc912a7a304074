-- Decides, atomically, whether a caller may use the stored token or must fetch a new one: the
-- check of the stored token and the taking of the refresh lock are one step, so two processes
-- can never both decide to fetch.
-- KEYS[1]  token hash (v = token, exp = expiry ms, fresh = refresh-after ms)
-- KEYS[2]  its refresh lock
-- ARGV[1]  caller's nonce (the lock value)
-- ARGV[2]  lock time-to-live, ms
-- ARGV[3]  now, ms (the caller's clock, so tests can move it)
-- ARGV[4]  the stale token being replaced ('' for a plain get)
-- Returns  { 'token', v } use this token | { 'lock' } fetch now (lock taken) | { 'wait' } another holds the lock
local h = redis.call('HMGET', KEYS[1], 'v', 'exp', 'fresh')
local v, exp, fresh = h[1], tonumber(h[2]), tonumber(h[3])
local now, stale = tonumber(ARGV[3]), ARGV[4]
if v then
  if stale == '' then
    if fresh and now < fresh then return { 'token', v } end
  elseif v ~= stale and exp and now < exp then
    -- someone already replaced the token the caller saw refused
    return { 'token', v }
  end
end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return { 'lock' } end
-- a get in the early-refresh window keeps using the still valid token while another refreshes
if v and stale == '' and exp and now < exp then return { 'token', v } end
return { 'wait' }
