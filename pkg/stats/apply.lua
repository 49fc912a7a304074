-- Applies one folded chunk of a lifecycle event partition exactly once.
--
-- KEYS[1]   the partition's event stream (consumer group ARGV[1])
-- KEYS[2]   the partition's applied-up-to key (string: last applied stream id)
-- KEYS[3..] data keys of the partition (counters, timelines, receiver sets), referenced by index
-- ARGV[1]   consumer group name
-- ARGV[2]   first stream id of the chunk
-- ARGV[3]   last stream id of the chunk
-- ARGV[4]   TTL of traces (timelines, receiver listings), seconds
-- ARGV[5]   TTL of counters, seconds
-- ARGV[6]   n: number of stream ids to acknowledge, followed by the n ids
-- then operations, each a code followed by its arguments (key indexes are into KEYS):
--   'c' key n (field incr)*n            HINCRBY each state counter
--   't' key n entry*n                   RPUSH timeline entries
--   'r' zkey hkey member score value    ZADD NX the message to the receiver's day; HSET its
--                                       latest state unless the stored one is later
--                                       (value starts with '<at>|')
-- Returns {status, appliedId}:
--   'applied'  deltas written, applied-up-to set to ARGV[3], ids acknowledged
--   'replay'   ARGV[3] <= applied-up-to: already counted; ids acknowledged, nothing else written
--   'overlap'  ARGV[2] <= applied-up-to < ARGV[3]: nothing done; the caller drops the ids up to
--              appliedId and retries (can only happen when two owners raced on a partition)
-- All of it in one script: a crash leaves either nothing or everything of a chunk applied.

local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function le(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am < bm end
  return as <= bs
end

local stream, appliedKey = KEYS[1], KEYS[2]
local group, firstId, lastId = ARGV[1], ARGV[2], ARGV[3]
local traceTtl, counterTtl = tonumber(ARGV[4]), tonumber(ARGV[5])
local nIds = tonumber(ARGV[6])

local function ack()
  local i = 7
  while i <= 6 + nIds do
    local last = math.min(i + 999, 6 + nIds)
    redis.call('XACK', stream, group, unpack(ARGV, i, last))
    i = last + 1
  end
end

local applied = redis.call('GET', appliedKey)
if applied then
  if le(lastId, applied) then
    ack()
    return {'replay', applied}
  end
  if le(firstId, applied) then
    return {'overlap', applied}
  end
end

local i = 7 + nIds
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'c' then
    local key = KEYS[tonumber(ARGV[i + 1])]
    local count = tonumber(ARGV[i + 2])
    i = i + 3
    for _ = 1, count do
      redis.call('HINCRBY', key, ARGV[i], ARGV[i + 1])
      i = i + 2
    end
    redis.call('EXPIRE', key, counterTtl)
  elseif op == 't' then
    local key = KEYS[tonumber(ARGV[i + 1])]
    local count = tonumber(ARGV[i + 2])
    redis.call('RPUSH', key, unpack(ARGV, i + 3, i + 2 + count))
    redis.call('EXPIRE', key, traceTtl)
    i = i + 3 + count
  elseif op == 'r' then
    local zkey, hkey = KEYS[tonumber(ARGV[i + 1])], KEYS[tonumber(ARGV[i + 2])]
    local member, score, value = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
    redis.call('ZADD', zkey, 'NX', score, member)
    local cur = redis.call('HGET', hkey, member)
    if (not cur) or tonumber(string.match(cur, '^(%-?%d+)')) <= tonumber(string.match(value, '^(%-?%d+)')) then
      redis.call('HSET', hkey, member, value)
    end
    redis.call('EXPIRE', zkey, traceTtl)
    redis.call('EXPIRE', hkey, traceTtl)
    i = i + 6
  else
    return redis.error_reply('unknown op ' .. tostring(op))
  end
end

redis.call('SET', appliedKey, lastId)
ack()
return {'applied', lastId}
