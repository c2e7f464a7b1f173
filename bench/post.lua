-- wrk script: POST the platform's sample form body, with a fresh transactionid per request.
--
-- Environment:
--   BENCH_BODY   path of the form body (run.sh always sets it: tests/samples/platform-form-post.txt)
--   BENCH_NONCE  8 hex digits that make this run's transactionids unique (default 00000000)
--
-- Switchboard deduplicates on $.body.transactionid, so posting the sample unchanged would
-- measure the "already seen" path after the first request. Each request gets a UUID-shaped
-- id of the same length as the sample's, so the body stays 1.7 KB:
--   <nonce>-<thread>-4000-8000-<counter>
-- done() prints one parseable line:
--   BENCH requests=N duration_us=N rps=F p50_us=N p90_us=N p99_us=N max_us=N
--         connect=N read=N write=N status=N timeout=N

local function read_body()
  local path = os.getenv("BENCH_BODY") or "tests/samples/platform-form-post.txt"
  local file = assert(io.open(path, "rb"), "cannot open " .. path)
  local text = file:read("*a")
  file:close()
  return (text:gsub("%s+$", ""))
end

local body = read_body()
local head, tail = body:match("^(.-transactionid=)[%x%-]+(.*)$")
assert(head, "the body has no transactionid=<uuid> pair")

local nonce = os.getenv("BENCH_NONCE") or "00000000"
assert(nonce:match("^%x%x%x%x%x%x%x%x$"), "BENCH_NONCE must be 8 hex digits")

local threads = {}
local counter = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

function setup(thread)
  thread:set("thread_no", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_no = thread_no or 0
  prefix = head .. nonce .. string.format("-%04x-4000-8000-", thread_no)
end

function request()
  counter = counter + 1
  local id = prefix .. string.format("%012x", counter)
  return wrk.format(nil, nil, nil, id .. tail)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
