-- wrk script for bench/run.py's POST targets (the sign form and its two floors): every
-- request posts the sign form with a new email address and a real CSRF cookie and token.
-- Prints one "BENCH_JSON {...}" line the driver parses.
--
-- Environment (set by bench/run.py):
--   BENCH_CSRF         "cookie token;cookie token;…": one pair per wrk thread, each fetched
--                      from the sign page (Set-Cookie csrftoken + the form's hidden token)
--   BENCH_ORIGIN       the Origin header a browser sends (Django checks it on HTTPS)
--   BENCH_RUN          a per-run tag: emails are <run>-<thread>-<n>@<BENCH_EMAIL_DOMAIN>
--   BENCH_EMAIL_DOMAIN where the generated addresses live (the driver deletes them after)
--   BENCH_FORM         the other fields of the sign form, urlencoded
--   BENCH_REDIRECT_TO  if set, success is a 302 with exactly this Location (the sign view's
--                      "check your inbox" redirect, not followed); otherwise a 2xx
--   BENCH_SEND_MS      stop sending new requests this many ms after the start, so the
--                      requests in flight get their answers before wrk stops: every
--                      signature the server stored then has an answer wrk counted.
--
-- Throughput is answers / active time (first request to last answer), measured here with
-- gettimeofday: wrk's own duration includes the quiet drain at the end.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local timeval = ffi.new("bench_timeval")

local function now_us()
   ffi.C.gettimeofday(timeval, nil)
   return tonumber(timeval.tv_sec) * 1000000 + tonumber(timeval.tv_usec)
end

local function urlencode(text)
   return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local pairs_csrf = {}
for cookie, token in (os.getenv("BENCH_CSRF") or ""):gmatch("([^%s;]+)%s+([^%s;]+)") do
   table.insert(pairs_csrf, { cookie = cookie, token = token })
end
local run = os.getenv("BENCH_RUN") or "run"
local domain = os.getenv("BENCH_EMAIL_DOMAIN") or "bench.example.org"
local form = os.getenv("BENCH_FORM") or ""
local redirect_to = os.getenv("BENCH_REDIRECT_TO") or ""
local send_us = tonumber(os.getenv("BENCH_SEND_MS") or "0") * 1000

wrk.method = "POST"
wrk.headers["X-Forwarded-Proto"] = "https"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Origin"] = os.getenv("BENCH_ORIGIN")

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
end

function init(args)
   local pair = pairs_csrf[(id - 1) % #pairs_csrf + 1]
   wrk.headers["Cookie"] = "csrftoken=" .. pair.cookie
   fixed = "csrfmiddlewaretoken=" .. urlencode(pair.token) .. "&" .. form
   sent, received, accepted, failed = 0, 0, 0, 0
   started = now_us()
   last = started
end

function request()
   sent = sent + 1
   local tag = run .. "-" .. id .. "-" .. sent
   local body = fixed .. "&name=Bench+signer+" .. tag
      .. "&email=" .. urlencode(tag .. "@" .. domain)
   return wrk.format(nil, nil, nil, body)
end

function delay()
   if send_us > 0 and now_us() - started >= send_us then
      return 3600000 -- draining: this connection sends nothing more before wrk stops
   end
   return 0
end

function response(status, headers, body)
   received = received + 1
   last = now_us()
   local ok
   if redirect_to ~= "" then
      ok = status == 302 and headers["Location"] == redirect_to
   else
      ok = status >= 200 and status <= 299
   end
   if ok then accepted = accepted + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
   local total = { sent = 0, received = 0, accepted = 0, failed = 0 }
   local first, final = math.huge, 0
   for _, thread in ipairs(threads) do
      for key in pairs(total) do
         total[key] = total[key] + thread:get(key)
      end
      first = math.min(first, thread:get("started"))
      final = math.max(final, thread:get("last"))
   end
   -- wrk calls request() once on the first thread to check the script before it starts
   -- (wrk.c, script_verify_request); that request never goes out.
   total.sent = total.sent - 1
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "active_us": %d, "bytes": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"non2xx": %d, "accepted": %d, "sent": %d, "received": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "timeout": %d}\n',
      summary.requests, summary.duration, final - first, summary.bytes,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
      total.failed, total.accepted, total.sent, total.received,
      e.connect, e.read, e.write, e.timeout))
end
