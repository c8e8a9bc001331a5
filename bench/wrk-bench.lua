-- wrk script for scripts/bench.sh: the same bodies as tests/load/wrk-collect.lua (which it loads:
-- batches of 1-10 real events, sizes cycling 1..10, mean 5.5 events), with a machine-readable summary.
-- usage: CLICKSTREAM_WRK_COLLECT=/abs/tests/load/wrk-collect.lua \
--          wrk -t1 -c16 -d10s -s bench/wrk-bench.lua http://127.0.0.1:PORT -- <sample.jsonl>
dofile(os.getenv("CLICKSTREAM_WRK_COLLECT") or "tests/load/wrk-collect.lua")

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk: requests=%d duration_s=%.3f non2xx=%d socket_errors=%d p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    latency.max / 1000))
end
