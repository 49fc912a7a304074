-- wrk script of the benchmarks (benchmarks/lib/wrk.ts): POST the same JSON body on every request.
-- Input (environment): WRK_BODY_FILE the body, WRK_API_KEY the bearer token ("none": no check).
-- Output: one JSON line at the end (done), read by wrk.ts: requests, duration (µs), error counts
-- (status = answers ≥ 400) and latency percentiles in µs, p99.9 included (`--latency` prints
-- only 50/75/90/99).
local f = assert(io.open(os.getenv("WRK_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_API_KEY") or "none")

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"wrk":1,"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"p50":%d,"p99":%d,"p999":%d,"max":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
