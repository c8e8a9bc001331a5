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

start_test_connector "rotation 700 records / 1 s, offsets committed every 5 s by the worker"

write_chunks "$TMP" "$RECORDS" "$CHUNKS" "$RUN_ID"

(
  for f in "$TMP"/chunk-*.bin; do
    produce "$TOPIC" "$f"
    sleep 0.4
  done
  touch "$TMP/produced"
) &
producer_pid=$!

# Kill the worker mid-stream, at a moment when the bucket holds objects written after the connector's last
# offset commit (so the restarted tasks must rewrite them in place rather than add new ones beside them).
ahead_of_commit() { # prints the number of objects whose start offset is at or past the committed offset
  local offsets
  offsets="$(curl -fsS -m 5 "$CONNECT_URL/connectors/$CONNECTOR/offsets" 2>/dev/null || echo '{}')"
  python3 "$LAKE" list "$PREFIX/" | python3 -c '
import json, re, sys
committed = {o["partition"]["kafka_partition"]: o["offset"]["kafka_offset"]
             for o in json.loads(sys.argv[1]).get("offsets", [])}
n = total = 0
for line in sys.stdin:
    m = re.search(r"\+(\d+)\+(\d+)\.jsonl\.gz", line)
    if m:
        total += 1
        n += int(m.group(2)) >= committed.get(int(m.group(1)), 0)
print(n, total)' "$offsets"
}
kill_deadline=$((SECONDS + 60))
while true; do
  read -r ahead n <<<"$(ahead_of_commit)"
  if ((ahead >= 1 && n >= 3)) && [[ ! -f "$TMP/produced" ]]; then break; fi
  if [[ -f "$TMP/produced" ]] || ((SECONDS >= kill_deadline)); then
    not_ok "objects written past the last offset commit while the stream is still produced ($n objects)"
    finish
  fi
  sleep 0.3
done
pid="$(connect_pid)"
if [[ -n "$pid" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q ConnectDistributed; then
  log_lines_before="$(wc -l <"$CLICKSTREAM_HOME/state/connect/connect.log")"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  ok "Connect worker (pid $pid) killed with SIGKILL mid-stream: $n objects in the bucket, $ahead of them past the last offset commit"
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
wait_lake_complete "$PREFIX" "$RECORDS" "$DEADLINE_S" || true
lines=$LAKE_LINES distinct=$LAKE_DISTINCT missing=$LAKE_MISSING dups=$LAKE_DUPS bad=$LAKE_BAD
printf '     | %s records produced; %s lines in the bucket, %s distinct ids, %s missing, %s duplicates, %s unparsable\n' \
  "$RECORDS" "$lines" "$distinct" "$missing" "$dups" "$bad"
objects="$(python3 "$LAKE" list "$PREFIX/" | grep -c . || true)"
rewritten="$(tail -n +"$log_lines_before" "$CLICKSTREAM_HOME/state/connect/connect.log" | grep -c "$TOPIC.*already exists" || true)"
printf '     | %s objects; %s objects written before the crash but after the last offset commit were rewritten in place\n' \
  "$objects" "$rewritten"
if ((rewritten >= 1)); then
  ok "the restarted tasks found the objects written after the last commit and rewrote them in place"
else
  not_ok "the restarted tasks rewrote the objects written after the last commit (none logged)"
fi
if ((missing == 0 && dups == 0 && bad == 0 && lines == RECORDS)); then
  ok "after SIGKILL and restart: every record exactly once (0 missing, 0 duplicates)"
else
  not_ok "after SIGKILL and restart: every record exactly once"
fi

finish
