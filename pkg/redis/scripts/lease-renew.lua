-- Renews a lease if the caller still holds it (compare-and-pexpire). Used by every lease:
-- the scheduler's leader lease and the aggregator's partition leases (pkg/redis/lease.ts).
-- KEYS[1]  lease key (string holding the owner id)
-- ARGV[1]  owner id
-- ARGV[2]  lease time to live, ms
-- Returns 1 when renewed, 0 when the lease is held by another owner or has expired.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
