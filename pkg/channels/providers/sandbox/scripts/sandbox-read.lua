-- Reads the sandbox inbox filtered by receiver and/or sending app, in one atomic pass (the list
-- keeps moving while handlers deliver, so a paged client-side scan could see an item twice).
-- KEYS[1]  the sandbox inbox list (newest first, JSON items)
-- ARGV[1]  receiver to match exactly ('' = any)
-- ARGV[2]  max items to return
-- ARGV[3]  id of the app whose items to match ('' = any)
-- Returns  { total matching, item1, item2, ... } (items newest first, at most ARGV[2])
local all = redis.call('LRANGE', KEYS[1], 0, -1)
local receiver = ARGV[1]
local limit = tonumber(ARGV[2])
local app = tonumber(ARGV[3])
local out = { 0 }
local total = 0
for i = 1, #all do
  local ok, item = pcall(cjson.decode, all[i])
  if ok and type(item) == 'table'
    and (receiver == '' or item['receiver'] == receiver)
    and (app == nil or item['appId'] == app) then
    total = total + 1
    if total <= limit then
      out[#out + 1] = all[i]
    end
  end
end
out[1] = total
return out
