-- Appends one chunk of a scheduled run to its delivery stream, at most once per (run, chunk):
-- the chunk's marker in the run's progress hash is checked and set in the same script as the
-- XADDs, so a leader that lost its lease mid-run, a successor that resumed the run and a
-- scheduler restarted after a kill can never both append the same chunk. The progress hash
-- shares the stream's hash tag (the route) and holds the run's totals, which the run record in
-- the database copies (it may lag them after a crash; it never gets ahead of them).
-- KEYS[1]  delivery stream of the route          (push:d:{<route>})
-- KEYS[2]  progress hash of the run               (push:sched:{<route>}:run:<template>:<runAt>)
-- ARGV[1]  chunk index
-- ARGV[2]  progress hash time to live, ms
-- ARGV[3]  rows of this chunk read
-- ARGV[4]  rows of this chunk rejected (receiver or variables do not fit the template)
-- ARGV[5]  number of entries N, followed by N groups of: field count k, then k field values
-- Returns { N, or -1 when this chunk was already appended (nothing written);
--           then the run's totals: rows read, accepted, rejected, chunks done }.
local marker = 'c:' .. ARGV[1]
local appended = -1
if redis.call('HEXISTS', KEYS[2], marker) == 0 then
  local n = tonumber(ARGV[5])
  local pos = 6
  for _ = 1, n do
    local k = tonumber(ARGV[pos])
    redis.call('XADD', KEYS[1], '*', unpack(ARGV, pos + 1, pos + k))
    pos = pos + k + 1
  end
  redis.call('HSET', KEYS[2], marker, n)
  redis.call('HINCRBY', KEYS[2], 'read', tonumber(ARGV[3]))
  redis.call('HINCRBY', KEYS[2], 'sent', n)
  redis.call('HINCRBY', KEYS[2], 'rejected', tonumber(ARGV[4]))
  redis.call('HINCRBY', KEYS[2], 'chunks', 1)
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
  appended = n
end
local t = redis.call('HMGET', KEYS[2], 'read', 'sent', 'rejected', 'chunks')
return { appended, tonumber(t[1]) or 0, tonumber(t[2]) or 0, tonumber(t[3]) or 0, tonumber(t[4]) or 0 }
