-- Trims a stream to the oldest entry any consumer group still needs (XTRIM MINID), so an entry
-- that a group has not acknowledged, or not yet been delivered, is never removed.
-- Needed from a group: its oldest pending id, and the successor of its last-delivered-id
-- (everything after it is undelivered). The stream keeps ids >= the minimum over all groups.
-- A stream without groups is left alone: nobody has said what it no longer needs.
-- Ids are compared as decimal strings (exact for any 64-bit part, no float rounding).
--
-- KEYS[1] stream
-- Returns the number of entries removed.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return 0 end

local function parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return ms, seq
end
local function lessNum(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
local function less(a, b)
  local ams, aseq = parts(a)
  local bms, bseq = parts(b)
  if ams ~= bms then return lessNum(ams, bms) end
  return lessNum(aseq, bseq)
end
-- Decimal string + 1.
local function inc(s)
  local digits = {}
  for i = 1, #s do digits[i] = string.byte(s, i) - 48 end
  local i = #digits
  while i >= 1 do
    if digits[i] < 9 then digits[i] = digits[i] + 1; break end
    digits[i] = 0
    i = i - 1
  end
  local out = ''
  if i == 0 then out = '1' end
  for j = 1, #digits do out = out .. digits[j] end
  return out
end
local function successor(id)
  local ms, seq = parts(id)
  if seq == '18446744073709551615' then return inc(ms) .. '-0' end
  return ms .. '-' .. inc(seq)
end

local minId = nil
local function consider(id)
  if minId == nil or less(id, minId) then minId = id end
end
for _, g in ipairs(groups) do
  local name, last
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last = g[i + 1] end
  end
  local summary = redis.call('XPENDING', KEYS[1], name)
  if summary[1] > 0 then consider(summary[2]) end
  consider(successor(last))
end
return redis.call('XTRIM', KEYS[1], 'MINID', minId)
