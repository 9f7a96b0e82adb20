-- wrk script: replay requests from a file, spread over wrk's threads.
--
--   wrk -s requests.lua URL -- FILE THREADS MODE
--
-- FILE has one request per line: GROUP \t METHOD \t PATH \t HEADERS \t BODY, where HEADERS is
-- "Name: value" pairs joined by "|" and BODY may be empty. Thread t of THREADS takes the lines
-- whose GROUP modulo THREADS is t, so requests of one group (one order's IPNs) keep their order
-- on one thread. MODE "cycle" starts over at the end; "once" stops the thread at the end (wrk
-- still runs for its whole duration, so a run must not outlast its file). done() prints one
-- JSON line.

local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    fields[#fields + 1] = field
  end
  return fields
end

local function parse_headers(text)
  local headers = {}
  for pair in text:gmatch("[^|]+") do
    local name, value = pair:match("^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  return headers
end

function init(args)
  local file, threads = args[1], tonumber(args[2])
  mode = args[3] or "cycle"
  reqs = {}
  for line in io.lines(file) do
    local f = split(line)
    if tonumber(f[1]) % threads == tid then
      local body = f[5] ~= "" and f[5] or nil
      reqs[#reqs + 1] = wrk.format(f[2], f[3], parse_headers(f[4]), body)
    end
  end
  if #reqs == 0 then error("no requests for thread " .. tid .. " in " .. file) end
  index = 0
end

function request()
  index = index + 1
  if index > #reqs then
    if mode == "once" then
      wrk.thread:stop()
      index = #reqs
    else
      index = 1
    end
  end
  return reqs[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"timeouts":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
end
