-- ended (included, not run alone): the one Lua copy of "this message needs no more work".
-- A message has ended once sent, cancelled, recalled, or recorded with a final state (`fin`).
-- Returns the state when ended, false otherwise.
local function ended_state(record_key)
  local st = redis.call('HGET', record_key, 'st')
  if st == 'sent' or st == 'cancelled' or st == 'recalled' or redis.call('HGET', record_key, 'fin') == '1' then
    return st
  end
  return false
end

-- Appends `n` encoded events (20 strings each) from ARGV, starting at index `from`.
local function emit_events(stream_key, from, n)
  for i = 0, n - 1 do
    local a = from + i * 20
    redis.call('XADD', stream_key, '*', unpack(ARGV, a, a + 19))
  end
end
