-- wrk script for bench/pages.sh: GET the URL given to wrk, and print one parseable line.
--
-- done() prints:
--   BENCH requests=N duration_us=N rps=F bytes=N p50_us=N p90_us=N p99_us=N max_us=N
--         connect=N read=N write=N status=N timeout=N
-- bytes is the average response size (headers and body). status counts non-2xx answers.

function done(summary, latency, requests)
  local e = summary.errors
  local n = summary.requests
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f bytes=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
    n, summary.duration, n / (summary.duration / 1e6), n > 0 and math.floor(summary.bytes / n) or 0,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
