#!/usr/bin/env bash
# Crash test of the data-lake archive (issue 8): a stream of framed records flows through a test connector
# (the shipped configuration, short rotation so objects are written ahead of offset commits); the Kafka
# Connect worker is killed with SIGKILL in the middle of the stream and brought back with
# `scripts/platform.sh up`; at the end every record is in the bucket exactly once (ids compared: 0 missing,
# 0 duplicates). Only the Connect worker is killed. Run after `make up` (ctest label integration).
set -euo pipefail

ROOT="${CLICKSTREAM_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# shellcheck source=tests/integration/lib/archive_common.sh
source "$ROOT/tests/integration/lib/archive_common.sh"

RUN_ID="$(date +%s)$$"
TOPIC="test.archive.$RUN_ID.restart"
DLQ="test.archive.$RUN_ID.dlq"
PREFIX="test-archive-restart/$RUN_ID"
CONNECTOR="test-archive-restart-$RUN_ID"
RECORDS="${ARCHIVE_RESTART_RECORDS:-30000}"
CHUNKS=30
DEADLINE_S="${ARCHIVE_RESTART_DEADLINE_S:-240}"
TMP="$(mktemp -d)"
producer_pid=""

cleanup() {
  if [[ -n "$producer_pid" ]]; then kill "$producer_pid" 2>/dev/null || true; fi
  delete_connector "$CONNECTOR"
  if [[ "${KEEP_TEST_DATA:-0}" != 1 ]]; then
    delete_topic "$TOPIC"
    delete_topic "$DLQ"
    python3 "$LAKE" delete "$PREFIX/" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

require_platform

create_topic "$TOPIC" 3
write_connector_config "$TMP/$CONNECTOR.json" "topics=$TOPIC" "s3.prefix=$PREFIX" \
  "errors.deadletterqueue.topic.name=$DLQ" "tasks.max=2" "rotate.interval.ms=1000" "rotate.max.records=700"
if "$ROOT/scripts/create-connectors.sh" "$TMP/$CONNECTOR.json" >"$TMP/create.out" 2>&1; then
  ok "test connector RUNNING (rotation 700 records / 1 s, offsets committed every 5 s by the worker)"
else
  not_ok "test connector RUNNING"
  sed 's/^/     | /' "$TMP/create.out"
  finish
fi

# RECORDS framed events with ids 0..RECORDS-1, in CHUNKS files produced about 0.4 s apart.
python3 - "$TMP" "$RECORDS" "$CHUNKS" "$RUN_ID" <<'PY'
import json, os, struct, sys
tmp, n, chunks, run = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
per = (n + chunks - 1) // chunks
for c in range(chunks):
    recs = []
    for i in range(c * per, min(n, (c + 1) * per)):
        ev = {"id": i, "run": run, "type": "page_view", "event": {"user-agent": "Mozilla/5.0",
              "ip": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", "customer-id": i % 997,
              "timestamp": "2022-04-28T07:38:46.290271", "page": f"/product/{i % 5000}"}}
        recs.append(f"visitor-{i % 101}".encode() + b"\x1f" + b"\x00" + struct.pack(">I", 1) + json.dumps(ev).encode())
    with open(os.path.join(tmp, f"chunk-{c:03d}.bin"), "wb") as f:
        f.write(b"\x1e".join(recs))
PY

(
  for f in "$TMP"/chunk-*.bin; do
    produce "$TOPIC" "$f"
    sleep 0.4
  done
  touch "$TMP/produced"
) &
producer_pid=$!

# Kill the worker mid-stream: once objects are in the bucket and the producer is still going.
kill_deadline=$((SECONDS + 60))
while true; do
  n="$(python3 "$LAKE" list "$PREFIX/" | grep -c . || true)"
  if ((n >= 3)) && [[ ! -f "$TMP/produced" ]]; then break; fi
  if [[ -f "$TMP/produced" ]] || ((SECONDS >= kill_deadline)); then
    not_ok "objects appear while the stream is still being produced ($n objects)"
    finish
  fi
  sleep 0.5
done
pid="$(connect_pid)"
if [[ -n "$pid" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ConnectDistributed; then
  log_lines_before="$(wc -l <"$CLICKSTREAM_HOME/state/connect/connect.log")"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  ok "Connect worker (pid $pid) killed with SIGKILL mid-stream, $n objects in the bucket"
else
  not_ok "Connect worker pid found in $CLICKSTREAM_HOME/state/connect/connect.pid"
  finish
fi
killed_at=$SECONDS

if "$ROOT/scripts/platform.sh" up >"$TMP/up.out" 2>&1; then
  ok "Connect back with scripts/platform.sh up after $((SECONDS - killed_at)) s"
else
  not_ok "scripts/platform.sh up brings Connect back"
  sed 's/^/     | /' "$TMP/up.out" | tail -n 20
  finish
fi
wait "$producer_pid"
producer_pid=""

# Every id exactly once: wait until all ids are there, then until the count is stable, then compare.
count_ids() {
  python3 "$LAKE" lines "$PREFIX/" | python3 -c '
import collections, json, sys
ids = collections.Counter()
bad = 0
for row in sys.stdin:
    try:
        ids[json.loads(json.loads(row)["line"])["id"]] += 1
    except (ValueError, KeyError, TypeError):
        bad += 1
n = int(sys.argv[1])
missing = sum(1 for i in range(n) if ids[i] == 0)
dups = sum(c - 1 for c in ids.values() if c > 1)
print(sum(ids.values()) + bad, len(ids), missing, dups, bad)' "$RECORDS"
}
deadline=$((SECONDS + DEADLINE_S))
stable=0
last=""
while ((SECONDS < deadline)); do
  read -r lines distinct missing dups bad <<<"$(count_ids)"
  if ((missing == 0)); then
    if [[ "$lines" == "$last" ]]; then stable=$((stable + 1)); else stable=0; fi
    ((stable >= 4)) && break
  fi
  last="$lines"
  sleep 2
done
printf '     | %s records produced; %s lines in the bucket, %s distinct ids, %s missing, %s duplicates, %s unparsable\n' \
  "$RECORDS" "$lines" "$distinct" "$missing" "$dups" "$bad"
objects="$(python3 "$LAKE" list "$PREFIX/" | grep -c . || true)"
rewritten="$(tail -n +"$log_lines_before" "$CLICKSTREAM_HOME/state/connect/connect.log" | grep -c "$TOPIC.*already exists" || true)"
printf '     | %s objects; %s objects written before the crash but after the last offset commit were rewritten in place\n' \
  "$objects" "$rewritten"
if ((missing == 0 && dups == 0 && bad == 0 && lines == RECORDS)); then
  ok "after SIGKILL and restart: every record exactly once (0 missing, 0 duplicates)"
else
  not_ok "after SIGKILL and restart: every record exactly once"
fi

finish
