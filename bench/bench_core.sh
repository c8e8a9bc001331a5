#!/usr/bin/env bash
# Builds and runs the core micro benchmark (bench/bench_core.cpp) against the Release build's
# runtime library: parse + validate + encode of the real sample, one core.
# Usage: bench/bench_core.sh [repetitions]   (env: BUILD_DIR, CLICKSTREAM_SHARED_DATA_DIR)
#        bench/bench_core.sh --callgrind      instructions per event of the collector's and the
#          enricher's path (valgrind --tool=callgrind, runs of 2 and 4 repetitions: the difference
#          leaves out start-up); exact and the same on every run, unlike the timings.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
data="${CLICKSTREAM_SHARED_DATA_DIR:-$here/../shared/data}"
mode="timing"
if [[ "${1:-}" == --callgrind ]]; then
  mode=callgrind
  shift
fi
reps="${1:-50}"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "bench_core: repetitions must be a positive integer" >&2; exit 2; }

if [[ ! -f "$build/libclickstream_runtime.a" ]]; then
  echo "bench_core: $build/libclickstream_runtime.a is missing: run 'make build' first" >&2
  exit 1
fi
if [[ ! -f "$data/sample-events.jsonl" ]]; then
  echo "bench_core: $data/sample-events.jsonl is missing (set CLICKSTREAM_SHARED_DATA_DIR)" >&2
  exit 1
fi

# SIMDJSON_THREADS_ENABLED=1 must match the library's build (simdjson::simdjson sets it).
c++ -std=c++17 -O2 -DNDEBUG -DSIMDJSON_THREADS_ENABLED=1 -I"$here" \
  "$here/bench/bench_core.cpp" "$build/libclickstream_runtime.a" -lsimdjson -lpthread \
  -o "$build/bench_core"
schema="$here/schemas/acme.clickstream.raw.events.json"
if [[ "$mode" == timing ]]; then
  exec "$build/bench_core" "$schema" "$data/sample-events.jsonl" "$reps" \
    "$here/tests/fixtures/schema-invalid-events.jsonl"
fi

command -v valgrind >/dev/null || { echo "bench_core: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# instructions PATH REPS: total instructions of one run (callgrind's "I refs" line)
instructions() {
  BENCH_CORE_ONLY="$1" valgrind --tool=callgrind --callgrind-out-file="$out/$1.$2" \
    "$build/bench_core" "$schema" "$data/sample-events.jsonl" "$2" 2>&1 >/dev/null |
    sed -n 's/.*I *refs: *//p' | tr -d ,
}
events="$(grep -c . "$data/sample-events.jsonl")"
for path in collector enricher; do
  i2="$(instructions "$path" 2)"
  i4="$(instructions "$path" 4)"
  echo "$path: $(((i4 - i2) / (2 * events))) instructions/event (callgrind, $events events x 2 repetitions)"
  if command -v callgrind_annotate >/dev/null; then
    callgrind_annotate "$out/$path.4" 2>/dev/null | sed -n '/file:function/,$p' | sed -n '3,10p' |
      sed -E 's/ \[[^]]*\]$//; s/std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >/std::string/g' |
      cut -c1-150 | sed 's/^/    /'
  fi
done
