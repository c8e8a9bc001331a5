#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS]: builds the libFuzzer targets of tests/fuzz (clang++-14, ASan + UBSan)
# in build-fuzz/, then runs each for SECONDS (default 30) on a copy of its checked-in seed corpus
# (tests/fuzz/corpus/<target>/). A crash, leak, sanitizer report or failed check fails the script;
# the reproducer is left in build-fuzz/artifacts/. New corpus entries stay in build-fuzz/corpus/
# (copy useful ones into tests/fuzz/corpus/ by hand).
#   CXX overrides the compiler (default clang++-14), FUZZ_BUILD_DIR the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [seconds]" >&2; exit 2; }
CXX="${CXX:-clang++-14}"
BUILD="${FUZZ_BUILD_DIR:-build-fuzz}"
command -v "$CXX" >/dev/null || { echo "fuzz.sh: $CXX not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 1; }

echo "==> build fuzz targets ($CXX, ASan+UBSan) in $BUILD"
CXX="$CXX" cmake -S tests/fuzz -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
nice cmake --build "$BUILD" -j "$(nproc)"

mkdir -p "$BUILD/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for target in batch_parser validate_encode; do
  work="$BUILD/corpus/$target"
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
  echo "==> fuzz_$target for ${seconds}s"
  if ! nice "$BUILD/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/$target-" \
    "$work" 2>"$BUILD/fuzz_$target.log"; then
    status=1
    echo "fuzz_$target: FAILED (log: $BUILD/fuzz_$target.log, artifacts: $BUILD/artifacts/)" >&2
    tail -n 40 "$BUILD/fuzz_$target.log" >&2
    continue
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$BUILD/fuzz_$target.log" | tail -n 3
  echo "fuzz_$target: no finding; corpus $(find "$work" -type f | wc -l) inputs"
done
exit "$status"
