-- wrk's summary as one JSON line (latencies in microseconds), read by bench/load.ts. With
-- BENCH_UNIQUE_PREFIX set, every request gets a query parameter of its own (a cache miss every time).
local prefix = os.getenv("BENCH_UNIQUE_PREFIX")
if prefix then
  local counter = 0
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  request = function()
    counter = counter + 1
    return wrk.format(nil, wrk.path .. separator .. "bench-id=" .. prefix .. "-" .. counter)
  end
end

done = function(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
