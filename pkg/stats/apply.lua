-- Applies one folded batch of a lifecycle event partition exactly once.
--
-- KEYS[1]   the partition's event stream (consumer group ARGV[1])
-- KEYS[2]   the partition's applied-up-to key (string: last applied stream id)
-- KEYS[3..] data keys of the partition (counters, receiver sets), referenced by index; each
--           counter key appears in one operation only (the fold sums per key). Timelines are
--           not folded: they live in the messages' ledger records (pkg/lifecycle/trace.ts).
-- ARGV[1]   consumer group name
-- ARGV[2]   first stream id of the batch
-- ARGV[3]   last stream id of the batch
-- ARGV[4]   TTL of traces (receiver listings), seconds
-- ARGV[5]   TTL of counters, seconds
-- ARGV[6]   n: number of stream ids to acknowledge, followed by the n ids
-- then operations, each a code followed by its arguments (key indexes are into KEYS):
--   'c' key n (field incr)*n            HINCRBY each state counter (incr > 0)
--   'n' zkey hkey member score value    list the message on the receiver's day (ZADD NX) and set
--                                       its latest state (HSET) unless the stored one is later
--                                       (value starts with '<at>|'); the message is probably new
--                                       to the listing, so ZADD comes first
--   'r' zkey hkey member score value    the same, for a message probably listed already: HGET
--                                       comes first
-- Returns {status, appliedId}:
--   'applied'  deltas written, applied-up-to set to ARGV[3], ids acknowledged
--   'replay'   ARGV[3] <= applied-up-to: already counted; ids acknowledged, nothing else written
--   'overlap'  ARGV[2] <= applied-up-to < ARGV[3]: nothing done; the caller drops the ids up to
--              appliedId and retries (can only happen when two owners raced on a partition)
-- All of it in one script: a crash leaves either nothing or everything of a batch applied.
--
-- TTLs are set only on keys this script creates, never refreshed: every key of this script is
-- created here and given its TTL in the same call, so a key that existed before has one. Which
-- keys are new is read from replies where they tell (RPUSH's length; HINCRBY equal to its
-- increment on every field, then HLEN) and from ZCARD once per receiver day when ZADD added a
-- member. A receiver day's sorted set and hash are always written together and given the same
-- TTL in the same call (script time is frozen, so they expire at the same instant): a member is
-- in the set exactly when its field is in the hash, and the set's newness is the hash's.

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

-- Receiver days (by zkey index) known in this call to carry their TTL.
local dayHasTtl = {}

-- ZADD NX the member. Returns whether it was added and whether that created the receiver day
-- (then the caller gives the set and, once its field is written, the hash their TTL).
local function list(zi, member, score)
  local zkey = KEYS[zi]
  local added = redis.call('ZADD', zkey, 'NX', score, member) == 1
  local created = false
  if not dayHasTtl[zi] then
    dayHasTtl[zi] = true
    created = added and redis.call('ZCARD', zkey) == 1
  end
  return added, created
end

local function atOf(v)
  return tonumber(string.match(v, '^(%-?%d+)'))
end

local i = 7 + nIds
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'c' then
    local key = KEYS[tonumber(ARGV[i + 1])]
    local count = tonumber(ARGV[i + 2])
    i = i + 3
    local created = true
    for _ = 1, count do
      local incr = tonumber(ARGV[i + 1])
      if redis.call('HINCRBY', key, ARGV[i], incr) ~= incr then created = false end
      i = i + 2
    end
    -- Every field new: the key is new unless it holds other fields.
    if created and redis.call('HLEN', key) == count then
      redis.call('EXPIRE', key, counterTtl)
    end
  elseif op == 'n' or op == 'r' then
    local zi = tonumber(ARGV[i + 1])
    local hkey = KEYS[tonumber(ARGV[i + 2])]
    local member, score, value = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
    local cur, created
    if op == 'n' then
      -- Newly listed: no stored state to compare with.
      local added
      added, created = list(zi, member, score)
      if not added then cur = redis.call('HGET', hkey, member) end
    else
      -- A stored state means the message is listed; none means it is not, yet.
      cur = redis.call('HGET', hkey, member)
      if not cur then created = select(2, list(zi, member, score)) end
    end
    if (not cur) or atOf(cur) <= atOf(value) then
      redis.call('HSET', hkey, member, value)
    end
    if created then
      redis.call('EXPIRE', KEYS[zi], traceTtl)
      redis.call('EXPIRE', hkey, traceTtl)
    end
    i = i + 6
  else
    return redis.error_reply('unknown op ' .. tostring(op))
  end
end

redis.call('SET', appliedKey, lastId)
ack()
return {'applied', lastId}
