-- Appends one chunk of a scheduled run to its delivery stream, at most once per (run, chunk):
-- the chunk's marker in the run's progress hash is checked and set in the same script as the
-- XADDs, so a leader that lost its lease mid-run and a successor that resumed the run can never
-- both append the same chunk. The progress hash shares the stream's hash tag (the route).
-- KEYS[1]  delivery stream of the route          (push:d:{<route>})
-- KEYS[2]  progress hash of the run               (push:sched:{<route>}:run:<template>:<runAt>)
-- ARGV[1]  chunk index
-- ARGV[2]  progress hash time to live, ms
-- ARGV[3]  rows of this chunk skipped as invalid (counted in field `skipped`)
-- ARGV[4]  number of entries N, followed by N groups of: field count k, then k field values
-- Returns N when appended, -1 when this chunk was already appended (nothing written).
local marker = 'c:' .. ARGV[1]
if redis.call('HEXISTS', KEYS[2], marker) == 1 then return -1 end
local n = tonumber(ARGV[4])
local pos = 5
for _ = 1, n do
  local k = tonumber(ARGV[pos])
  redis.call('XADD', KEYS[1], '*', unpack(ARGV, pos + 1, pos + k))
  pos = pos + k + 1
end
redis.call('HSET', KEYS[2], marker, n)
redis.call('HINCRBY', KEYS[2], 'sent', n)
redis.call('HINCRBY', KEYS[2], 'skipped', tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return n
