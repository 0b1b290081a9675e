-- wrk script for bench/run.py: prints one "BENCH_JSON {...}" line the driver parses.
--
-- Environment:
--   BENCH_UNIQUE  if set, every request gets "?nocache=<BENCH_UNIQUE>-<thread>-<n>" so a
--                 URL-keyed page cache never hits (measures a cold render under load).
-- Every request says it came through a TLS proxy (X-Forwarded-Proto: https), as behind the
-- production load balancer, so PRODUCTION's SSL redirect does not answer instead of the page.

wrk.headers["X-Forwarded-Proto"] = "https"

local threads = {}
local unique = os.getenv("BENCH_UNIQUE")

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   non2xx = 0
   counter = 0
end

if unique and unique ~= "" then
   function request()
      counter = counter + 1
      local sep = wrk.path:find("?", 1, true) and "&" or "?"
      local path = wrk.path .. sep .. "nocache=" .. unique .. "-" .. id .. "-" .. counter
      return wrk.format(nil, path)
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local non2xx_total = 0
   for _, thread in ipairs(threads) do
      non2xx_total = non2xx_total + thread:get("non2xx")
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"non2xx": %d, "connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
      non2xx_total, e.connect, e.read, e.write, e.timeout))
end
