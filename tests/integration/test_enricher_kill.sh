#!/usr/bin/env bash
# Exactly-once under SIGKILL (issue 4): the real sample is replayed through POST /collect while the
# service is killed with SIGKILL twice mid-stream and restarted (the replay retries a batch until
# it is answered 200, so raw may hold a batch twice: that is the collector's at-least-once). Then
# every raw record must be in the latest topic exactly once (same partition/offset source, same
# event, same key), nothing extra, nothing invalid, and the unique users per day must equal an
# independent count from the file (a retried duplicate does not count twice).
set -euo pipefail
# shellcheck source=tests/integration/enrich_lib.sh
source "$(dirname "$0")/enrich_lib.sh"

create_topics
# Small transactions, so that a kill lands inside one.
flags=(--enricher.batch-max-events=20 --unique-users.emit-interval-ms=200)
start_service "${flags[@]}"
latest_id="$(curl -sf "$SCHEMA_REGISTRY_URL/subjects/acme.clickstream.latest.events-value/versions/latest" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"

log "replaying $SAMPLE slowly in the background"
REPLAY_DELAY_MS=60 REPLAY_DEADLINE_S=180 python3 "$TOOL" replay "http://127.0.0.1:$HTTP_PORT/collect" "$SAMPLE" \
  >"$WORK/replay.json" 2>"$WORK/replay.err" &
replay_pid=$!

for round in 1 2; do
  sleep 3
  kill -KILL "$SVC_PID"
  wait "$SVC_PID" 2>/dev/null || true
  SVC_PID=""
  log "round $round: SIGKILL mid-stream; restarting"
  sleep 1
  start_service "${flags[@]}"
done

wait "$replay_pid" || die "replay failed: $(cat "$WORK/replay.err")"
log "replay: $(cat "$WORK/replay.json")"
raw="$(dump "$RUN.raw" raw)"
[[ "$raw" -ge "$(grep -c . "$SAMPLE")" ]] || die "raw holds $raw records, fewer than the sample"
wait_for_count "$RUN.latest" latest "$raw" 90
sleep 2 # anything extra would show now
dump "$RUN.latest" latest >/dev/null
dump "$RUN.raw" raw >/dev/null
dump "$RUN.invalid" invalid >/dev/null
log "latest: $(python3 "$SRC/tests/integration/enrich_check.py" latest "$WORK" "$SAMPLE" "$latest_id")"

out=""
for _ in $(seq 1 30); do
  dump "$RUN.unique" unique >/dev/null
  if out="$(python3 "$SRC/tests/integration/enrich_check.py" unique "$WORK" "$SAMPLE" 2>&1)"; then break; fi
  sleep 1
done
python3 "$SRC/tests/integration/enrich_check.py" unique "$WORK" "$SAMPLE" >/dev/null || die "$out"
log "unique users: $out"
uncommitted="$(ISOLATION=read_uncommitted python3 "$TOOL" dump "$RUN.latest" | wc -l)"
log "latest read_uncommitted: $uncommitted records, $((uncommitted - raw)) of them from transactions the kills left open (aborted)"
stop_service
log "PASS"
