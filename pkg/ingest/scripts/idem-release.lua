-- Forgets an idempotency key whose request was refused before anything was written, but only
-- our own `running` record (same body hash): a finished or foreign record stays.
-- KEYS[1] idempotency record (string, JSON)
-- ARGV[1] body hash of the refused request
-- Returns 1 when deleted, 0 otherwise.
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local r = cjson.decode(v)
if r.s == 'running' and r.h == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
