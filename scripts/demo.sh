#!/usr/bin/env bash
# make demo: build, bring the local platform up, create topics, register schemas, create connectors,
# start clickstream-pipeline, replay a dataset with clickstream-generator (the real sample plus a few
# synthesized invalid events; a synthesized dataset when the sample is absent), wait until the
# pipeline has drained, and print a report (scripts/report.py). Leaves the platform running; stops
# the service it started.
#
# Environment: the endpoints of scripts/lib/env.sh; DEMO_HTTP_PORT (default 60000, or a free port
# when taken), DEMO_METRICS_PORT (default 9464, or a free port when taken), DEMO_CONCURRENCY (4),
# DEMO_RATE (0 = as fast as possible), DEMO_LOOPS (1), DEMO_SYNTH_EVENTS (20000, when no sample),
# DEMO_INVALID_EVENTS (60), DEMO_WAIT (drain timeout, 300 s), DEMO_REBUILD_PLUGIN (rebuild the
# Connect plugin even when build/connect-plugin exists), BUILD_DIR (build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/env.sh
source "$ROOT/scripts/lib/env.sh"
# shellcheck source=scripts/lib/pipeline.sh
source "$ROOT/scripts/lib/pipeline.sh"

BUILD_DIR="${BUILD_DIR:-build}"
CONCURRENCY="${DEMO_CONCURRENCY:-4}"
RATE="${DEMO_RATE:-0}"
LOOPS="${DEMO_LOOPS:-1}"
SYNTH_EVENTS="${DEMO_SYNTH_EVENTS:-20000}"
INVALID_EVENTS="${DEMO_INVALID_EVENTS:-60}"
WAIT="${DEMO_WAIT:-300}"

T0=$SECONDS
step() { printf '\n==> [%3ds] %s\n' "$((SECONDS - T0))" "$*"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/clickstream-demo.XXXXXX")"
PIPELINE_PID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  if [[ -n "$PIPELINE_PID" ]]; then
    step "stopping the clickstream-pipeline we started (pid $PIPELINE_PID)"
    stop_pipeline
  fi
  if ((rc != 0)); then
    echo "demo: failed (exit $rc); files kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

step "build (Release) in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" 2>&1 | grep -E '^\[ *[0-9]+%\] (Built|Linking)|error|warning' || true
[[ -x "$BUILD_DIR/clickstream-generator" ]] || die "build failed: $BUILD_DIR/clickstream-generator missing"
[[ -x "$BUILD_DIR/clickstream-pipeline" ]] || die "build failed: $BUILD_DIR/clickstream-pipeline missing"

if [[ -f connect/pom.xml && -x scripts/build-connect-plugin.sh ]]; then
  if [[ -d "${CONNECT_PLUGIN_SRC:-$BUILD_DIR/connect-plugin}" && -z "${DEMO_REBUILD_PLUGIN:-}" ]]; then
    step "Connect S3 sink plugin: already built in ${CONNECT_PLUGIN_SRC:-$BUILD_DIR/connect-plugin} (DEMO_REBUILD_PLUGIN=1 rebuilds)"
  else
    step "Connect S3 sink plugin (scripts/build-connect-plugin.sh --skip-tests; make test runs its tests)"
    scripts/build-connect-plugin.sh --skip-tests
  fi
fi

step "platform up (scripts/platform.sh up; the first run installs and builds, later runs are quick)"
scripts/platform.sh up
eval "$(scripts/platform.sh env)"

step "topics, schemas, connectors"
scripts/create-topics.sh
scripts/register-schemas.sh
if [[ -x scripts/create-connectors.sh ]]; then
  scripts/create-connectors.sh
else
  warn "scripts/create-connectors.sh not present: the data lake part of the report is skipped"
fi

step "dataset"
GEN="$BUILD_DIR/clickstream-generator"
SAMPLE="$(find_sample_dataset "$ROOT")"
VALID_ARGS=()
if [[ -n "$SAMPLE" && -f "$SAMPLE" ]]; then
  echo "real sample: $SAMPLE ($(wc -l <"$SAMPLE") events)"
  VALID_FILE="$SAMPLE"
else
  echo "real sample not found (../shared/data/sample-events.jsonl): synthesizing $SYNTH_EVENTS events"
  VALID_FILE="$WORK/synthetic-valid.jsonl"
  "$GEN" --synthesize "$SYNTH_EVENTS" "$VALID_FILE" --invalid-share 0 --seed 2022
fi
VALID_ARGS+=(--valid "$VALID_FILE")
# A few invalid events of every kind, so the invalid topic and its reasons show up in the report.
"$GEN" --synthesize "$INVALID_EVENTS" "$WORK/invalid.jsonl" --invalid-share 1 --seed "$RANDOM"
DATASET="$WORK/dataset.jsonl"
python3 - "$VALID_FILE" "$WORK/invalid.jsonl" "$DATASET" <<'EOF'
import random, sys
lines = [l for p in sys.argv[1:3] for l in open(p) if l.strip()]
random.Random(2022).shuffle(lines)
open(sys.argv[3], "w").writelines(l if l.endswith("\n") else l + "\n" for l in lines)
EOF
echo "replaying $(wc -l <"$DATASET") events ($(wc -l <"$WORK/invalid.jsonl") of them invalid on purpose) x $LOOPS"

step "start clickstream-pipeline"
HTTP_PORT="${DEMO_HTTP_PORT:-60000}"
METRICS_PORT="${DEMO_METRICS_PORT:-9464}"
if port_in_use "$HTTP_PORT"; then
  new="$(free_port)"
  warn "port $HTTP_PORT is taken (another instance?): using $new"
  HTTP_PORT="$new"
fi
if port_in_use "$METRICS_PORT"; then
  new="$(free_port)"
  warn "metrics port $METRICS_PORT is taken: using $new (Prometheus scrapes 9464 only)"
  METRICS_PORT="$new"
fi
LOG="$WORK/clickstream-pipeline.log"
start_pipeline "$BUILD_DIR/clickstream-pipeline" "$LOG" "$HTTP_PORT" "$METRICS_PORT"
echo "clickstream-pipeline pid $PIPELINE_PID on :$HTTP_PORT (metrics :$METRICS_PORT), log $LOG"

step "replay with clickstream-generator (concurrency $CONCURRENCY, rate ${RATE:-max})"
python3 scripts/report.py offsets >"$WORK/before.json"
set +e
GEN_LINE="$("$GEN" "http://127.0.0.1:$HTTP_PORT" "$DATASET" --concurrency "$CONCURRENCY" \
  --rate "$RATE" --loops "$LOOPS" --seed 2022 --progress 2 --answers "$WORK/answers.txt")"
gen_rc=$?
set -e
echo "$GEN_LINE"
[[ "$GEN_LINE" == generator:* ]] || die "the generator printed no summary (exit $gen_rc)"
if ((gen_rc != 0)); then warn "the generator reports failed batches (exit $gen_rc)"; fi

step "wait for the pipeline to drain, then report (timeout ${WAIT}s)"
set +e
python3 scripts/report.py run --before "$WORK/before.json" --answers "$WORK/answers.txt" \
  --generator-line "$GEN_LINE" "${VALID_ARGS[@]}" --wait "$WAIT" --concurrency "$CONCURRENCY"
report_rc=$?
set -e

stop_pipeline
step "done in $((SECONDS - T0)) s"
echo "The platform is still running (scripts/platform.sh status). Stop it with: make down"
exit "$report_rc"
