-- Stores a freshly fetched token and releases the refresh lock, unless another caller holds the
-- lock by now (ours expired during a slow fetch and they took over: their token wins).
-- KEYS[1]  token hash
-- KEYS[2]  its refresh lock
-- ARGV[1]  caller's nonce
-- ARGV[2]  token
-- ARGV[3]  expiry, ms
-- ARGV[4]  refresh-after, ms
-- ARGV[5]  key time-to-live, ms (the token's remaining life)
-- Returns  1 stored | 0 not stored (another caller holds the lock)
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'exp', ARGV[3], 'fresh', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
if holder then redis.call('DEL', KEYS[2]) end
return 1
