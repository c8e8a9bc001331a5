#!/usr/bin/env bash
# Builds and runs the core micro benchmark (bench/bench_core.cpp) against the Release build's
# runtime library: parse + validate + encode of the real sample, one core.
# Usage: bench/bench_core.sh [repetitions]   (env: BUILD_DIR, CLICKSTREAM_SHARED_DATA_DIR)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$here/build}"
data="${CLICKSTREAM_SHARED_DATA_DIR:-$here/../shared/data}"
reps="${1:-50}"

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
"$build/bench_core" "$here/schemas/acme.clickstream.raw.events.json" "$data/sample-events.jsonl" \
  "$reps" "$here/tests/fixtures/schema-invalid-events.jsonl"
