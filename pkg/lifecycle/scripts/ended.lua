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

-- Strings per encoded event (encodeEvent in pkg/domain/events.ts: EVENT_FIELDS).
local EVENT_LEN = 28

-- Appends `n` encoded events (EVENT_LEN strings each) from ARGV, starting at index `from`, to the
-- partition's event stream, and each one's `at`, state and reason to the message's timeline
-- (field `tl` of its record: entries `at\31state\31reason`, each ended by `\30`), so a trace is
-- read from the record that holds the state, never folded from events.
local function emit_events(stream_key, from, n, record_key)
  local tl = ''
  for i = 0, n - 1 do
    local a = from + i * EVENT_LEN
    redis.call('XADD', stream_key, '*', unpack(ARGV, a, a + EVENT_LEN - 1))
    tl = tl .. ARGV[a + 13] .. '\31' .. ARGV[a + 11] .. '\31' .. ARGV[a + 15] .. '\30'
  end
  if n > 0 then
    redis.call('HSET', record_key, 'tl', (redis.call('HGET', record_key, 'tl') or '') .. tl)
  end
end
