-- wrk script for the petition benchmarks: form-encoded POSTs with a CSRF cookie/token
-- pair, a unique email per request and a client IP in X-Forwarded-For (as behind a proxy).
-- wrk -s bench/petitions_post.lua URL -- MODE PATH PREFIX CSRF_SECRET ORIGIN
--   MODE: "sign" (petition form fields) or "baseline" (name + email only)
local threads = {}
local counter = 0
ok, other = 0, 0  -- globals: done() reads them with thread:get()

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  mode, path, prefix, secret, origin = args[1], args[2], args[3], args[4], args[5]
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "__Host-csrftoken=" .. secret .. "; csrftoken=" .. secret,
    ["X-Forwarded-Proto"] = "https",
    ["Origin"] = origin,
    ["Referer"] = origin .. path,
  }
end

function request()
  counter = counter + 1
  local email = prefix .. "-" .. tid .. "-" .. counter .. "%40d" .. (counter % 50) .. ".bench-petitions.example"
  local body
  if mode == "sign" then
    body = "csrfmiddlewaretoken=" .. secret .. "&name=Camille+Bench+" .. counter .. "&email=" .. email
      .. "&postcode=75011&show_name=on&notify_answer=on"
  else
    body = "csrfmiddlewaretoken=" .. secret .. "&name=Camille+Bench+" .. counter .. "&email=" .. email
  end
  -- consecutive requests come from different /24s, so the range rules see spread traffic
  headers["X-Forwarded-For"] = "10." .. (counter % 250) .. "." .. (tid % 250) .. "." .. (math.floor(counter / 250) % 250 + 1)
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  if status == 303 or status == 302 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local acked, failed = 0, 0
  for _, t in ipairs(threads) do
    acked = acked + t:get("ok")
    failed = failed + t:get("other")
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "redirects": %d, "other_status": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "timeouts": %d, "p50_ms": %.2f, "p90_ms": %.2f, '
      .. '"p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration, acked, failed, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
