-- wrk script for the read storm: anonymous GETs behind a (simulated) TLS proxy.
-- wrk -s bench/petitions_get.lua URL
local threads = {}
ok, other = 0, 0  -- globals: done() reads them with thread:get()

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.headers["X-Forwarded-Proto"] = "https"
  wrk.headers["Accept-Language"] = "fr"
end

function response(status, hdrs, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    bad = bad + t:get("other")
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "ok": %d, "other_status": %d, "connect_errors": %d, '
      .. '"read_errors": %d, "timeouts": %d, "p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration, good, bad, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
