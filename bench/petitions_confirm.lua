-- wrk script: POST the confirmation of one pending signature per request (tokens from a file,
-- shared out between wrk threads). A thread that runs out of tokens stops.
-- wrk -s bench/petitions_confirm.lua URL -- TOKEN_FILE CSRF_SECRET ORIGIN
local threads = {}
ok, other, exhausted = 0, 0, 0  -- globals: done() reads them with thread:get()

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
  thread:set("nthreads", 0)
end

function init(args)
  local file, secret, origin = args[1], args[2], args[3]
  tokens, index = {}, 0
  local n = 0
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  for line in io.lines(file) do
    if line ~= "" then
      if n % nthreads == tid - 1 then table.insert(tokens, line) end
      n = n + 1
    end
  end
  body = "csrfmiddlewaretoken=" .. secret
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "__Host-csrftoken=" .. secret .. "; csrftoken=" .. secret,
    ["X-Forwarded-Proto"] = "https",
    ["Origin"] = origin,
    ["Referer"] = origin .. "/",
  }
end

function request()
  index = index + 1
  if index > #tokens then
    exhausted = 1
    wrk.thread:stop()
    index = #tokens
  end
  return wrk.format("POST", "/petitions/confirmer/" .. tokens[index] .. "/", headers, body)
end

function response(status, hdrs, body)
  if status == 303 or status == 302 then ok = ok + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local good, bad, out = 0, 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    bad = bad + t:get("other")
    out = out + t:get("exhausted")
  end
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "redirects": %d, "other_status": %d, "exhausted_threads": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "timeouts": %d, "p50_ms": %.2f, "p90_ms": %.2f, '
      .. '"p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests, summary.duration, good, bad, out, summary.errors.connect, summary.errors.read,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
