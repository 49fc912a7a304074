-- Runs one command whose key ioredis cannot find (XGROUP, XINFO: the key follows a subcommand),
-- so that on a Redis Cluster it is routed, and redirected, by its key (pkg/redis/cluster.ts).
-- KEYS[1]  the key the command names (also in ARGV, where the command expects it)
-- ARGV     the command and its arguments
return redis.call(unpack(ARGV))
