-- wrk script: POST /collect with random batches of 1-10 real events (as the reference generator).
-- usage: wrk -t1 -c16 -d20s --latency -s tests/load/wrk-collect.lua http://127.0.0.1:60000 -- <sample.jsonl>
-- Batch sizes cycle 1, 2, ..., 10 (each thread sends its 2000 bodies in turn), so the mean batch is
-- exactly 5.5 events; events are drawn at random from the sample. Prints events/s at the end.
local bodies = {}
local sizes = {}
local counter = 0

function init(args)
  local path = args[1] or "../shared/data/sample-events.jsonl"
  local lines = {}
  for line in io.lines(path) do
    if #line > 0 then lines[#lines + 1] = line end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
  for i = 1, 2000 do
    local n = (i - 1) % 10 + 1
    local batch = {}
    for j = 1, n do batch[j] = lines[math.random(1, #lines)] end
    bodies[i] = "[" .. table.concat(batch, ",") .. "]"
    sizes[i] = n
  end
end

function request()
  counter = counter % #bodies + 1
  return wrk.format("POST", "/collect", {["Content-Type"] = "application/json"}, bodies[counter])
end

function done(summary, latency, requests)
  local mean = 5.5  -- sizes cycle 1..10 (done() runs in wrk's main Lua state, without init())
  local rps = summary.requests / (summary.duration / 1e6)
  io.write(string.format("requests/s %.0f, mean batch %.2f events, events/s %.0f, non-2xx %d\n",
    rps, mean, rps * mean, summary.errors.status))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
