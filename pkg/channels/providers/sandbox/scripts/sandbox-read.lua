-- Reads the sandbox inbox filtered by receiver, in one atomic pass (the list keeps moving while
-- handlers deliver, so a paged client-side scan could see an item twice).
-- KEYS[1]  the sandbox inbox list (newest first, JSON items)
-- ARGV[1]  receiver to match exactly
-- ARGV[2]  max items to return
-- Returns  { total matching, item1, item2, ... } (items newest first, at most ARGV[2])
local all = redis.call('LRANGE', KEYS[1], 0, -1)
local receiver = ARGV[1]
local limit = tonumber(ARGV[2])
local out = { 0 }
local total = 0
for i = 1, #all do
  local ok, item = pcall(cjson.decode, all[i])
  if ok and type(item) == 'table' and item['receiver'] == receiver then
    total = total + 1
    if total <= limit then
      out[#out + 1] = all[i]
    end
  end
end
out[1] = total
return out
