-- Releases a lease if the caller still holds it (compare-and-delete), so an owner that lost
-- its lease can never delete its successor's (pkg/redis/lease.ts).
-- KEYS[1]  lease key (string holding the owner id)
-- ARGV[1]  owner id
-- Returns 1 when released, 0 when not held by the caller.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
