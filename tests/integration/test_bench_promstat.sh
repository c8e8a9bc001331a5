#!/usr/bin/env bash
# bench/promstat.py (used by make bench; no platform, no timing): label-filtered sums and deltas of
# counters, and histogram quantiles over the observations between two scrapes.
set -euo pipefail

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
promstat() { PYTHONDONTWRITEBYTECODE=1 python3 "$SRC/bench/promstat.py" "$@"; }

cat >"$tmp/before.prom" <<'EOF2'
# HELP h a histogram
# TYPE h histogram
h_bucket{le="0.005"} 5
h_bucket{le="0.01"} 5
h_bucket{le="0.1"} 5
h_bucket{le="+Inf"} 5
h_sum 0.01
h_count 5
c{code="200"} 10
c{code="503"} 1
EOF2
cat >"$tmp/after.prom" <<'EOF2'
h_bucket{le="0.005"} 15
h_bucket{le="0.01"} 55
h_bucket{le="0.1"} 105
h_bucket{le="+Inf"} 105
h_sum 4.2
h_count 105
c{code="200"} 110
c{code="503"} 1
c{code="429"} 7
EOF2

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[[ "$(promstat sum "$tmp/after.prom" c)" == 118 ]] || fail "sum of all series"
[[ "$(promstat sum "$tmp/after.prom" c code=200)" == 110 ]] || fail "sum with a label filter"
[[ "$(promstat delta "$tmp/before.prom" "$tmp/after.prom" c)" == 107 ]] || fail "delta (a new series counts from 0)"
[[ "$(promstat sum "$tmp/missing.prom" c)" == 0 ]] || fail "a missing file counts as 0"
# 100 new observations: 10 <= 5 ms, 40 in (5, 10] ms, 50 in (10, 100] ms.
[[ "$(promstat quantile "$tmp/before.prom" "$tmp/after.prom" h 0.5)" == "0.010000 100" ]] || fail "p50 at a bucket bound"
[[ "$(promstat quantile "$tmp/before.prom" "$tmp/after.prom" h 0.99)" == "0.098200 100" ]] || fail "p99 interpolated"
[[ "$(promstat quantile "$tmp/before.prom" "$tmp/after.prom" h 0.05)" == "0.002500 100" ]] || fail "p5 in the first bucket"
[[ "$(promstat quantile "$tmp/after.prom" "$tmp/after.prom" h 0.99)" == "nan 0" ]] || fail "no observations"
if promstat bogus >/dev/null 2>&1; then fail "a bad command must fail"; fi
echo "test_bench_promstat: ok"
