-- Counts one failed authentication from a source address and starts its block when the count
-- reaches the limit (pkg/api/auth-throttle.ts). One script so every ingest instance sees one
-- fixed window per address and the block starts exactly once.
-- KEYS[1]  failure counter of the address (string)
-- KEYS[2]  block marker of the address (string, TTL = the block)
-- ARGV[1]  limit: failures in one window that start a block
-- ARGV[2]  window, ms
-- ARGV[3]  block, ms
-- Returns the failure count in the current window (the limit when this call started the block).
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if n >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], n, 'PX', ARGV[3])
  -- A fresh window after the block: the address is not re-blocked by its old failures.
  redis.call('DEL', KEYS[1])
end
return n
