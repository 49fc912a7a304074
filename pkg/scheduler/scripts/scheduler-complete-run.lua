-- Completes a template's run: records it as the last run and clears the run in progress, but
-- only when that run is still the one in progress (a leader that lost its lease and finishes
-- late can neither roll `last` back nor clear its successor's run).
-- KEYS[1]  run bookkeeping hash (push:sched:runs)
-- ARGV[1]  template id
-- ARGV[2]  run time, ms
-- Returns 1 when completed, 0 when the run was not the one in progress.
if redis.call('HGET', KEYS[1], 'cur:' .. ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'last:' .. ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[1], 'cur:' .. ARGV[1])
return 1
