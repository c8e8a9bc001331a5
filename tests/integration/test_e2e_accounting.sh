#!/usr/bin/env bash
# End-to-end accounting against the real platform (make test runs it after platform up, topics,
# schemas and connectors). Starts its own clickstream-pipeline on free ports, replays a dataset with
# clickstream-generator, waits for the pipeline to drain, and checks with scripts/report.py --strict:
#   raw + invalid = events sent (and = accepted + rejected of the service's answers),
#   latest = raw, records in the data lake per topic = records in the topic,
#   unique users per day = an independent count computed from the dataset.
# The dataset: the real sample (when present) plus a fixed synthesized one on days of its own, plus
# synthesized invalid events of every kind. Records are counted by this run's correlation ids from the run's start offsets on, so other
# writers on the shared platform do not disturb the counts. Any mismatch fails with the numbers.
set -euo pipefail

SRC="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
BUILD="${CLICKSTREAM_BUILD_DIR:-$SRC/build}"
# shellcheck source=scripts/lib/env.sh
source "$SRC/scripts/lib/env.sh"
# shellcheck source=scripts/lib/pipeline.sh
source "$SRC/scripts/lib/pipeline.sh"

GEN="$BUILD/clickstream-generator"
PIPELINE="$BUILD/clickstream-pipeline"
SYNTH_EVENTS="${E2E_SYNTH_EVENTS:-3000}"
INVALID_EVENTS="${E2E_INVALID_EVENTS:-150}"
WAIT="${E2E_WAIT:-240}"

fail() {
  echo "FAIL: $*"
  exit 1
}
[[ -x "$GEN" ]] || fail "$GEN not built"
[[ -x "$PIPELINE" ]] || fail "$PIPELINE not built"
need_cmd kcat curl python3

tmp="$(mktemp -d "${TMPDIR:-/tmp}/clickstream-e2e.XXXXXX")"
PIPELINE_PID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local rc=$?
  stop_pipeline
  if ((rc != 0)); then
    echo "files kept in $tmp (pipeline log: $tmp/pipeline.log)"
    tail -n 20 "$tmp/pipeline.log" 2>/dev/null || true
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

# A fixed synthesized dataset on days of its own (2022-04-07..10: not in the real sample, not in the
# synthesizer's default week, inside the unique-users window of a platform fed with 2022 data). The
# unique-users state is cumulative per day, so every run sends the same customers for those days
# and the expected count stays the independent count from this file. (Random future days would not
# work: the service refuses days after tomorrow, and keeps a 90-day window.)
seed="${E2E_SEED:-20220407}"
end_date="${E2E_END_DATE:-2022-04-10}"
"$GEN" --synthesize "$SYNTH_EVENTS" "$tmp/valid.jsonl" --invalid-share 0 --seed "$seed" \
  --synth-end-date "$end_date" --synth-days 4
"$GEN" --synthesize "$INVALID_EVENTS" "$tmp/invalid.jsonl" --invalid-share 1 --seed "$((seed + 1))" \
  --synth-end-date "$end_date" --synth-days 4
valid_args=(--valid "$tmp/valid.jsonl")
parts=("$tmp/valid.jsonl" "$tmp/invalid.jsonl")
sample="$(find_sample_dataset "$SRC")"
if [[ -n "$sample" && -f "$sample" ]]; then
  valid_args+=(--valid "$sample")
  parts+=("$sample")
  echo "dataset: real sample $sample + $SYNTH_EVENTS synthesized (seed $seed, 4 days up to $end_date) + $INVALID_EVENTS invalid"
else
  echo "dataset: $SYNTH_EVENTS synthesized (seed $seed, 4 days up to $end_date) + $INVALID_EVENTS invalid (real sample absent)"
fi
python3 - "$tmp/dataset.jsonl" "${parts[@]}" <<'EOF'
import random, sys
lines = [l if l.endswith("\n") else l + "\n" for p in sys.argv[2:] for l in open(p) if l.strip()]
random.Random(len(lines)).shuffle(lines)
open(sys.argv[1], "w").writelines(lines)
EOF
total="$(wc -l <"$tmp/dataset.jsonl")"

http_port="$(free_port)"
metrics_port="$(free_port)"
start_pipeline "$PIPELINE" "$tmp/pipeline.log" "$http_port" "$metrics_port"
echo "clickstream-pipeline pid $PIPELINE_PID on :$http_port (metrics :$metrics_port)"

python3 "$SRC/scripts/report.py" offsets >"$tmp/before.json"
set +e
line="$("$GEN" "http://127.0.0.1:$http_port" "$tmp/dataset.jsonl" --concurrency 4 --seed "$seed" \
  --answers "$tmp/answers.txt" --progress 5)"
gen_rc=$?
set -e
echo "$line"
[[ "$line" =~ ^generator:\ sent=${total}\  ]] || fail "generator did not send all $total events: $line"
[[ "$line" == *" failed=0 "* ]] || fail "generator reports failed batches (exit $gen_rc): $line"

strict=(--strict)
if [[ -x "$SRC/scripts/create-connectors.sh" ]]; then strict+=(--require-lake); fi
if python3 "$SRC/scripts/report.py" run --before "$tmp/before.json" --answers "$tmp/answers.txt" \
  --generator-line "$line" "${valid_args[@]}" --wait "$WAIT" --concurrency 4 "${strict[@]}"; then
  echo "PASS: e2e accounting ($total events)"
else
  fail "e2e accounting: see the MISMATCHES above"
fi
