-- Releases a refresh lock after a failed fetch, only if the caller still holds it.
-- KEYS[1]  the refresh lock
-- ARGV[1]  caller's nonce
-- Returns  1 released | 0 not held by the caller
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
