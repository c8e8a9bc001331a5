#!/usr/bin/env bash
# Fault injection (issue 10): the object store (SeaweedFS, the data lake) goes away for about a minute
# while the archive runs. A stream of framed records flows through a test connector (the shipped
# archive configuration, its own topic and prefix, short rotation); SeaweedFS is stopped
# (scripts/platform.sh stop seaweedfs) for FAULT_S3_DOWN_S seconds in the middle of the stream and
# brought back with scripts/platform.sh up. Nobody touches the connector: its tasks must retry, stay
# RUNNING and resume by themselves, and the bucket must end with every record exactly once (ids
# compared: 0 missing, 0 duplicates).
# DISRUPTIVE: it stops the shared object store (and restores it, also when it fails). Run it alone.
set -euo pipefail
# shellcheck source=tests/integration/lib/faults.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/faults.sh"
# shellcheck source=tests/integration/lib/archive_common.sh
source "$ROOT/tests/integration/lib/archive_common.sh"

RUN_ID="$(date +%s)$$"
TOPIC="test.fault.$RUN_ID.s3"
DLQ="test.fault.$RUN_ID.dlq"
PREFIX="test-fault-s3/$RUN_ID"
CONNECTOR="test-fault-s3-$RUN_ID"
RECORDS="${FAULT_S3_RECORDS:-24000}"
CHUNKS=40
DOWN_S="${FAULT_S3_DOWN_S:-60}"
DEADLINE_S="${FAULT_S3_DEADLINE_S:-240}"

# shellcheck disable=SC2317 # called by faults.sh's EXIT trap
fault_cleanup_hook() {
  delete_connector "$CONNECTOR"
  if [[ "${KEEP_TEST_DATA:-0}" != 1 ]]; then
    delete_topic "$TOPIC"
    delete_topic "$DLQ"
    if [[ -z "$STOPPED_COMPONENT" ]]; then python3 "$LAKE" delete "$PREFIX/" >/dev/null 2>&1 || true; fi
  fi
}

require_platform
start_test_connector "2 tasks, rotation 700 records / 1 s"

# RECORDS events in CHUNKS files produced 2 s apart: the stream runs before, during and after the outage.
write_chunks "$TMP" "$RECORDS" "$CHUNKS" "$RUN_ID"
(
  for f in "$TMP"/chunk-*.bin; do
    produce "$TOPIC" "$f"
    sleep 2
  done
  touch "$TMP/produced"
) &
producer_pid=$!
bg_track "$producer_pid"

objects() { python3 "$LAKE" list "$PREFIX/" 2>/dev/null | grep -c . || true; }
some_objects() { (($(objects) >= 2)); }
wait_for 60 some_objects || not_ok "objects written before the outage"
before_objects="$(objects)"

# Task states, every 2 s, while the store is down and until the stream is complete.
task_states() {
  curl -fsS -m 5 "$CONNECT_URL/connectors/$CONNECTOR/status" 2>/dev/null |
    python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["connector"]["state"], *sorted(t["state"] for t in s["tasks"]))' ||
    echo "unreachable"
}
(
  while :; do
    printf '%s %s\n' "$(now_s)" "$(task_states)" >>"$TMP/states.log"
    sleep 2
  done
) &
bg_track $!

connect_log="$CLICKSTREAM_HOME/state/connect/connect.log"
log_lines_before="$(wc -l <"$connect_log")"
t_stop=$(now_s)
platform_stop seaweedfs
t_down=$(now_s)
ok "object store stopped with $before_objects objects in the bucket, the stream still being produced"
sleep "$DOWN_S"
t_up=$(now_s)
platform_restore
t_back=$(now_s)
figure "object store down for $(elapsed "$t_down" "$t_up") s (unreachable $(elapsed "$t_stop" "$t_back") s: stop to healthy)"

wait "$producer_pid" || true
if wait_lake_complete "$PREFIX" "$RECORDS" "$DEADLINE_S"; then
  figure "every record in the bucket $(elapsed "$t_back") s after the object store was back"
fi
figure "$RECORDS records produced; $LAKE_LINES lines in $(objects) objects, $LAKE_DISTINCT distinct ids, $LAKE_MISSING missing, $LAKE_DUPS duplicates, $LAKE_BAD unparsable"
if ((LAKE_MISSING == 0 && LAKE_DUPS == 0 && LAKE_BAD == 0 && LAKE_LINES == RECORDS)); then
  ok "after the outage: every record exactly once (0 missing, 0 duplicates)"
else
  not_ok "after the outage: every record exactly once"
fi

states="$(awk '{ $1 = ""; print }' "$TMP/states.log" | sort | uniq -c | sed 's/^ *//' | paste -sd ';' -)"
figure "connector/task states seen every 2 s from the stop on: $states"
if grep -qE 'FAILED|unreachable' "$TMP/states.log"; then
  not_ok "tasks stay RUNNING through the outage (no FAILED, no manual restart)"
else
  ok "tasks stay RUNNING through the outage and resume by themselves (no restart)"
fi
retries="$(tail -n +"$log_lines_before" "$connect_log" | grep -cE "$TOPIC.*(retrying in|will redeliver|not written yet)|(retrying in|will redeliver|not written yet).*$TOPIC" || true)"
redeliver="$(tail -n +"$log_lines_before" "$connect_log" | grep -c 'object store unavailable, Connect will redeliver' || true)"
figure "Connect log since the stop: $retries retry lines naming the topic, $redeliver 'object store unavailable, Connect will redeliver' lines"
if ((retries + redeliver >= 1)); then ok "the sink logged its retries"; else not_ok "retries logged by the sink"; fi
finish
